import { BatchWriteCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo } from "./clients";
import { RetryPolicy, sleep, backoffMs } from "./retry";
import { CONNECTIONS_BY_SYMBOL_INDEX, SUBSCRIBED_SYMBOL_ATTRIBUTE } from "./table-layout";

/** Table layout from modules/connection-table: one item per (connectionId, symbol). */
export interface ConnectionTable {
  readonly tableName: string;
  readonly ttlAttribute: string;
}

export const DEFAULT_INDEX_NAME = CONNECTIONS_BY_SYMBOL_INDEX;

/**
 * The symbol of the item $connect writes. It starts with '#', which SYMBOL_PATTERN never accepts, so no
 * subscription, unsubscribe or pushed record can ever address it. It carries no SUBSCRIBED_SYMBOL_ATTRIBUTE,
 * so it stays out of the index.
 */
export const CONNECTION_SENTINEL = "#connection";

/** BatchWriteItem takes at most 25 requests. */
const BATCH_LIMIT = 25;
const UNPROCESSED_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 50, maxDelayMs: 1000 };

export function expiresAt(ttlHours: number, now = Date.now()): number {
  return Math.floor(now / 1000) + ttlHours * 3600;
}

export async function putConnection(table: ConnectionTable, connectionId: string, expiry: number): Promise<void> {
  await dynamo().send(
    new PutCommand({ TableName: table.tableName, Item: { connectionId, symbol: CONNECTION_SENTINEL, [table.ttlAttribute]: expiry } }),
  );
}

/** Upserts, so subscribing again to a symbol only refreshes its expiry. */
export async function putSubscriptions(
  table: ConnectionTable,
  connectionId: string,
  symbols: readonly string[],
  expiry: number,
): Promise<void> {
  await batchWrite(
    table.tableName,
    symbols.map((symbol) => ({
      PutRequest: { Item: { connectionId, symbol, [SUBSCRIBED_SYMBOL_ATTRIBUTE]: symbol, [table.ttlAttribute]: expiry } },
    })),
  );
}

export async function deleteSubscriptions(
  table: Pick<ConnectionTable, "tableName">,
  connectionId: string,
  symbols: readonly string[],
): Promise<void> {
  await batchWrite(
    table.tableName,
    symbols.map((symbol) => ({ DeleteRequest: { Key: { connectionId, symbol } } })),
  );
}

/**
 * The symbols of every item of the connection, the sentinel included. One Query: a connection holds at
 * most the subscription cap (1,000 at most) plus its sentinel, far below a 1 MB page.
 */
export async function itemSymbolsOf(table: Pick<ConnectionTable, "tableName">, connectionId: string): Promise<string[]> {
  const symbols: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: "connectionId = :c",
        ExpressionAttributeValues: { ":c": connectionId },
        ProjectionExpression: "#s",
        ExpressionAttributeNames: { "#s": "symbol" },
        // The subscription cap counts what is there now, writes of a moment ago included.
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) symbols.push(String(item.symbol));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return symbols;
}

/** The connection's subscriptions, without the sentinel. */
export async function subscriptionsOf(table: Pick<ConnectionTable, "tableName">, connectionId: string): Promise<Set<string>> {
  return new Set((await itemSymbolsOf(table, connectionId)).filter((symbol) => symbol !== CONNECTION_SENTINEL));
}

/** Deletes every item of the connection, the sentinel included; returns how many there were. */
export async function deleteConnection(table: Pick<ConnectionTable, "tableName">, connectionId: string): Promise<number> {
  const symbols = await itemSymbolsOf(table, connectionId);
  await deleteSubscriptions(table, connectionId, symbols);
  return symbols.length;
}

/** Connection ids subscribed to `symbol`, through the GSI. */
export async function connectionsForSymbol(
  table: Pick<ConnectionTable, "tableName">,
  indexName: string,
  symbol: string,
): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: indexName,
        KeyConditionExpression: "#s = :s",
        ExpressionAttributeNames: { "#s": SUBSCRIBED_SYMBOL_ATTRIBUTE },
        ExpressionAttributeValues: { ":s": symbol },
        ProjectionExpression: "connectionId",
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) ids.push(String(item.connectionId));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ids;
}

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };

/** Writes in chunks of 25 and resubmits what DynamoDB left unprocessed (throttling) with bounded backoff. */
async function batchWrite(tableName: string, requests: readonly WriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_LIMIT) {
    let pending: WriteRequest[] = requests.slice(i, i + BATCH_LIMIT);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRY.attempts) {
        throw new Error(
          `BatchWriteItem on ${tableName}: ${pending.length} request(s) still unprocessed after ${UNPROCESSED_RETRY.attempts} attempts`,
        );
      }
      if (attempt > 1) await sleep(backoffMs(UNPROCESSED_RETRY, attempt - 1));
      const result = await dynamo().send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  }
}
