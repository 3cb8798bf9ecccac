import { PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { managementApi } from "./clients";
import { RetryPolicy, withRetry } from "./retry";

export type PostOutcome = "sent" | "gone";

/** 410 means the client went away; retrying cannot help and its items should go. */
export function isGone(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === "GoneException" || e?.$metadata?.httpStatusCode === 410;
}

/** Posts one frame; "gone" on 410, throws once the other errors outlast the retry policy. */
export async function postToConnection(endpoint: string, connectionId: string, data: string, policy: RetryPolicy): Promise<PostOutcome> {
  const client = managementApi(endpoint);
  const bytes = Buffer.from(data, "utf8");
  try {
    await withRetry(
      policy,
      () => client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: bytes })),
      (err) => !isGone(err),
    );
    return "sent";
  } catch (err) {
    if (isGone(err)) return "gone";
    throw err;
  }
}
