import { BatchWriteCommand, QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { handler } from "../../lambdas/connection-handler";
import { dynamo } from "../../lambdas/shared/clients";
import { CONNECTION_SENTINEL } from "../../lambdas/shared/connections";
import { CONNECTIONS_BY_SYMBOL_INDEX, SUBSCRIBED_SYMBOL_ATTRIBUTE } from "../../lambdas/shared/table-layout";
import { websocketEvent } from "./helpers/events";
import { LocalTable } from "./helpers/local-dynamodb";
import { ManagementApiStub, startHandlerEnvironment } from "./helpers/management-api";

let table: LocalTable;
const api = new ManagementApiStub();
const TTL_HOURS = 2;

beforeAll(async () => {
  table = await startHandlerEnvironment(api);
  process.env.CONNECTION_TTL_HOURS = String(TTL_HOURS);
  delete process.env.MAX_SYMBOLS_PER_MESSAGE;
  delete process.env.MAX_SUBSCRIPTIONS_PER_CONNECTION;
});

afterAll(async () => {
  await api.stop();
  await table?.stop();
});

let infos: jest.SpyInstance;
beforeEach(() => {
  api.reset();
  infos = jest.spyOn(console, "log").mockImplementation(() => undefined);
});
afterEach(() => infos.mockRestore());

const send = (connectionId: string, message: unknown) =>
  handler(websocketEvent("MESSAGE", connectionId, typeof message === "string" ? message : JSON.stringify(message)));

async function subscriptionsOf(connectionId: string): Promise<string[]> {
  return (await table.itemsOf(connectionId))
    .map((i) => String(i.symbol))
    .filter((s) => s !== CONNECTION_SENTINEL)
    .sort();
}

/** $disconnect finds every item of the connection with one Query and leaves none. */
async function expectDisconnectInOneQuery(connectionId: string): Promise<void> {
  const spy = jest.spyOn(dynamo(), "send");
  try {
    expect(await handler(websocketEvent("DISCONNECT", connectionId))).toEqual({ statusCode: 200 });
    expect(spy.mock.calls.filter(([command]) => command instanceof QueryCommand)).toHaveLength(1);
  } finally {
    spy.mockRestore();
  }
  expect(await table.itemsOf(connectionId)).toEqual([]);
}

function expectTtl(item: Record<string, unknown>, before: number, after: number): void {
  const expiry = item[table.ttlAttribute];
  expect(typeof expiry).toBe("number");
  expect(expiry).toBeGreaterThanOrEqual(Math.floor(before / 1000) + TTL_HOURS * 3600);
  expect(expiry).toBeLessThanOrEqual(Math.ceil(after / 1000) + TTL_HOURS * 3600);
}

test("subscribe 3 then 2 more gives 5 subscriptions, unsubscribe one gives 4, disconnect gives none; every item carries the TTL", async () => {
  const before = Date.now();
  expect(await handler(websocketEvent("CONNECT", "conn-a"))).toEqual({ statusCode: 200 });
  expect(await table.itemsOf("conn-a")).toHaveLength(1);

  expect(await send("conn-a", { subscribeTo: ["AAPL", "BTC/USD", "MSFT"] })).toEqual({ statusCode: 200 });
  expect(await subscriptionsOf("conn-a")).toEqual(["AAPL", "BTC/USD", "MSFT"]);

  expect(await send("conn-a", { action: "subscribe", symbols: ["ETH/USD", "BRK.B", "AAPL"] })).toEqual({ statusCode: 200 });
  expect(await subscriptionsOf("conn-a")).toEqual(["AAPL", "BRK.B", "BTC/USD", "ETH/USD", "MSFT"]);

  const items = await table.itemsOf("conn-a");
  expect(items).toHaveLength(6);
  for (const item of items) expectTtl(item, before, Date.now());

  expect(await send("conn-a", { action: "unsubscribe", symbols: ["MSFT"] })).toEqual({ statusCode: 200 });
  expect(await subscriptionsOf("conn-a")).toEqual(["AAPL", "BRK.B", "BTC/USD", "ETH/USD"]);
  expect(await send("conn-a", { action: "unsubscribe", symbols: ["NOTSUBSCRIBED"] })).toEqual({ statusCode: 200 });

  await handler(websocketEvent("CONNECT", "conn-b"));
  await send("conn-b", { subscribeTo: ["AAPL"] });

  expect(await handler(websocketEvent("DISCONNECT", "conn-a"))).toEqual({ statusCode: 200 });
  expect(await table.itemsOf("conn-a")).toEqual([]);
  expect(JSON.parse(infos.mock.calls.at(-1)[0])).toEqual({
    level: "info",
    message: "disconnected",
    connectionId: "conn-a",
    itemsDeleted: 5,
  });
  expect(await subscriptionsOf("conn-b")).toEqual(["AAPL"]);
  expect(api.posts).toEqual([]);
});

test("the $connect sentinel stays out of the symbol index (sparse), subscriptions are in it with keys only, and $disconnect is one Query", async () => {
  await handler(websocketEvent("CONNECT", "conn-sparse"));
  await send("conn-sparse", { subscribeTo: ["AAPL", "MSFT"] });
  const items = await table.itemsOf("conn-sparse");
  const sentinel = items.find((i) => i.symbol === CONNECTION_SENTINEL);
  expect(sentinel).toBeDefined();
  expect(Object.keys(sentinel!).sort()).toEqual(["connectionId", "symbol", table.ttlAttribute].sort());
  for (const item of items.filter((i) => i !== sentinel)) expect(item[SUBSCRIBED_SYMBOL_ATTRIBUTE]).toBe(item.symbol);

  const indexed = await table.client.send(new ScanCommand({ TableName: table.tableName, IndexName: CONNECTIONS_BY_SYMBOL_INDEX }));
  const ofThisConnection = (indexed.Items ?? []).filter((i) => i.connectionId === "conn-sparse");
  expect(ofThisConnection.map((i) => i.symbol).sort()).toEqual(["AAPL", "MSFT"]);
  // KEYS_ONLY: the table's and the index's keys, no TTL attribute.
  for (const item of ofThisConnection)
    expect(Object.keys(item).sort()).toEqual(["connectionId", SUBSCRIBED_SYMBOL_ATTRIBUTE, "symbol"].sort());

  await expectDisconnectInOneQuery("conn-sparse");
});

test("duplicates are written once and a base64 (binary) frame is accepted", async () => {
  const body = Buffer.from(JSON.stringify({ subscribeTo: ["TSLA", "TSLA", "X:BTCUSD", "TSLA"] })).toString("base64");
  expect(await handler(websocketEvent("MESSAGE", "conn-dup", body, true))).toEqual({ statusCode: 200 });
  expect(await subscriptionsOf("conn-dup")).toEqual(["TSLA", "X:BTCUSD"]);
});

test("50 symbols (more than one BatchWriteItem) are all written and all deleted on disconnect", async () => {
  const symbols = Array.from({ length: 50 }, (_, i) => `SYM${i}`);
  await handler(websocketEvent("CONNECT", "conn-many"));
  expect(await send("conn-many", { action: "subscribe", symbols })).toEqual({ statusCode: 200 });
  expect(await subscriptionsOf("conn-many")).toEqual([...symbols].sort());
  await handler(websocketEvent("DISCONNECT", "conn-many"));
  expect(await table.itemsOf("conn-many")).toEqual([]);
});

test("unprocessed BatchWriteItem requests are resubmitted until written", async () => {
  const client = dynamo();
  const original = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  let throttled = 0;
  // The first batch write of each chunk writes only its first request and hands the rest back, as DynamoDB does under throttling.
  const spy = jest.spyOn(client, "send").mockImplementation((async (command: unknown) => {
    if (command instanceof BatchWriteCommand && throttled < 2) {
      throttled++;
      const [name, requests] = Object.entries(command.input.RequestItems ?? {})[0];
      await original(new BatchWriteCommand({ RequestItems: { [name]: requests.slice(0, 1) } }));
      return { UnprocessedItems: { [name]: requests.slice(1) }, $metadata: {} };
    }
    return original(command);
  }) as never);
  try {
    expect(await send("conn-throttled", { subscribeTo: ["A1", "A2", "A3", "A4"] })).toEqual({ statusCode: 200 });
  } finally {
    spy.mockRestore();
  }
  expect(throttled).toBe(2);
  expect(await subscriptionsOf("conn-throttled")).toEqual(["A1", "A2", "A3", "A4"]);
});

describe("bad input gets an error reply, status 400 and no write", () => {
  let warnings: jest.SpyInstance;
  beforeEach(() => {
    warnings = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(() => warnings.mockRestore());

  const tooMany = Array.from({ length: 51 }, (_, i) => `S${i}`);
  const cases: Array<[string, string, string]> = [
    ["not JSON", "subscribe AAPL", "invalid_json"],
    ["empty body", "", "invalid_json"],
    ["a JSON array", '["AAPL"]', "invalid_message"],
    ["a JSON string", '"AAPL"', "invalid_message"],
    ["an object with neither action nor subscribeTo", '{"message":"Hello from client"}', "invalid_message"],
    ["symbols missing", '{"action":"subscribe"}', "invalid_message"],
    ["symbols not an array", '{"action":"subscribe","symbols":"AAPL"}', "invalid_message"],
    ["subscribeTo empty", '{"subscribeTo":[]}', "invalid_message"],
    ["subscribeTo with an action", '{"subscribeTo":["AAPL"],"action":"unsubscribe"}', "invalid_message"],
    ["an unknown action", '{"action":"purge","symbols":["AAPL"]}', "unknown_action"],
    ["a non-string action", '{"action":1,"symbols":["AAPL"]}', "unknown_action"],
    ["51 symbols", JSON.stringify({ subscribeTo: tooMany }), "too_many_symbols"],
    ["a lower-case symbol", '{"subscribeTo":["AAPL","aapl"]}', "invalid_symbol"],
    ["a symbol with a space", '{"action":"subscribe","symbols":["BTC USD"]}', "invalid_symbol"],
    ["a 33-character symbol", JSON.stringify({ subscribeTo: ["A".repeat(33)] }), "invalid_symbol"],
    ["a number as symbol", '{"subscribeTo":[42]}', "invalid_symbol"],
    ["a bad symbol in an unsubscribe", '{"action":"unsubscribe","symbols":["#connection"]}', "invalid_symbol"],
    ["a body over 4 KB", JSON.stringify({ subscribeTo: ["AAPL"], pad: "x".repeat(4100) }), "payload_too_large"],
  ];

  test.each(cases)("%s", async (_name, body, code) => {
    await handler(websocketEvent("CONNECT", "conn-bad"));
    await send("conn-bad", { subscribeTo: ["KEEP"] });
    const before = await table.scan();

    expect(await send("conn-bad", body)).toEqual({ statusCode: 400 });

    expect(await table.scan()).toEqual(before);
    expect(api.posts).toHaveLength(1);
    expect(api.posts[0].connectionId).toBe("conn-bad");
    const reply = JSON.parse(api.posts[0].body);
    expect(reply).toEqual({ type: "error", error: code, message: expect.any(String) });
    expect(reply.message).not.toContain("aapl");
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(JSON.parse(warnings.mock.calls[0][0])).toEqual({ level: "warn", message: "bad message", connectionId: "conn-bad", error: code });
  });

  test("a 4 KB body with a valid message is still accepted", async () => {
    const message = JSON.stringify({ subscribeTo: ["EDGE"], pad: "" });
    const body = message.replace('"pad":""', `"pad":"${"x".repeat(4096 - message.length)}"`);
    expect(Buffer.byteLength(body)).toBe(4096);
    expect(await send("conn-edge", body)).toEqual({ statusCode: 200 });
    expect(await subscriptionsOf("conn-edge")).toEqual(["EDGE"]);
  });

  test("MAX_SYMBOLS_PER_MESSAGE sets the limit", async () => {
    process.env.MAX_SYMBOLS_PER_MESSAGE = "3";
    try {
      expect(await send("conn-limit", { subscribeTo: ["A", "B", "C", "D"] })).toEqual({ statusCode: 400 });
      expect(JSON.parse(api.posts[0].body).error).toBe("too_many_symbols");
      expect(await send("conn-limit", { subscribeTo: ["A", "B", "C"] })).toEqual({ statusCode: 200 });
    } finally {
      delete process.env.MAX_SYMBOLS_PER_MESSAGE;
    }
    expect(await subscriptionsOf("conn-limit")).toEqual(["A", "B", "C"]);
  });

  test("a client that is already gone still gets 400, without a throw", async () => {
    api.gone.add("conn-left");
    const before = await table.scan();
    expect(await send("conn-left", "nope")).toEqual({ statusCode: 400 });
    expect(api.attempts("conn-left")).toBe(1);
    expect(warnings.mock.calls.map((c) => JSON.parse(c[0]).message)).toEqual(["bad message"]);
    expect(await table.scan()).toEqual(before);
  });
});

describe("the per-connection subscription cap", () => {
  let warnings: jest.SpyInstance;
  beforeEach(() => {
    warnings = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(() => {
    warnings.mockRestore();
    delete process.env.MAX_SUBSCRIPTIONS_PER_CONNECTION;
  });

  const errorsSent = () => api.posts.map((p) => JSON.parse(p.body).error);

  test("defaults to 100: the 101st symbol is refused with too_many_subscriptions and changes nothing; $disconnect of a full connection is one Query", async () => {
    await handler(websocketEvent("CONNECT", "conn-full"));
    const symbols = Array.from({ length: 100 }, (_, i) => `CAP${i}`);
    expect(await send("conn-full", { subscribeTo: symbols.slice(0, 50) })).toEqual({ statusCode: 200 });
    expect(await send("conn-full", { subscribeTo: symbols.slice(50) })).toEqual({ statusCode: 200 });
    const before = await table.scan();

    expect(await send("conn-full", { subscribeTo: ["ONEMORE"] })).toEqual({ statusCode: 400 });
    expect(await table.scan()).toEqual(before);
    expect(api.posts.map((p) => [p.connectionId, JSON.parse(p.body)])).toEqual([
      [
        "conn-full",
        {
          type: "error",
          error: "too_many_subscriptions",
          message: "a connection holds at most 100 subscriptions; this message would make 101",
        },
      ],
    ]);
    expect(JSON.parse(warnings.mock.calls[0][0])).toEqual({
      level: "warn",
      message: "bad message",
      connectionId: "conn-full",
      error: "too_many_subscriptions",
    });
    // Renewing symbols it already holds adds nothing, so it passes at the cap.
    expect(await send("conn-full", { subscribeTo: symbols.slice(0, 10) })).toEqual({ statusCode: 200 });

    await expectDisconnectInOneQuery("conn-full");
  });

  test("MAX_SUBSCRIPTIONS_PER_CONNECTION sets it; symbols already held do not count twice and an unsubscribe frees room", async () => {
    process.env.MAX_SUBSCRIPTIONS_PER_CONNECTION = "4";
    await handler(websocketEvent("CONNECT", "conn-cap"));
    expect(await send("conn-cap", { subscribeTo: ["A", "B", "C"] })).toEqual({ statusCode: 200 });
    expect(await send("conn-cap", { subscribeTo: ["A", "D", "E"] })).toEqual({ statusCode: 400 });
    expect(await subscriptionsOf("conn-cap")).toEqual(["A", "B", "C"]);
    expect(await send("conn-cap", { subscribeTo: ["A", "B", "D"] })).toEqual({ statusCode: 200 });
    expect(await send("conn-cap", { action: "unsubscribe", symbols: ["B"] })).toEqual({ statusCode: 200 });
    expect(await send("conn-cap", { subscribeTo: ["E"] })).toEqual({ statusCode: 200 });
    expect(await subscriptionsOf("conn-cap")).toEqual(["A", "C", "D", "E"]);
    expect(errorsSent()).toEqual(["too_many_subscriptions"]);
  });

  test("messages of one connection handled at the same time never leave it above the cap", async () => {
    process.env.MAX_SUBSCRIPTIONS_PER_CONNECTION = "5";
    await handler(websocketEvent("CONNECT", "conn-race"));
    const batches = [
      ["R1", "R2", "R3"],
      ["R4", "R5", "R6"],
      ["R7", "R8", "R9"],
    ];
    const results = await Promise.all(batches.map((symbols) => send("conn-race", { subscribeTo: symbols })));
    const accepted = batches
      .filter((_, i) => results[i].statusCode === 200)
      .flat()
      .sort();
    expect(results.filter((r) => r.statusCode === 400).length).toBeGreaterThanOrEqual(2);
    expect(await subscriptionsOf("conn-race")).toEqual(accepted);
    expect(accepted.length).toBeLessThanOrEqual(5);
  });

  test("a bad MAX_SUBSCRIPTIONS_PER_CONNECTION gives 500 and writes nothing", async () => {
    const errors = jest.spyOn(console, "error").mockImplementation(() => undefined);
    process.env.MAX_SUBSCRIPTIONS_PER_CONNECTION = "1001";
    try {
      expect(await send("conn-badcap", { subscribeTo: ["AAPL"] })).toEqual({ statusCode: 500 });
      expect(JSON.parse(errors.mock.calls[0][0])).toMatchObject({
        errorName: "ConfigError",
        errorMessage: expect.stringContaining("MAX_SUBSCRIPTIONS_PER_CONNECTION"),
      });
    } finally {
      errors.mockRestore();
    }
    expect(await table.itemsOf("conn-badcap")).toEqual([]);
  });
});

describe("failures return a status instead of throwing", () => {
  let errors: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(console, "error").mockImplementation(() => undefined);
  });
  afterEach(() => errors.mockRestore());

  test("a DynamoDB error gives 500 and one structured log line", async () => {
    process.env.TABLE_NAME = "no-such-table";
    try {
      expect(await handler(websocketEvent("CONNECT", "conn-err"))).toEqual({ statusCode: 500 });
      expect(await send("conn-err", { subscribeTo: ["AAPL"] })).toEqual({ statusCode: 500 });
      expect(await handler(websocketEvent("DISCONNECT", "conn-err"))).toEqual({ statusCode: 500 });
    } finally {
      process.env.TABLE_NAME = table.tableName;
    }
    expect(errors).toHaveBeenCalledTimes(3);
    const line = JSON.parse(errors.mock.calls[0][0]);
    expect(line).toMatchObject({
      level: "error",
      message: "request failed",
      connectionId: "conn-err",
      eventType: "CONNECT",
      errorName: "ResourceNotFoundException",
    });
    expect(await table.itemsOf("conn-err")).toEqual([]);
  });

  test("a bad configuration gives 500", async () => {
    process.env.CONNECTION_TTL_HOURS = "soon";
    try {
      expect(await handler(websocketEvent("CONNECT", "conn-cfg"))).toEqual({ statusCode: 500 });
    } finally {
      process.env.CONNECTION_TTL_HOURS = String(TTL_HOURS);
    }
    expect(JSON.parse(errors.mock.calls[0][0])).toMatchObject({
      errorName: "ConfigError",
      errorMessage: expect.stringContaining("CONNECTION_TTL_HOURS"),
    });
    expect(await table.itemsOf("conn-cfg")).toEqual([]);
  });
});
