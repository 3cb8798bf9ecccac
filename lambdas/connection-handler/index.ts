import type { APIGatewayProxyWebsocketEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import {
  ConnectionTable,
  deleteConnection,
  deleteSubscriptions,
  expiresAt,
  putConnection,
  putSubscriptions,
  subscriptionsOf,
} from "../shared/connections";
import { integerEnv, optionalEnv, requiredEnv } from "../shared/env";
import { errorFields, log } from "../shared/log";
import { postToConnection } from "../shared/post";
import { Failure, fail, parseMessage } from "./messages";

interface Config {
  readonly table: ConnectionTable;
  readonly ttlHours: number;
  readonly maxSymbols: number;
  readonly maxSubscriptions: number;
}

function readConfig(): Config {
  return {
    table: { tableName: requiredEnv("TABLE_NAME"), ttlAttribute: optionalEnv("TTL_ATTRIBUTE", "expiresAt") },
    // API Gateway closes a WebSocket after 2 hours at most, so 3 hours outlives every live connection
    // and still sweeps up the items of one whose $disconnect never arrived.
    ttlHours: integerEnv("CONNECTION_TTL_HOURS", 3, 1, 24 * 365),
    maxSymbols: integerEnv("MAX_SYMBOLS_PER_MESSAGE", 50, 1, 1000),
    // At most 1,000: a connection's items must stay within one Query page for $disconnect.
    maxSubscriptions: integerEnv("MAX_SUBSCRIPTIONS_PER_CONNECTION", 100, 1, 1000),
  };
}

/**
 * $connect writes a sentinel item rather than nothing: the connection is on record (and under TTL) before
 * its first subscribe, and $disconnect removes it with the subscriptions by one Query on connectionId.
 */
export async function handler(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const { connectionId, eventType, routeKey } = event.requestContext;
  try {
    const config = readConfig();
    switch (eventType) {
      case "CONNECT":
        await putConnection(config.table, connectionId, expiresAt(config.ttlHours));
        return { statusCode: 200 };
      case "DISCONNECT": {
        const deleted = await deleteConnection(config.table, connectionId);
        log("info", "disconnected", { connectionId, itemsDeleted: deleted });
        return { statusCode: 200 };
      }
      case "MESSAGE":
        return await onMessage(event, config);
      default:
        log("warn", "unexpected event type", { connectionId, eventType, routeKey });
        return { statusCode: 400 };
    }
  } catch (err) {
    log("error", "request failed", { connectionId, eventType, ...errorFields(err) });
    return { statusCode: 500 };
  }
}

async function onMessage(event: APIGatewayProxyWebsocketEventV2, config: Config): Promise<APIGatewayProxyStructuredResultV2> {
  const { connectionId } = event.requestContext;
  const parsed = parseMessage(event.body, event.isBase64Encoded, config.maxSymbols);
  if (!parsed.ok) {
    log("warn", "bad message", { connectionId, error: parsed.error });
    await replyError(event, parsed);
    return { statusCode: 400 };
  }
  if (parsed.action === "unsubscribe") {
    await deleteSubscriptions(config.table, connectionId, parsed.symbols);
    return { statusCode: 200 };
  }
  const refused = await subscribeWithinCap(config, connectionId, parsed.symbols);
  if (refused) {
    log("warn", "bad message", { connectionId, error: refused.error });
    await replyError(event, refused);
    return { statusCode: 400 };
  }
  return { statusCode: 200 };
}

/**
 * Counts before writing, and again after: two messages of one connection handled at once could each
 * pass the first count. Over the cap after the write, a message takes back the symbols it added, so the
 * connection never stays above the cap (both such messages may be refused).
 */
async function subscribeWithinCap(config: Config, connectionId: string, symbols: readonly string[]): Promise<Failure | undefined> {
  const cap = config.maxSubscriptions;
  const overCap = (count: number) =>
    fail("too_many_subscriptions", `a connection holds at most ${cap} subscriptions; this message would make ${count}`);
  const before = await subscriptionsOf(config.table, connectionId);
  const added = symbols.filter((symbol) => !before.has(symbol));
  if (before.size + added.length > cap) return overCap(before.size + added.length);
  await putSubscriptions(config.table, connectionId, symbols, expiresAt(config.ttlHours));
  if (added.length === 0) return undefined;
  const after = await subscriptionsOf(config.table, connectionId);
  if (after.size <= cap) return undefined;
  await deleteSubscriptions(config.table, connectionId, added);
  return overCap(after.size);
}

/** Best effort: the client may already be gone, and the 400 stands either way. */
async function replyError(event: APIGatewayProxyWebsocketEventV2, failure: Failure): Promise<void> {
  const { connectionId, domainName, stage } = event.requestContext;
  // A custom domain's name plus the stage is not a management API URL, hence the override.
  const endpoint = optionalEnv("MANAGEMENT_API_ENDPOINT", `https://${domainName}/${stage}`);
  const reply = JSON.stringify({ type: "error", error: failure.error, message: failure.message });
  try {
    await postToConnection(endpoint, connectionId, reply, { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 });
  } catch (err) {
    log("warn", "error reply not delivered", { connectionId, ...errorFields(err) });
  }
}
