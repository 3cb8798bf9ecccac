import type { ServiceName } from "./types";

/**
 * What each Stream Lines service reads, read from its source at one commit of anzo-p/stream-lines.
 * Every fact names its `file:line` at APP_COMMIT. help/app-contract.md says how to refresh it;
 * `npm run app-contract -- <repo> <commit>` lists the variable reads of a commit.
 */
export const APP_REPOSITORY = "anzo-p/stream-lines";
export const APP_COMMIT = "e410d43";

/**
 * Who puts a variable into the container:
 * - `stack`: the core stack, from its own resources or other config keys; config may not override it
 * - `secret`: ECS, from a Secrets Manager secret (`secrets`, never `environment`)
 * - `platform`: ECS itself on every Fargate task (AWS_REGION)
 * - `operator`: the operator, in `services.<name>.environment`; deploy refuses while it is unset
 * - `default`: the core stack sets a value the app's own default would break; config may override it
 * - `config`: nobody unless config sets it; the app's default applies
 * - `unsupplied`: a secret the app reads optionally that this infrastructure does not provide yet
 */
export type Supply = "stack" | "secret" | "platform" | "operator" | "default" | "config" | "unsupplied";

export interface VariableContract {
  readonly name: string;
  /** The process exits (or the service never works) without it. */
  readonly required: boolean;
  readonly supply: Supply;
  /** The app's own default when the variable is absent. */
  readonly appDefault?: string;
  /** `file:line` at APP_COMMIT where it is read. */
  readonly source: string;
  readonly meaning: string;
}

export interface ServiceContract {
  readonly service: ServiceName;
  readonly variables: Readonly<Record<string, VariableContract>>;
  /** The port the process listens on; `variable` moves it. Absent: the service serves nothing. */
  readonly port?: { readonly value: number; readonly variable: string; readonly source: string };
  readonly healthPath?: { readonly value: string; readonly source: string };
  /** Files the process reads that must be baked into the image. */
  readonly imageFiles: readonly { readonly path: string; readonly source: string }[];
  /** Settings that only take effect when the image is built (Vite inlines `import.meta.env`). */
  readonly buildTime: readonly { readonly name: string; readonly source: string; readonly meaning: string }[];
  /** Variable reads in code that never runs at this commit, so nothing needs to supply them. */
  readonly neverRead?: readonly { readonly name: string; readonly source: string; readonly why: string }[];
  /** The runtime image: its base, and the programs in it a health check may run. */
  readonly image: { readonly base: string; readonly source: string; readonly tools: readonly string[] };
  /**
   * A container health check the image can run (no load balancer checks these services). Absent:
   * the load balancer's target group checks the service.
   */
  readonly healthCheck?: HealthCheckContract;
  /**
   * Where the process writes at runtime. `readOnly` true: it runs with a read-only root file system,
   * `writablePaths` each get an empty task-storage volume.
   */
  readonly rootFilesystem: { readonly readOnly: boolean; readonly writablePaths: readonly string[]; readonly why: string };
}

export interface HealthCheckContract {
  /** ECS's `CMD` form: the program (one of `image.tools`) and its arguments, no shell in between. */
  readonly command: readonly string[];
  /** What a pass proves, and what it cannot. */
  readonly proves: string;
  /** Seconds from start before a failure counts: start-up work before the check can pass. */
  readonly startPeriodSeconds: number;
}

/**
 * ingest holds a TLS WebSocket per feed to port 443 (ingest/app_config.json:4,10, wss://) and writes
 * to Kinesis over HTTPS. It serves no port, so the check reads the task's own TCP table with bash
 * builtins only: some connection to a remote port 443 (0x01BB) in state ESTABLISHED (01).
 */
const INGEST_CONNECTED =
  'for f in /proc/net/tcp /proc/net/tcp6; do [[ -r $f ]] || continue; while read -r _ _ remote state _; do [[ $remote == *:01BB && $state == 01 ]] && exit 0; done <"$f"; done; exit 1';

/**
 * ripples runs Flink's MiniCluster with its REST endpoint on 8081
 * (StreamExecutionEnvironment.createLocalEnvironmentWithWebUI, StreamConfig.scala:27). The check asks
 * it for the jobs through bash's /dev/tcp (the image has no curl guarantee) and passes while one is RUNNING.
 */
const RIPPLES_JOB_RUNNING =
  "exec 3<>/dev/tcp/127.0.0.1/8081 && printf 'GET /jobs/overview HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && grep -q '\"state\":\"RUNNING\"' <&3";

const v = (name: string, required: boolean, supply: Supply, source: string, meaning: string, appDefault?: string): VariableContract => ({
  name,
  required,
  supply,
  source,
  meaning,
  ...(appDefault !== undefined && { appDefault }),
});

const REGION_BY_ECS = "set by ECS on every task (docs: Amazon ECS environment variables)";

const ingest = {
  service: "ingest",
  variables: {
    alpacaApiKey: v(
      "ALPACA_API_KEY",
      true,
      "secret",
      "ingest/src/ws_feed_consumer/outgoing_messages.rs:15",
      "market-data API key, from the market-data-api secret",
    ),
    alpacaApiSecret: v(
      "ALPACA_API_SECRET",
      true,
      "secret",
      "ingest/src/ws_feed_consumer/outgoing_messages.rs:17",
      "market-data API secret, from the market-data-api secret",
    ),
    kinesisUpstream: v(
      "KINESIS_UPSTREAM_NAME",
      true,
      "stack",
      "ingest/src/stream_producer/producer.rs:44",
      "the upstream stream ingest writes to",
    ),
    topTickersApi: v(
      "TOP_TICKERS_API",
      true,
      "operator",
      "ingest/src/config/ticker_hydrator.rs:36",
      "URL of the top-traded-tickers API; main.rs:71 exits when it is unset (a failing call only falls back to app_config.json's symbols)",
    ),
    topTickersToken: v(
      "TOP_TICKERS_TOKEN",
      false,
      "unsupplied",
      "ingest/src/config/ticker_hydrator.rs:21",
      "bearer token for TOP_TICKERS_API; a secret, so never plain environment",
      "",
    ),
    maxTickerCount: v(
      "MAX_TICKER_COUNT",
      false,
      "config",
      "ingest/src/config/ticker_hydrator.rs:39",
      "how many of the top tickers to subscribe to",
      "30",
    ),
    region: v(
      "AWS_REGION",
      true,
      "platform",
      "ingest/src/stream_producer/producer.rs:10",
      `region of the Kinesis client (aws_config::load_defaults); ${REGION_BY_ECS}`,
    ),
  },
  imageFiles: [{ path: "app_config.json", source: "ingest/src/config/app_config.rs:36 (copied by ingest/Dockerfile:23)" }],
  buildTime: [],
  neverRead: [
    {
      name: "HEALTH_SERVER_ADDR",
      source: "ingest/src/http/health.rs:7",
      why: "launch_health_server is commented out (ingest/src/main.rs:69): ingest serves no port",
    },
    { name: "HEALTH_SERVER_PORT", source: "ingest/src/http/health.rs:8", why: "as HEALTH_SERVER_ADDR" },
  ],
  // debian:bookworm-slim with libssl3 and ca-certificates added: bash and coreutils, no curl or wget.
  image: { base: "debian:bookworm-slim", source: "ingest/Dockerfile:16-20", tools: ["/bin/bash", "/bin/sh"] },
  healthCheck: {
    command: ["CMD", "/bin/bash", "-c", INGEST_CONNECTED],
    proves:
      "the process holds an established connection to a port-443 peer (its feed WebSockets, Kinesis); a feed loop stuck without any connection fails it. It cannot see a connected WebSocket that delivers nothing: that needs the app's own health server (commented out, ingest/src/main.rs:69)",
    // Ticker hydration (TOP_TICKERS_API) and the first WebSocket handshakes come first.
    startPeriodSeconds: 60,
  },
  // A Rust binary that logs to stdout (env_logger, ingest/src/config/logger.rs) and writes no file.
  rootFilesystem: { readOnly: true, writablePaths: ["/tmp"], why: "logs to stdout only; /tmp for any library temp file" },
} as const satisfies ServiceContract;

const ripples = {
  service: "ripples",
  variables: {
    influxUrl: v(
      "INFLUXDB_URL",
      true,
      "stack",
      "ripples/src/main/scala/net/anzop/config/InfluxDetails.scala:12",
      "InfluxDB base URL; StreamHelpers.scala:24 also GETs it at start and needs 200",
    ),
    influxOrg: v(
      "INFLUXDB_ORG",
      true,
      "stack",
      "ripples/src/main/scala/net/anzop/config/InfluxDetails.scala:13",
      "InfluxDB organization name",
    ),
    influxBucket: v(
      "INFLUXDB_BUCKET",
      true,
      "stack",
      "ripples/src/main/scala/net/anzop/config/InfluxDetails.scala:14",
      "bucket the windowed results are written to",
    ),
    influxWriteToken: v(
      "INFLUXDB_WRITE_TOKEN",
      true,
      "secret",
      "ripples/src/main/scala/net/anzop/config/InfluxDetails.scala:15",
      "write token, from the influx-write-token secret",
    ),
    checkpointPath: v(
      "CHECKPOINT_PATH",
      true,
      "stack",
      "ripples/src/main/scala/net/anzop/config/StreamConfig.scala:13",
      "Flink checkpoint directory (s3://...)",
    ),
    kinesisUpstream: v(
      "KINESIS_UPSTREAM_NAME",
      true,
      "stack",
      "ripples/src/main/scala/net/anzop/config/StreamConfig.scala:38",
      "the upstream stream ripples reads",
    ),
    kinesisDownstream: v(
      "KINESIS_DOWNSTREAM_NAME",
      true,
      "stack",
      "ripples/src/main/scala/net/anzop/config/KinesisProps.scala:13",
      "the downstream stream ripples always writes results to (MarketData.scala:69-76); read outside any try (Ripples.scala:16)",
    ),
    region: v(
      "AWS_REGION",
      true,
      "platform",
      "ripples/src/main/scala/net/anzop/config/KinesisProps.scala:12",
      `region of both Kinesis clients (also StreamConfig.scala:34); ${REGION_BY_ECS}`,
    ),
    javaToolOptions: v(
      "JAVA_TOOL_OPTIONS",
      false,
      "default",
      "ripples/Dockerfile:17",
      "read by the JVM itself; Flink on Java 17 needs the --add-opens the predecessor set (infra/lib/infra/ripples-stack.ts:78)",
    ),
  },
  imageFiles: [],
  buildTime: [],
  // amazoncorretto:17.0.11 (Amazon Linux 2 with the Corretto JDK): bash, grep, coreutils.
  image: { base: "amazoncorretto:17.0.11", source: "ripples/Dockerfile:11", tools: ["/bin/bash", "/bin/sh", "grep"] },
  healthCheck: {
    command: ["CMD", "/bin/bash", "-c", RIPPLES_JOB_RUNNING],
    proves: "Flink's REST endpoint answers and a job is RUNNING; a failed, restarting or never-submitted job fails it",
    // JVM start, the InfluxDB check (StreamHelpers.checkInfluxDB, Ripples.scala:15), then job submission.
    startPeriodSeconds: 180,
  },
  // Flink's MiniCluster, RocksDB (StreamConfig.scala:16) and the S3 checkpoint uploads all write under java.io.tmpdir.
  // logback.xml:8-13 also appends to myapp.log in the working directory, next to the app's jars: read-only,
  // logback reports the file cannot be opened, skips that appender and logs to stdout (awslogs) as before,
  // and the file no longer grows without bound in the task's storage.
  rootFilesystem: {
    readOnly: true,
    writablePaths: ["/tmp"],
    why: "RocksDB state, Flink blob and io temp files, S3A upload buffers and hsperfdata go to /tmp (java.io.tmpdir); logback's FILE appender (myapp.log in /ripples-0.1, ripples/src/main/resources/logback.xml:8) is skipped",
  },
} as const satisfies ServiceContract;

const backend = {
  service: "backend",
  variables: {
    influxUrl: v("INFLUXDB_URL", true, "stack", "backend/src/influxdb_conn.rs:5", "InfluxDB base URL"),
    influxOrg: v("INFLUXDB_ORG", true, "stack", "backend/src/influxdb_conn.rs:11", "InfluxDB organization name"),
    influxReadToken: v(
      "INFLUXDB_READ_TOKEN",
      true,
      "secret",
      "backend/src/influxdb_conn.rs:13",
      "read token, from the influx-read-token secret; main.rs:21 panics without it",
    ),
    influxBucket: v(
      "INFLUXDB_BUCKET",
      true,
      "stack",
      "backend/src/graphql_schema/windowed_quotation.rs:43",
      "bucket the GraphQL queries read (windowed_quotation.rs:89): the one ripples writes; unwrap at :47",
    ),
    serverAddress: v(
      "GRAPHQL_SERVER_ADDRESS",
      false,
      "default",
      "backend/src/graphql_server/server.rs:26",
      "bind address; the app's 127.0.0.1 is unreachable from the load balancer",
      "127.0.0.1",
    ),
    serverPort: v(
      "GRAPHQL_SERVER_PORT",
      false,
      "stack",
      "backend/src/graphql_server/server.rs:31",
      "listen port; the stack sets it to services.backend.port",
      "3030",
    ),
  },
  port: {
    value: 3030,
    variable: "GRAPHQL_SERVER_PORT",
    source: "backend/src/graphql_server/server.rs:31 (EXPOSE in backend/Dockerfile:27)",
  },
  healthPath: { value: "/health", source: "backend/src/graphql_server/server.rs:13" },
  imageFiles: [],
  buildTime: [],
  image: { base: "debian:bullseye-20240211-slim", source: "backend/Dockerfile:18", tools: ["/bin/bash", "/bin/sh"] },
  rootFilesystem: {
    readOnly: true,
    writablePaths: ["/tmp"],
    why: "a Rust binary serving GraphQL from memory; /tmp for any library temp file",
  },
} as const satisfies ServiceContract;

const dashboard = {
  service: "dashboard",
  variables: {
    port: v(
      "PORT",
      false,
      "stack",
      "dashboard/svelte.config.js:1",
      "listen port of @sveltejs/adapter-node (dashboard/package.json:18); the stack sets it to services.dashboard.port",
      "3000",
    ),
    host: v("HOST", false, "config", "dashboard/svelte.config.js:1", "bind address of @sveltejs/adapter-node", "0.0.0.0"),
  },
  port: { value: 3000, variable: "PORT", source: "dashboard/Dockerfile:17 (EXPOSE; adapter-node's default, dashboard/svelte.config.js:1)" },
  healthPath: { value: "/", source: "dashboard/src/routes/+page.svelte:1" },
  imageFiles: [],
  buildTime: [
    {
      name: "VITE_WEBSOCKET_RECONNECT_INTERVAL",
      source: "dashboard/src/lib/services/websocket.ts:17",
      meaning: "reconnect delay in ms (default 10000), inlined by Vite at build time",
    },
    {
      name: "(GraphQL URL, a literal)",
      source: "dashboard/src/lib/services/graphql/client.ts:5",
      meaning: "https://sl-otto.anzop.net/graphql, not a setting at this commit",
    },
    {
      name: "(WebSocket URL, a literal)",
      source: "dashboard/src/store/servicesStore.ts:9",
      meaning: "wss://sl-gav.anzop.net/, not a setting at this commit",
    },
  ],
  image: { base: "node:21-alpine", source: "dashboard/Dockerfile:11", tools: ["/bin/sh", "node", "wget"] },
  // adapter-node serves the prebuilt build/ from memory and disk; dotenv only reads .env.
  rootFilesystem: { readOnly: true, writablePaths: ["/tmp"], why: "node serves build/ and writes nothing; /tmp for node's own temp files" },
} as const satisfies ServiceContract;

export const APP_CONTRACT = { ingest, ripples, backend, dashboard } as const satisfies Record<ServiceName, ServiceContract>;

/** The contract of one variable by name, or undefined when the service does not read it. */
export function variableOf(service: ServiceName, name: string): VariableContract | undefined {
  return Object.values<VariableContract>(APP_CONTRACT[service].variables).find((variable) => variable.name === name);
}

/** Names of a service's variables with one of the given supplies. */
export function variablesSuppliedBy(service: ServiceName, ...supplies: Supply[]): VariableContract[] {
  return Object.values<VariableContract>(APP_CONTRACT[service].variables).filter((variable) => supplies.includes(variable.supply));
}

/** `file:line @ e410d43`: how messages cite the contract. */
export function cite(source: string): string {
  return `${source} @ ${APP_COMMIT}`;
}
