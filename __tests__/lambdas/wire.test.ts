// The real-time wire against the app at anzo-p/stream-lines e410d43: downstream records serialized the
// way ripples serializes them go through the results pusher, and every frame is decoded and validated
// the way the dashboard does it. Sources are file:line at e410d43.
import { inflateSync } from "zlib";
import { handler as connectionHandler } from "../../lambdas/connection-handler";
import { handler } from "../../lambdas/results-pusher";
import { epochNanoseconds } from "../../lambdas/results-pusher/records";
import { kinesisEvent, websocketEvent } from "./helpers/events";
import { LocalTable } from "./helpers/local-dynamodb";
import { ManagementApiStub, startHandlerEnvironment } from "./helpers/management-api";

let table: LocalTable;
const api = new ManagementApiStub();

beforeAll(async () => {
  table = await startHandlerEnvironment(api);
  process.env.RETRY_BASE_DELAY_MS = "1";
});

afterAll(async () => {
  await api.stop();
  await table?.stop();
});

beforeEach(() => {
  api.reset();
  for (const method of ["log", "warn", "error"] as const) jest.spyOn(console, method).mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

// ---- ripples' side: ripples/src/main/scala/net/anzop/results/WindowedQuotationVolumes.scala ----

/** A ripples result as its case class holds it (WindowedQuotationVolumes.scala:12-26). */
interface Result {
  measureId: string; // UUID
  measurement: "windowed-stock-quotation-volumes" | "windowed-crypto-quotation-volumes"; // processors/MeasurementTypes.scala:12,16
  symbol: string;
  windowStart: Date; // OffsetDateTime in UTC from the window's epoch millis (processors/QuotationWindow.scala:42-43)
  windowEnd: Date;
  sumBidVolume: string; // BigDecimal, written with its own toString
  sumAskVolume: string;
  recordCount: number; // Long
  averageBidPrice: string;
  averageAskPrice: string;
  bidPriceAtWindowEnd: string;
  askPriceAtWindowEnd: string;
}

/** java.time.OffsetDateTime.toString in UTC: seconds, then the fraction, only when non-zero; offset "Z". */
function offsetDateTimeToString(d: Date): string {
  const iso = d.toISOString(); // yyyy-MM-ddTHH:mm:ss.SSSZ
  const [minutes, seconds, millis] = [iso.slice(0, 16), iso.slice(17, 19), iso.slice(20, 23)];
  if (millis !== "000") return `${minutes}:${seconds}.${millis}Z`;
  return seconds !== "00" ? `${minutes}:${seconds}Z` : `${minutes}Z`;
}

/** JsonSerializerSchema.serialize (WindowedQuotationVolumes.scala:77-93), byte for byte; tags = Map("symbol" -> key) (QuotationWindow.scala:51). */
function ripplesJson(r: Result): string {
  return `{
"measure_id": "${r.measureId}",
"measurement": "${r.measurement}",
"symbol": "${r.symbol}",
"window_start_time": "${offsetDateTimeToString(r.windowStart)}",
"window_end_time": "${offsetDateTimeToString(r.windowEnd)}",
"sum_bid_volume": ${r.sumBidVolume},
"sum_ask_volume": ${r.sumAskVolume},
"record_count": ${r.recordCount},
"average_bid_price": ${r.averageBidPrice},
"average_ask_price": ${r.averageAskPrice},
"bid_price_at_window_end": ${r.bidPriceAtWindowEnd},
"ask_price_at_window_end": ${r.askPriceAtWindowEnd},
"tags": {"symbol":"${r.symbol}"}
}`;
}

// Sliding windows of 420 s every 210 s (ripples/src/main/resources/application.conf:6-7): bounds fall on
// whole minutes and on half minutes, the two forms OffsetDateTime.toString takes.
const WINDOW_END = Date.UTC(2024, 5, 3, 14, 30, 0);
const result = (symbol: string, i: number, measurement: Result["measurement"] = "windowed-stock-quotation-volumes"): Result => ({
  measureId: `3f1c2a9e-5b7d-4e8f-9a0b-${String(i).padStart(12, "0")}`,
  measurement,
  symbol,
  windowStart: new Date(WINDOW_END - 420_000 + i * 210_000),
  windowEnd: new Date(WINDOW_END + i * 210_000),
  sumBidVolume: "1520",
  sumAskVolume: "1.4E+3",
  recordCount: 212 + i,
  averageBidPrice: "187.2450000000",
  averageAskPrice: "187.2612",
  bidPriceAtWindowEnd: "187.25",
  askPriceAtWindowEnd: "187.27",
});

// ---- the dashboard's side: dashboard/src/... at e410d43 ----

/** The symbols it subscribes to three seconds after opening (lib/mockData.ts:1, services/websocket.ts:22-25). */
const STARTER_TICKERS = ["AAPL", "AMD", "AMZN", "COIN", "GOOG", "META", "MSFT", "TSLA", "BTC/USD", "ETH/USD"];
/** Its one client message (services/websocket.ts:50). */
const subscribeMessage = (symbols: string[]) => JSON.stringify({ subscribeTo: symbols });

/** lodash.camelcase for the snake_case keys ripples writes (types/WindowedQuotation.ts:23). */
const camelCase = (key: string) => key.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * handleMessage (services/websocket.ts:65-83): decompress (helpers/bitwise.ts:3-15: atob, pako.inflate
 * with its default zlib wrapper, UTF-8), JSON.parse, an array of records, each through readQuotationFromJson.
 */
function decompressed(frame: string): unknown {
  const bytes = Uint8Array.from(atob(frame), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder("utf-8").decode(inflateSync(bytes)));
}
function dashboardReceives(frame: string): Array<Record<string, unknown> | null> {
  const data = decompressed(frame);
  return Array.isArray(data) ? data.map(readQuotationFromJson) : [];
}

/** readQuotationFromJson (types/WindowedQuotation.ts:22-29): top-level keys camel-cased, then validated. */
function readQuotationFromJson(data: Record<string, unknown>): Record<string, unknown> | null {
  const camel = Object.fromEntries(Object.entries(data).map(([k, v]) => [camelCase(k), v]));
  return quotationProblems(camel).length === 0 ? camel : null;
}

/** validateQuotation (types/WindowedQuotation.ts:31-48), one rule per line there. */
const RULES: Array<[string, "number" | "string" | "object"]> = [
  ["askPriceAtWindowEnd", "number"], // :34
  ["averageAskPrice", "number"], // :35
  ["averageBidPrice", "number"], // :36
  ["bidPriceAtWindowEnd", "number"], // :37
  ["measureId", "string"], // :38
  ["measurement", "string"], // :39
  ["recordCount", "number"], // :40
  ["sumAskVolume", "number"], // :41
  ["sumBidVolume", "number"], // :42
  ["symbol", "string"], // :43
  ["tags", "object"], // :44
  ["windowEndTime", "number"], // :46
  ["windowStartTime", "number"], // :47
];
function quotationProblems(q: Record<string, unknown>): string[] {
  const problems = RULES.filter(([key, type]) => typeof q[key] !== type).map(
    ([key, type]) => `${key} is ${typeof q[key]} (${JSON.stringify(q[key])}), the dashboard requires a ${type}`,
  );
  if (typeof (q.tags as { symbol?: unknown } | undefined)?.symbol !== "string") problems.push("tags.symbol is not a string (:45)"); // :45
  return problems;
}

/** Every record the dashboard would reject, with why, across a connection's frames. */
const rejected = (connectionId: string) =>
  api.delivered(connectionId).flatMap((frame) => {
    const records = decompressed(frame) as Array<Record<string, unknown>>;
    return records.flatMap((r) =>
      quotationProblems(Object.fromEntries(Object.entries(r).map(([k, v]) => [camelCase(k), v]))).map(
        (p) => `${String(r.symbol)} ${String(r.measure_id)}: ${p}`,
      ),
    );
  });

test("the dashboard's subscribe message is accepted and subscribes every starter ticker", async () => {
  expect(await connectionHandler(websocketEvent("CONNECT", "dash-1"))).toEqual({ statusCode: 200 });
  expect(await connectionHandler(websocketEvent("MESSAGE", "dash-1", subscribeMessage(STARTER_TICKERS)))).toEqual({ statusCode: 200 });
  expect(api.delivered("dash-1")).toEqual([]); // no error frame: success sends nothing
  expect(
    await handler(
      kinesisEvent(
        STARTER_TICKERS.map((s, i) =>
          ripplesJson(result(s, i, s.includes("/") ? "windowed-crypto-quotation-volumes" : "windowed-stock-quotation-volumes")),
        ),
      ),
    ),
  ).toEqual({ batchItemFailures: [] });
  const symbols = api
    .delivered("dash-1")
    .flatMap(dashboardReceives)
    .map((q) => q?.symbol);
  expect(symbols.sort()).toEqual([...STARTER_TICKERS].sort());
});

test("every record ripples writes reaches the dashboard in a form it shows", async () => {
  await connectionHandler(websocketEvent("CONNECT", "dash-2"));
  await connectionHandler(websocketEvent("MESSAGE", "dash-2", subscribeMessage(["AAPL", "BTC/USD"])));
  const results = [...Array.from({ length: 9 }, (_, i) => result("AAPL", i)), result("BTC/USD", 1, "windowed-crypto-quotation-volumes")];
  expect(await handler(kinesisEvent(results.map(ripplesJson)))).toEqual({ batchItemFailures: [] });

  expect(rejected("dash-2")).toEqual([]);
  const shown = api.delivered("dash-2").flatMap(dashboardReceives);
  expect(shown).toHaveLength(results.length);
  expect(shown.every((q) => q !== null)).toBe(true);
});

test("times become the epoch nanoseconds the GraphQL path gives; every other field stays as ripples wrote it", async () => {
  await connectionHandler(websocketEvent("CONNECT", "dash-3"));
  await connectionHandler(websocketEvent("MESSAGE", "dash-3", subscribeMessage(["MSFT"])));
  const [onMinute, onHalfMinute] = [result("MSFT", 0), result("MSFT", 1)];
  expect(offsetDateTimeToString(onMinute.windowEnd)).toBe("2024-06-03T14:30Z");
  expect(offsetDateTimeToString(onHalfMinute.windowEnd)).toBe("2024-06-03T14:33:30Z");
  await handler(kinesisEvent([ripplesJson(onMinute), ripplesJson(onHalfMinute)]));

  const [first, second] = api.delivered("dash-3").flatMap((f) => decompressed(f) as Array<Record<string, unknown>>);
  // The InfluxDB line protocol stores epochSecond * 1e9 (WindowedQuotationVolumes.scala:36,41); GraphQL reads it back.
  const nanos = (d: Date) => (d.getTime() / 1000) * 1e9;
  expect(first).toEqual({
    ...JSON.parse(ripplesJson(onMinute)),
    window_start_time: nanos(onMinute.windowStart),
    window_end_time: nanos(onMinute.windowEnd),
  });
  expect(second.window_end_time).toBe(1_717_425_210_000_000_000);
  expect(second.sum_ask_volume).toBe(1400);
  expect(second.tags).toEqual({ symbol: "MSFT" });
});

test("epoch nanoseconds of OffsetDateTime.toString forms; anything else is no date-time", () => {
  expect(epochNanoseconds("2024-06-03T14:30Z")).toBe(1_717_425_000_000_000_000);
  expect(epochNanoseconds("2024-06-03T14:30:00.123Z")).toBe(1_717_425_000_123_000_000);
  expect(epochNanoseconds("2024-06-03T16:30+02:00")).toBe(1_717_425_000_000_000_000);
  expect(epochNanoseconds("2024-06-03T09:30:00-05:00")).toBe(1_717_425_000_000_000_000);
  for (const bad of ["2024-02-30T00:00Z", "2024-06-03T24:00Z", "2024-06-03 14:30Z", "2024-06-03T14:30", "1717425000", ""])
    expect([bad, epochNanoseconds(bad)]).toEqual([bad, undefined]);
});

test("a record whose time is not a date-time is dropped as undecodable, not sent for the dashboard to reject", async () => {
  await connectionHandler(websocketEvent("CONNECT", "dash-4"));
  await connectionHandler(websocketEvent("MESSAGE", "dash-4", subscribeMessage(["TSLA"])));
  const bad = ripplesJson(result("TSLA", 0)).replace(/"window_end_time": "[^"]*"/, '"window_end_time": "yesterday"');
  expect(await handler(kinesisEvent([bad, ripplesJson(result("TSLA", 1))]))).toEqual({ batchItemFailures: [] });
  expect(
    api
      .delivered("dash-4")
      .flatMap(dashboardReceives)
      .map((q) => q?.measureId),
  ).toEqual([result("TSLA", 1).measureId]);
});
