import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { MAX_POST_CONCURRENCY } from "../shared/clients";
import { ConnectionTable, DEFAULT_INDEX_NAME, connectionsForSymbol, deleteConnection } from "../shared/connections";
import { integerEnv, optionalEnv, requiredEnv } from "../shared/env";
import { createLimiter } from "../shared/limiter";
import { errorFields, log } from "../shared/log";
import { postToConnection } from "../shared/post";
import { RetryPolicy } from "../shared/retry";
import { DeliveryLedger } from "./ledger";
import { Measurement, decodeRecord } from "./records";
import { RECORDS_PER_FRAME, encodeFrame, frames } from "./wire";

interface Config {
  readonly table: Pick<ConnectionTable, "tableName">;
  readonly indexName: string;
  readonly endpoint: string;
  readonly concurrency: number;
  readonly maxPosts: number;
  readonly retry: RetryPolicy;
}

/** (record, connection) pairs remembered across invocations of this instance: some 10 MB at most. */
export const LEDGER_MAX_PAIRS = 100_000;
const ledger = new DeliveryLedger(LEDGER_MAX_PAIRS);

function readConfig(): Config {
  return {
    table: { tableName: requiredEnv("TABLE_NAME") },
    indexName: optionalEnv("INDEX_NAME", DEFAULT_INDEX_NAME),
    endpoint: requiredEnv("MANAGEMENT_API_ENDPOINT"),
    concurrency: integerEnv("POST_CONCURRENCY", 25, 1, MAX_POST_CONCURRENCY),
    maxPosts: integerEnv("MAX_POSTS_PER_INVOCATION", 5000, 1, 100_000),
    retry: {
      attempts: integerEnv("POST_ATTEMPTS", 3, 1, 10),
      baseDelayMs: integerEnv("RETRY_BASE_DELAY_MS", 100, 0, 10_000),
      maxDelayMs: 2_000,
    },
  };
}

interface SymbolGroup {
  readonly records: Measurement[];
  /** The records' eventIDs (`<shard>:<sequence number>`), for the ledger. */
  readonly recordIds: string[];
  readonly sequenceNumbers: string[];
  failed: boolean;
}

interface Counts {
  undecodable: number;
  posts: number;
  failedPosts: number;
  /** Frames left for Lambda's retry because the invocation's post budget ran out. */
  deferredPosts: number;
  /** Records not sent again to a connection that got them in an earlier try of the same batch. */
  repeatsSkipped: number;
}

export async function handler(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  const records = event.Records ?? [];
  try {
    return await push(records, readConfig());
  } catch (err) {
    // Only a bad configuration gets here; failing every record lets the event source mapping retry and
    // finally hand the batch to its on-failure destination rather than drop it.
    log("error", "batch failed", errorFields(err));
    return { batchItemFailures: records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
  }
}

async function push(records: readonly KinesisStreamRecord[], config: Config): Promise<KinesisStreamBatchResponse> {
  const counts: Counts = { undecodable: 0, posts: 0, failedPosts: 0, deferredPosts: 0, repeatsSkipped: 0 };
  const groups = new Map<string, SymbolGroup>();
  for (const record of records) {
    const decoded = decodeRecord(record);
    if (!decoded.ok) {
      // Not reported as a failure: a retry would decode the same bytes the same way and stall the shard.
      counts.undecodable++;
      log("warn", "undecodable record", { sequenceNumber: record.kinesis.sequenceNumber, reason: decoded.reason });
      continue;
    }
    let group = groups.get(decoded.value.symbol);
    if (!group) groups.set(decoded.value.symbol, (group = { records: [], recordIds: [], sequenceNumbers: [], failed: false }));
    group.records.push(decoded.value);
    group.recordIds.push(recordIdOf(record));
    group.sequenceNumbers.push(record.kinesis.sequenceNumber);
  }

  // One limiter for every outbound request (lookups, posts, deletes), never nested, so it cannot deadlock.
  const limit = createLimiter(config.concurrency);
  const gone = new Set<string>();

  await Promise.all(
    [...groups].map(async ([symbol, group]) => {
      let connectionIds: string[];
      try {
        connectionIds = await limit(() => connectionsForSymbol(config.table, config.indexName, symbol));
      } catch (err) {
        group.failed = true;
        log("error", "connection lookup failed", { symbol, ...errorFields(err) });
        return;
      }
      const fullFrames = frames(group.records);
      await Promise.all(
        connectionIds.map((connectionId) =>
          // Frames of one connection go out in order; concurrency is across connections.
          limit(async () => {
            const pending = group.recordIds.flatMap((id, i) => (ledger.has(id, connectionId) ? [] : [i]));
            counts.repeatsSkipped += group.records.length - pending.length;
            for (let start = 0; start < pending.length; start += RECORDS_PER_FRAME) {
              if (gone.has(connectionId)) return;
              if (counts.posts >= config.maxPosts) {
                group.failed = true;
                counts.deferredPosts += Math.ceil((pending.length - start) / RECORDS_PER_FRAME);
                return;
              }
              const chunk = pending.slice(start, start + RECORDS_PER_FRAME);
              const frame =
                pending.length === group.records.length
                  ? fullFrames[start / RECORDS_PER_FRAME]
                  : encodeFrame(chunk.map((i) => group.records[i]));
              try {
                counts.posts++;
                if ((await postToConnection(config.endpoint, connectionId, frame, config.retry)) === "gone") {
                  gone.add(connectionId);
                  return;
                }
                ledger.add(
                  chunk.map((i) => group.recordIds[i]),
                  connectionId,
                );
              } catch (err) {
                group.failed = true;
                counts.failedPosts++;
                log("error", "post failed", { symbol, connectionId, attempts: config.retry.attempts, ...errorFields(err) });
                return;
              }
            }
          }),
        ),
      );
    }),
  );

  await Promise.all(
    [...gone].map((connectionId) =>
      limit(async () => {
        try {
          const itemsDeleted = await deleteConnection(config.table, connectionId);
          log("info", "removed gone connection", { connectionId, itemsDeleted });
        } catch (err) {
          // Its items expire by TTL anyway, and the next push to it tries again.
          log("error", "could not remove gone connection", { connectionId, ...errorFields(err) });
        }
      }),
    ),
  );

  const failedSequenceNumbers = new Set([...groups.values()].filter((g) => g.failed).flatMap((g) => g.sequenceNumbers));
  const batchItemFailures = records
    .filter((r) => failedSequenceNumbers.has(r.kinesis.sequenceNumber))
    .map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber }));
  forgetCheckpointed(records, failedSequenceNumbers);

  logSummary(records.length, groups.size, gone.size, batchItemFailures.length, counts);
  return { batchItemFailures };
}

function recordIdOf(record: KinesisStreamRecord): string {
  return record.eventID || record.kinesis.sequenceNumber;
}

/** Lambda re-sends a batch from its lowest reported failure on; what comes before is done for good. */
function forgetCheckpointed(records: readonly KinesisStreamRecord[], failed: ReadonlySet<string>): void {
  const lowestFailure = [...failed].reduce<bigint | undefined>(
    (low, seq) => (low === undefined || BigInt(seq) < low ? BigInt(seq) : low),
    undefined,
  );
  ledger.forget(records.filter((r) => lowestFailure === undefined || BigInt(r.kinesis.sequenceNumber) < lowestFailure).map(recordIdOf));
}

/** CloudWatch embedded metric format: the counts become metrics without a PutMetricData call. */
function logSummary(records: number, symbols: number, goneConnections: number, failedRecords: number, counts: Counts): void {
  const metrics = {
    UndecodableRecords: counts.undecodable,
    FailedRecords: failedRecords,
    GoneConnections: goneConnections,
    Posts: counts.posts,
    FailedPosts: counts.failedPosts,
    DeferredPosts: counts.deferredPosts,
    RepeatsSkipped: counts.repeatsSkipped,
  };
  log("info", "batch done", {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: "StreamLines/ResultsPusher",
          Dimensions: [["FunctionName"]],
          Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: "Count" })),
        },
      ],
    },
    FunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local",
    records,
    symbols,
    ...metrics,
  });
}
