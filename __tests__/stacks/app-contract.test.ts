// The app contract (config/app-contract.ts) against what the stacks synthesize, for every shipped
// config and every fixture: what each container receives is what its code at e410d43 reads.
import * as fs from "fs";
import * as path from "path";
import { APP_COMMIT, APP_CONTRACT, VariableContract } from "../../config/app-contract";
import { Testing } from "cdktf";
import { ConfigError, parseConfig } from "../../config/load";
import { buildStacks } from "../../stacks/app";
import { SERVICE_NAMES } from "../../config/schema";
import { missingOperatorSettings } from "../../scripts/lib/operator-settings";
import { compare, readsIn } from "../../scripts/app-contract";
import { contractViolations } from "../helpers/app-contract";
import { ROOT, Synthesized, configNamed, synthAll } from "../helpers/synth";

const SHIPPED = fs
  .readdirSync(path.join(ROOT, "config"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => `config/${f}`);
const FIXTURES = fs
  .readdirSync(path.join(ROOT, "__tests__/fixtures/configs"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => `__tests__/fixtures/configs/${f}`);

describe("the contract data", () => {
  test("every fact names a file:line of the app at the pinned commit", () => {
    expect(APP_COMMIT).toMatch(/^[0-9a-f]{7,40}$/);
    const sources = SERVICE_NAMES.flatMap((s) => {
      const c = APP_CONTRACT[s];
      return [
        ...Object.values<VariableContract>(c.variables).map((v) => v.source),
        ...("port" in c ? [c.port.source] : []),
        ...("healthPath" in c ? [c.healthPath.source] : []),
        ...c.imageFiles.map((f) => f.source),
        ...c.buildTime.map((b) => b.source),
      ];
    });
    for (const source of sources) expect(source).toMatch(/^(ingest|ripples|backend|dashboard)\/[\w./+-]+:\d+/);
  });

  test("the stacks take names from it: no service variable is a string literal in stacks/", () => {
    const files = fs.readdirSync(path.join(ROOT, "stacks")).filter((f) => f.endsWith(".ts"));
    expect(files).toEqual(expect.arrayContaining(["core.ts", "core-services.ts"]));
    const code = files
      .map((f) => fs.readFileSync(path.join(ROOT, "stacks", f), "utf8"))
      .join("\n")
      .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    const names = SERVICE_NAMES.flatMap((s) => Object.values<VariableContract>(APP_CONTRACT[s].variables).map((v) => v.name));
    // As an object key (the secret's own JSON keys, `jsonKey: "..."`, are the secret's format, not the app's).
    expect(names.filter((name) => new RegExp(`[{,\\s]["']?${name}["']?\\s*:`).test(code))).toEqual([]);
  });
});

describe.each([...SHIPPED, ...FIXTURES])("%s", (file) => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthAll(configNamed(path.join(ROOT, file)));
  });

  test("every container gets each variable its code requires, under the name it reads, and nothing it does not read", () => {
    expect(contractViolations(file, synthesized)).toEqual([]);
  });
});

describe("the contract test fails when a task definition breaks the contract", () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthAll(configNamed("acceptance"));
  });

  /** The synthesized stacks with one container definition of core changed. */
  const withContainer = (family: string, change: (c: Record<string, unknown>) => void): Synthesized => {
    const copy = JSON.parse(JSON.stringify(synthesized.stacks)) as Synthesized["stacks"];
    const task = Object.values(copy.core.resource!.aws_ecs_task_definition).find((t) => t.family === family)!;
    const containers = JSON.parse(String(task.container_definitions)) as Array<Record<string, unknown>>;
    change(containers[0]);
    task.container_definitions = JSON.stringify(containers);
    return { ...synthesized, stacks: copy };
  };
  type Env = Array<{ name: string; value: string }>;

  test("a renamed variable: missing under the name read, unknown under the new one", () => {
    const broken = withContainer("streamlines-acc-backend", (c) => {
      for (const e of c.environment as Env) if (e.name === "INFLUXDB_BUCKET") e.name = "INFLUXDB_BUCKET_MARKET_DATA_HISTORICAL";
    });
    expect(contractViolations("acc", broken)).toEqual([
      "acc: backend: INFLUXDB_BUCKET is required, but neither in environment nor in secrets (backend/src/graphql_schema/windowed_quotation.rs:43 @ e410d43)",
      "acc: backend: INFLUXDB_BUCKET_MARKET_DATA_HISTORICAL is set, but backend does not read it at this commit (not in the contract, not in services.backend.extraVariables)",
      "acc: backend: INFLUXDB_BUCKET is undefined, but the bootstrap creates buckets market-data-realtime, market-data-historical (backend/src/graphql_schema/windowed_quotation.rs:43 @ e410d43)",
    ]);
  });

  test("an empty value, a wrong port, a token from the wrong secret", () => {
    const broken = withContainer("streamlines-acc-ripples", (c) => {
      (c.environment as Env).push({ name: "JAVA_TOOL_OPTIONS", value: "" });
      for (const s of c.secrets as Array<{ valueFrom: string }>)
        s.valueFrom = s.valueFrom.replace("influx-write-token", "influx-read-token");
    });
    const problems = contractViolations("acc", broken);
    expect(problems).toContain(
      "acc: ripples: JAVA_TOOL_OPTIONS is empty: ECS drops empty environment values, so the container never sees it (ripples/Dockerfile:17 @ e410d43)",
    );
    expect(problems).toContain(
      "acc: ripples: INFLUXDB_WRITE_TOKEN comes from influx-read-token, but the bootstrap publishes the write token to influx-write-token (ripples/src/main/scala/net/anzop/config/InfluxDetails.scala:15 @ e410d43)",
    );
    const port = withContainer(
      "streamlines-acc-backend",
      (c) => ((c.portMappings as Array<{ containerPort: number }>)[0].containerPort = 8080),
    );
    expect(contractViolations("acc", port)).toEqual([
      "acc: backend: container port 8080 but the process listens on 3030 (GRAPHQL_SERVER_PORT, default 3030; backend/src/graphql_server/server.rs:31 (EXPOSE in backend/Dockerfile:27) @ e410d43)",
    ]);
  });
});

test("a task definition never carries an empty value, even past config validation", () => {
  const config = configNamed("acceptance");
  const mutable = JSON.parse(JSON.stringify(config)) as typeof config;
  (mutable.services.ingest as { environment?: Record<string, string> }).environment = { MAX_TICKER_COUNT: "" };
  expect(() => buildStacks(Testing.app(), mutable)).toThrow(
    "fargate-service streamlines-acc-ingest: empty environment value for MAX_TICKER_COUNT; ECS drops empty values, so leave the variable out or give it a value",
  );
});

describe("operator settings: TOP_TICKERS_API", () => {
  test("dev leaves it to the operator: one line naming the key, the source and how to set it", () => {
    expect(missingOperatorSettings(configNamed("dev"))).toEqual([
      {
        key: "services.ingest.environment.TOP_TICKERS_API",
        problem:
          "services.ingest.environment.TOP_TICKERS_API is unset: ingest at e410d43 exits at start without it (ingest/src/config/ticker_hydrator.rs:36 @ e410d43)",
        fix: 'set it in the config file, e.g. "services": {"ingest": {"environment": {"TOP_TICKERS_API": "<URL of the top-traded-tickers API>"}}} (help/app-contract.md)',
        message:
          'services.ingest.environment.TOP_TICKERS_API is unset: ingest at e410d43 exits at start without it (ingest/src/config/ticker_hydrator.rs:36 @ e410d43); set it in the config file, e.g. "services": {"ingest": {"environment": {"TOP_TICKERS_API": "<URL of the top-traded-tickers API>"}}} (help/app-contract.md)',
      },
    ]);
  });

  test("the acceptance configs give it, so their deploys reach phase 2", () => {
    for (const name of ["acceptance", "acceptance-backend-only", "acceptance-edge"])
      expect(missingOperatorSettings(configNamed(name))).toEqual([]);
  });
});

describe("config refuses environment values the containers would not see or do not read", () => {
  const DEV = JSON.parse(fs.readFileSync(path.join(ROOT, "config/dev.json"), "utf8"));
  const messageFor = (services: Record<string, unknown>): string => {
    try {
      parseConfig(JSON.stringify({ ...DEV, services: { ...DEV.services, ...services } }), "config/dev.json");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error("expected a ConfigError, but the config was accepted");
  };
  const ingest = (environment: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    ingest: { image: { tag: "1.0.0" }, environment, ...extra },
  });

  test("an empty value: names the service, the variable and why", () => {
    expect(messageFor(ingest({ TOP_TICKERS_API: "" }))).toBe(
      'config/dev.json: services.ingest.environment.TOP_TICKERS_API: "" is not allowed; expected a non-empty value: ECS drops an empty environment value when it registers the task definition, so ingest would not see TOP_TICKERS_API at all (and every plan would show a diff)',
    );
  });

  test("a variable the service does not read, unless listed in extraVariables", () => {
    expect(messageFor(ingest({ TICKERS_OVERRIDE: "AAPL" }))).toBe(
      'config/dev.json: services.ingest.environment.TICKERS_OVERRIDE: "AAPL" is not allowed; expected a variable ingest reads at e410d43 (TOP_TICKERS_API, MAX_TICKER_COUNT; help/app-contract.md), or list TICKERS_OVERRIDE in services.ingest.extraVariables to set it on purpose',
    );
    const accepted = parseConfig(
      JSON.stringify({
        ...DEV,
        services: { ...DEV.services, ...ingest({ TICKERS_OVERRIDE: "AAPL" }, { extraVariables: ["TICKERS_OVERRIDE"] }) },
      }),
      "config/dev.json",
    );
    expect(accepted.services.ingest.environment).toEqual({ TICKERS_OVERRIDE: "AAPL" });
    expect(messageFor(ingest({ MAX_TICKER_COUNT: "5" }, { extraVariables: ["MAX_TICKER_COUNT"] }))).toBe(
      'config/dev.json: services.ingest.extraVariables[0]: "MAX_TICKER_COUNT" is not allowed; expected a variable the app contract does not list; ingest reads MAX_TICKER_COUNT at e410d43 already',
    );
  });

  test("what ECS or the stack sets is not config's to set", () => {
    expect(messageFor(ingest({ AWS_REGION: "us-east-1" }))).toBe(
      'config/dev.json: services.ingest.environment.AWS_REGION: "us-east-1" is not allowed; expected a variable config may set; ECS sets it on every task (ingest/src/stream_producer/producer.rs:10 @ e410d43)',
    );
    expect(messageFor({ backend: { image: { tag: "1.0.0" }, environment: { INFLUXDB_BUCKET: "other" } } })).toMatch(
      /services\.backend\.environment\.INFLUXDB_BUCKET: "other" is not allowed; expected a variable the stack does not set itself/,
    );
  });
});

describe("npm run app-contract: the reads of a commit against the contract", () => {
  // `git grep -n` lines as the script gets them, quoted from e410d43 and from a later commit.
  const E410D43 = [
    'e410d43:backend/src/influxdb_conn.rs:13:    let token = env::var("INFLUXDB_READ_TOKEN")',
    'e410d43:ripples/src/main/scala/net/anzop/config/InfluxDetails.scala:14:    val bucket    = sys.env.getOrThrow("INFLUXDB_BUCKET", "INFLUXDB_BUCKET is not set")',
    "e410d43:dashboard/src/lib/services/websocket.ts:7:  if (import.meta.env.SSR) {",
    "e410d43:dashboard/src/lib/services/websocket.ts:17:  let reconnectInterval = import.meta.env.VITE_WEBSOCKET_RECONNECT_INTERVAL || 10000;",
    'e410d43:ingest/src/http/health.rs:7:    let address_str = env::var("HEALTH_SERVER_ADDR").unwrap_or_else(|_| "127.0.0.1".to_string());',
    "e410d43:infra/bin/infra.ts:10:  account: process.env.AWS_ACCOUNT_ID,",
  ];

  test("finds each kind of read with its file:line, skips Vite's own flags and other folders", () => {
    expect(readsIn([...E410D43, "HEAD:dashboard/src/x.ts:3:const a = process.env['PUBLIC_API'] + process.env.PORT;"])).toEqual([
      { service: "backend", name: "INFLUXDB_READ_TOKEN", source: "backend/src/influxdb_conn.rs:13", kind: "env::var" },
      {
        service: "ripples",
        name: "INFLUXDB_BUCKET",
        source: "ripples/src/main/scala/net/anzop/config/InfluxDetails.scala:14",
        kind: "sys.env",
      },
      {
        service: "dashboard",
        name: "VITE_WEBSOCKET_RECONNECT_INTERVAL",
        source: "dashboard/src/lib/services/websocket.ts:17",
        kind: "import.meta.env",
      },
      { service: "ingest", name: "HEALTH_SERVER_ADDR", source: "ingest/src/http/health.rs:7", kind: "env::var" },
      { service: "dashboard", name: "PUBLIC_API", source: "dashboard/src/x.ts:3", kind: "process.env" },
      { service: "dashboard", name: "PORT", source: "dashboard/src/x.ts:3", kind: "process.env" },
    ]);
  });

  test("a read the contract does not know, and a contract variable whose read is gone, make it fail", () => {
    const later = readsIn([
      'HEAD:backend/src/graphql_schema/windowed_quotation.rs:43:            env::var("INFLUXDB_BUCKET_MARKET_DATA_HISTORICAL")',
    ]);
    const { lines, ok } = compare(later);
    expect(ok).toBe(false);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}INFLUXDB_BUCKET_MARKET_DATA_HISTORICAL +backend\/src\/graphql_schema\/windowed_quotation\.rs:43 +env::var +NOT IN THE CONTRACT$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}INFLUXDB_BUCKET +backend\/src\/graphql_schema\/windowed_quotation\.rs:43 +IN THE CONTRACT, BUT NO READ FOUND$/,
      ),
    );
    expect(compare(readsIn(E410D43)).lines).toContainEqual(expect.stringMatching(/HEALTH_SERVER_ADDR .* contract: never read/));
  });
});
