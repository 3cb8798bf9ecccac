import { inflateSync } from "zlib";
import { handler as connectionHandler } from "../../lambdas/connection-handler";
import { handler } from "../../lambdas/results-pusher";
import { DeliveryLedger } from "../../lambdas/results-pusher/ledger";
import { DEFAULT_INDEX_NAME } from "../../lambdas/shared/connections";
import { SUBSCRIBED_SYMBOL_ATTRIBUTE } from "../../lambdas/shared/table-layout";
import { kinesisEvent, websocketEvent } from "./helpers/events";
import { LocalTable } from "./helpers/local-dynamodb";
import { ManagementApiStub, startHandlerEnvironment } from "./helpers/management-api";

let table: LocalTable;
const api = new ManagementApiStub();
let logs: { info: jest.SpyInstance; warn: jest.SpyInstance; error: jest.SpyInstance };

beforeAll(async () => {
  table = await startHandlerEnvironment(api);
  process.env.RETRY_BASE_DELAY_MS = "1";
  delete process.env.POST_CONCURRENCY;
  delete process.env.POST_ATTEMPTS;
  delete process.env.INDEX_NAME;
  delete process.env.MAX_POSTS_PER_INVOCATION;
});

afterAll(async () => {
  await api.stop();
  await table?.stop();
});

beforeEach(() => {
  api.reset();
  logs = {
    info: jest.spyOn(console, "log").mockImplementation(() => undefined),
    warn: jest.spyOn(console, "warn").mockImplementation(() => undefined),
    error: jest.spyOn(console, "error").mockImplementation(() => undefined),
  };
});
afterEach(() => jest.restoreAllMocks());

/** Subscribes through the connection handler, so both Lambdas agree on the table layout. */
async function subscribe(connectionId: string, symbols: string[]): Promise<void> {
  expect(await connectionHandler(websocketEvent("CONNECT", connectionId))).toEqual({ statusCode: 200 });
  expect(await connectionHandler(websocketEvent("MESSAGE", connectionId, JSON.stringify({ subscribeTo: symbols })))).toEqual({
    statusCode: 200,
  });
}

/** Decodes a frame the way help/websocket-protocol.md tells a client to. */
function decodeFrame(frame: string): unknown[] {
  expect(frame).toMatch(/^eJ[A-Za-z0-9+/]*={0,2}$/); // standard base64 of a zlib stream, which a client tells from an error frame by its first character
  const bytes = Buffer.from(frame, "base64");
  expect(bytes[0]).toBe(0x78); // zlib header (RFC 1950), not gzip (1f 8b) and not raw deflate
  return JSON.parse(inflateSync(bytes).toString("utf8"));
}

const received = (connectionId: string) => api.delivered(connectionId).map(decodeFrame);
const quote = (symbol: string, i: number) => ({
  symbol,
  measurement: "windowed-quotation",
  measure_id: `${symbol}-${i}`,
  price: 100 + i,
  volume: i * 10,
  ts: 1_700_000_000_000 + i,
});
const lines = (spy: jest.SpyInstance) => spy.mock.calls.map((c) => JSON.parse(c[0] as string) as Record<string, unknown>);
const summary = () =>
  lines(logs.info)
    .filter((l) => l.message === "batch done")
    .at(-1)!;

test("the GSI the pusher queries by default is the one foundations synthesizes", () => {
  expect(table.indexNames).toEqual([DEFAULT_INDEX_NAME]);
});

test("10 records for 3 symbols reach exactly the subscribed connections, 7 records a frame, and decode to the original JSON", async () => {
  await subscribe("c1", ["AAA", "BBB"]);
  await subscribe("c2", ["BBB"]);
  await subscribe("c3", ["CCC"]);
  await subscribe("c4", ["DDD"]);
  const aaa = Array.from({ length: 8 }, (_, i) => quote("AAA", i));
  const bbb = [quote("BBB", 0)];
  const ccc = [quote("CCC", 0)];
  const records = [aaa[0], bbb[0], aaa[1], aaa[2], ccc[0], aaa[3], aaa[4], aaa[5], aaa[6], aaa[7]];
  expect(records).toHaveLength(10);

  expect(await handler(kinesisEvent(records))).toEqual({ batchItemFailures: [] });

  const c1 = received("c1");
  expect(c1).toHaveLength(3);
  expect(c1.filter((f) => (f[0] as { symbol: string }).symbol === "AAA")).toEqual([aaa.slice(0, 7), aaa.slice(7)]);
  expect(c1).toContainEqual(bbb);
  expect(received("c2")).toEqual([bbb]);
  expect(received("c3")).toEqual([ccc]);
  expect(api.attempts("c4")).toBe(0);
  expect(api.posts).toHaveLength(5);
  expect(summary()).toMatchObject({ records: 10, symbols: 3, Posts: 5, UndecodableRecords: 0, FailedRecords: 0, GoneConnections: 0 });
});

test("a 410 removes every item of that connection and the others still get their data", async () => {
  await subscribe("gone-1", ["GON", "OTHER1"]);
  await subscribe("live-1", ["GON"]);
  await subscribe("live-2", ["GON"]);
  api.gone.add("gone-1");
  const records = Array.from({ length: 9 }, (_, i) => quote("GON", i));

  expect(await handler(kinesisEvent(records))).toEqual({ batchItemFailures: [] });

  expect(await table.itemsOf("gone-1")).toEqual([]);
  expect(api.attempts("gone-1")).toBe(1); // the second frame is not tried once the client is known gone
  for (const id of ["live-1", "live-2"]) {
    expect(received(id)).toEqual([records.slice(0, 7), records.slice(7)]);
    expect((await table.itemsOf(id)).length).toBe(2);
  }
  expect(lines(logs.info)).toContainEqual({ level: "info", message: "removed gone connection", connectionId: "gone-1", itemsDeleted: 3 });
  expect(summary()).toMatchObject({ GoneConnections: 1, FailedRecords: 0 });
});

test("undecodable records are logged and counted, never reported or logged in full, and do not block the good ones", async () => {
  await subscribe("d1", ["DEC"]);
  const good = [quote("DEC", 0), quote("DEC", 1), quote("DEC", 2)];
  const secret = "SECRET-PAYLOAD-BYTES";
  const event = kinesisEvent([
    good[0],
    `{not json ${secret}`,
    good[1],
    { symbol: "DEC", price: 1, note: secret },
    good[2],
    { symbol: "dec lower", measurement: "m", measure_id: "x" },
  ]);
  const badSeqs = [1, 3, 5].map((i) => event.Records[i].kinesis.sequenceNumber);

  expect(await handler(event)).toEqual({ batchItemFailures: [] });

  expect(received("d1")).toEqual([good]);
  const warnings = lines(logs.warn);
  expect(warnings).toEqual([
    { level: "warn", message: "undecodable record", sequenceNumber: badSeqs[0], reason: "not JSON" },
    { level: "warn", message: "undecodable record", sequenceNumber: badSeqs[1], reason: "measurement missing or not a string" },
    { level: "warn", message: "undecodable record", sequenceNumber: badSeqs[2], reason: "symbol missing or not a valid symbol" },
  ]);
  const everything = [...logs.info.mock.calls, ...logs.warn.mock.calls, ...logs.error.mock.calls].flat().join("\n");
  expect(everything).not.toContain(secret);
  expect(summary()).toMatchObject({ records: 6, UndecodableRecords: 3, FailedRecords: 0 });
  expect(summary()._aws).toMatchObject({
    CloudWatchMetrics: [
      { Namespace: "StreamLines/ResultsPusher", Metrics: expect.arrayContaining([{ Name: "UndecodableRecords", Unit: "Count" }]) },
    ],
  });
});

test("other errors are retried with a bound; what still fails is reported by sequence number, the rest is delivered", async () => {
  await subscribe("flaky", ["RTY"]);
  await subscribe("broken", ["BRK"]);
  await subscribe("fine", ["BRK", "RTY"]);
  api.failures.set("flaky", 2);
  api.failures.set("broken", 1_000);
  const event = kinesisEvent([quote("RTY", 0), quote("BRK", 0), quote("RTY", 1), quote("BRK", 1)]);

  const result = await handler(event);

  expect(result.batchItemFailures).toEqual([1, 3].map((i) => ({ itemIdentifier: event.Records[i].kinesis.sequenceNumber })));
  expect(api.attempts("flaky")).toBe(3);
  expect(received("flaky")).toEqual([[quote("RTY", 0), quote("RTY", 1)]]);
  expect(api.attempts("broken")).toBe(3);
  expect(received("broken")).toEqual([]);
  expect(received("fine")).toHaveLength(2);
  expect(lines(logs.error)).toEqual([
    expect.objectContaining({ message: "post failed", symbol: "BRK", connectionId: "broken", attempts: 3, httpStatus: 500 }),
  ]);
  expect(await table.itemsOf("broken")).toHaveLength(2); // a 500 is not a 410: the subscription stays
});

test("POST_ATTEMPTS bounds the tries", async () => {
  await subscribe("once", ["ONE"]);
  api.failures.set("once", 1_000);
  process.env.POST_ATTEMPTS = "1";
  try {
    const event = kinesisEvent([quote("ONE", 0)]);
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0].kinesis.sequenceNumber }] });
  } finally {
    delete process.env.POST_ATTEMPTS;
  }
  expect(api.attempts("once")).toBe(1);
});

test("a failed connection lookup reports that symbol's records", async () => {
  process.env.INDEX_NAME = "NoSuchIndex";
  try {
    const event = kinesisEvent([quote("LKP", 0), quote("LKP", 1)]);
    expect(await handler(event)).toEqual({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) });
  } finally {
    delete process.env.INDEX_NAME;
  }
  expect(lines(logs.error)).toEqual([expect.objectContaining({ message: "connection lookup failed", symbol: "LKP" })]);
});

test("a missing configuration fails the whole batch instead of throwing", async () => {
  const endpoint = process.env.MANAGEMENT_API_ENDPOINT;
  delete process.env.MANAGEMENT_API_ENDPOINT;
  try {
    const event = kinesisEvent([quote("CFG", 0)]);
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0].kinesis.sequenceNumber }] });
  } finally {
    process.env.MANAGEMENT_API_ENDPOINT = endpoint;
  }
  expect(lines(logs.error)).toEqual([expect.objectContaining({ message: "batch failed", errorName: "ConfigError" })]);
});

async function fanOut(symbol: string, connections: number, limit: number): Promise<string[]> {
  const ids = Array.from({ length: connections }, (_, i) => `${symbol.toLowerCase()}-${String(i).padStart(4, "0")}`);
  await table.put(
    ids.map((connectionId) => ({
      connectionId,
      symbol,
      [SUBSCRIBED_SYMBOL_ATTRIBUTE]: symbol,
      [table.ttlAttribute]: Math.floor(Date.now() / 1000) + 3600,
    })),
  );
  process.env.POST_CONCURRENCY = String(limit);
  try {
    expect(await handler(kinesisEvent([quote(symbol, 0)]))).toEqual({ batchItemFailures: [] });
  } finally {
    delete process.env.POST_CONCURRENCY;
  }
  return ids;
}

test("a 1,000-connection fan-out completes with the number of concurrent posts bounded by POST_CONCURRENCY", async () => {
  const limit = 10;
  api.holdMs = 1_000;
  api.releaseAt = 2;
  const ids = await fanOut("FAN", 1000, limit);

  expect(new Set(api.posts.map((p) => p.connectionId))).toEqual(new Set(ids));
  expect(api.posts).toHaveLength(1000);
  expect(api.maxInFlight).toBeGreaterThan(1);
  expect(api.maxInFlight).toBeLessThanOrEqual(limit);
});

test("the limit, not the SDK's socket pool (50 by default), bounds a higher POST_CONCURRENCY", async () => {
  // Requests are held until 60 are in flight (or 2 s): with a 50-socket pool they never get there.
  api.holdMs = 2_000;
  api.releaseAt = 60;
  await fanOut("WIDE", 160, 80);
  expect(api.posts).toHaveLength(160);
  expect(api.maxInFlight).toBeGreaterThan(50);
  expect(api.maxInFlight).toBeLessThanOrEqual(80);
});

describe("a retried batch and the post budget", () => {
  afterEach(() => delete process.env.MAX_POSTS_PER_INVOCATION);

  test("a retry of a partly failed batch sends each connection only what it has not received", async () => {
    await subscribe("rt-flaky", ["RTA"]);
    await subscribe("rt-fine", ["RTA", "RTB"]);
    await subscribe("rt-late", ["RTB"]);
    api.failures.set("rt-flaky", 1_000);
    const event = kinesisEvent([quote("RTA", 0), quote("RTB", 0), quote("RTA", 1), quote("RTB", 1)]);
    const first = await handler(event);
    // Lambda re-sends from the lowest failure on: RTA's record 0, so every record of this batch.
    expect(first.batchItemFailures).toEqual([0, 2].map((i) => ({ itemIdentifier: event.Records[i].kinesis.sequenceNumber })));
    expect(received("rt-fine")).toHaveLength(2);
    expect(received("rt-late")).toEqual([[quote("RTB", 0), quote("RTB", 1)]]);

    api.failures.clear();
    api.posts.length = 0;
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(received("rt-flaky")).toEqual([[quote("RTA", 0), quote("RTA", 1)]]);
    expect(received("rt-fine")).toEqual([]);
    expect(received("rt-late")).toEqual([]);
    expect(summary()).toMatchObject({ Posts: 1, RepeatsSkipped: 6 });
  });

  test("MAX_POSTS_PER_INVOCATION bounds the posts; the rest goes back to Lambda, and the retry reaches the others, each once", async () => {
    const ids = ["bud-1", "bud-2", "bud-3", "bud-4", "bud-5"];
    for (const id of ids) await subscribe(id, ["BUD"]);
    process.env.MAX_POSTS_PER_INVOCATION = "3";
    const event = kinesisEvent([quote("BUD", 0)]);

    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0].kinesis.sequenceNumber }] });
    expect(api.posts).toHaveLength(3);
    expect(summary()).toMatchObject({ Posts: 3, DeferredPosts: 2, FailedRecords: 1 });

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(api.posts).toHaveLength(5);
    for (const id of ids) expect(received(id)).toEqual([[quote("BUD", 0)]]);
  });

  test("a batch that succeeds is forgotten: the same records in a new batch (a replay) are sent again", async () => {
    await subscribe("replay", ["RPL"]);
    const event = kinesisEvent([quote("RPL", 0)]);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(received("replay")).toEqual([[quote("RPL", 0)], [quote("RPL", 0)]]);
  });
});

test("the delivery ledger forgets its oldest records past its bound", () => {
  const ledger = new DeliveryLedger(4);
  ledger.add(["r1", "r2"], "c1");
  ledger.add(["r1", "r2"], "c1");
  ledger.add(["r3"], "c1");
  ledger.add(["r3"], "c2");
  expect(ledger.size).toBe(4);
  ledger.add(["r4"], "c1");
  expect([ledger.has("r1", "c1"), ledger.has("r2", "c1"), ledger.has("r3", "c2"), ledger.has("r4", "c1")]).toEqual([
    false,
    true,
    true,
    true,
  ]);
  expect(ledger.size).toBe(4);
  ledger.forget(["r3", "nope"]);
  expect(ledger.size).toBe(2);
});
