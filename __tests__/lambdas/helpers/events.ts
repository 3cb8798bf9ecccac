import type { APIGatewayProxyWebsocketEventV2, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";

export function websocketEvent(
  eventType: "CONNECT" | "DISCONNECT" | "MESSAGE",
  connectionId: string,
  body?: string,
  isBase64Encoded = false,
): APIGatewayProxyWebsocketEventV2 {
  const routeKey = { CONNECT: "$connect", DISCONNECT: "$disconnect", MESSAGE: "$default" }[eventType];
  const now = Date.now();
  return {
    body,
    isBase64Encoded,
    requestContext: {
      routeKey,
      eventType,
      messageId: `m-${now}`,
      extendedRequestId: `x-${now}`,
      requestTime: new Date(now).toUTCString(),
      messageDirection: "IN",
      stage: "test",
      connectedAt: now,
      requestTimeEpoch: now,
      requestId: `r-${now}`,
      domainName: "abc123.execute-api.eu-central-1.amazonaws.com",
      connectionId,
      apiId: "abc123",
    },
  };
}

let sequence = 0;

/** Kinesis sequence numbers are decimal strings that grow along the shard. */
export function nextSequenceNumber(): string {
  sequence++;
  return `49650000000000000000000000000000000000000000${String(sequence).padStart(12, "0")}`;
}

/** Objects are sent as JSON, strings as given (to make undecodable records). */
export function kinesisEvent(payloads: Array<object | string>): KinesisStreamEvent {
  return {
    Records: payloads.map((p): KinesisStreamRecord => {
      const sequenceNumber = nextSequenceNumber();
      const text = typeof p === "string" ? p : JSON.stringify(p);
      return {
        kinesis: {
          kinesisSchemaVersion: "1.0",
          partitionKey: typeof p === "object" && "symbol" in p ? String(p.symbol) : "x",
          sequenceNumber,
          data: Buffer.from(text, "utf8").toString("base64"),
          approximateArrivalTimestamp: Date.now() / 1000,
        },
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: "aws:kinesis:record",
        invokeIdentityArn: "arn:aws:iam::000000000000:role/results-pusher",
        awsRegion: "eu-central-1",
        eventSourceARN: "arn:aws:kinesis:eu-central-1:000000000000:stream/streamlines-dev-downstream",
      };
    }),
  };
}
