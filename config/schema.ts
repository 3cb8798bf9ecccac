import * as fs from "fs";
import * as path from "path";
import { APP_COMMIT, APP_CONTRACT, cite, variableOf, variablesSuppliedBy } from "./app-contract";
import {
  LOG_RETENTION_DAYS,
  FARGATE_SIZES,
  checkAcmCertificateArn,
  checkAvailabilityZone,
  checkBucketName,
  checkCidr,
  checkDnsLabel,
  checkDnsName,
  checkEmail,
  checkEnvName,
  checkFargateMemory,
  checkHealthCheckPath,
  checkHostedZoneId,
  checkAmiId,
  checkGravitonInstanceType,
  checkImageTag,
  checkBuildContext,
  checkDockerfile,
  resolveProjectPath,
  checkInfluxRetention,
  checkRegion,
  checkSshPublicKey,
  checkSshSourceCidr,
  checkSchedulerCron,
  checkTimeZone,
  cidrContains,
  cidrsOverlap,
  parseCidr,
} from "./rules";

export const STACK_NAMES = ["foundations", "core", "influx", "edge"] as const;
export type StackName = (typeof STACK_NAMES)[number];

export const PROFILES = ["full", "backend-only"] as const;
export type Profile = (typeof PROFILES)[number];

export const ECR_REPOSITORIES = ["backend", "dashboard", "influxdb", "ingest", "ripples", "grafana"] as const;
export type EcrRepositoryName = (typeof ECR_REPOSITORIES)[number];

/** The app's Fargate services, in the order of the data flow. */
export const SERVICE_NAMES = ["ingest", "ripples", "backend", "dashboard"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
/** Services behind the load balancer. */
export const WEB_SERVICES = ["backend", "dashboard"] as const;
export type WebServiceName = (typeof WEB_SERVICES)[number];

/** Which services exist in each profile; the others are not created at all. */
export const PROFILE_SERVICES: Readonly<Record<Profile, readonly ServiceName[]>> = {
  full: SERVICE_NAMES,
  "backend-only": ["ingest", "ripples"],
};

/**
 * Environment variables the core stack derives from its own resources or from other config keys
 * (the app contract's `stack` supply). Config may not override them: a different stream name, say,
 * would point a task at a resource its role cannot reach.
 */
export const DERIVED_ENVIRONMENT: Readonly<Record<ServiceName, readonly string[]>> = {
  ingest: variablesSuppliedBy("ingest", "stack").map((v) => v.name),
  ripples: variablesSuppliedBy("ripples", "stack").map((v) => v.name),
  backend: variablesSuppliedBy("backend", "stack").map((v) => v.name),
  dashboard: variablesSuppliedBy("dashboard", "stack").map((v) => v.name),
};

export type Architecture = "X86_64" | "ARM64";
export const IMAGE_PLATFORMS: Readonly<Record<Architecture, string>> = { X86_64: "linux/amd64", ARM64: "linux/arm64" };

/**
 * Where an image comes from: exactly one of a pinned `tag` (pushed by someone else) or a
 * `buildContext`, which the foundations hook builds and pushes with its content hash as the tag.
 */
export interface ImageSetting {
  readonly tag?: string;
  /** Docker build context directory; a relative path is relative to the repository root. */
  readonly buildContext?: string;
  /** Dockerfile, relative to `buildContext` unless absolute. Default `Dockerfile`. */
  readonly dockerfile?: string;
  /** Build platform; default from the architecture the image runs on, and it must match it. */
  readonly platform?: string;
}

export interface ServiceConfig {
  /** The image is `<ECR repo url>:<tag>`: the pinned tag, or the content hash of the build context. */
  readonly image: ImageSetting;
  /** Fargate CPU units and memory (MiB); the pair must be a Fargate task size. */
  readonly cpu: number;
  readonly memory: number;
  readonly architecture: Architecture;
  /** Tasks while the market is open (the schedule sets 0 while it is closed). */
  readonly desiredCount: number;
  /** FARGATE_SPOT is cheaper but interruptible (ARM64 too, since 2024-09). */
  readonly capacityProvider: "FARGATE" | "FARGATE_SPOT";
  readonly minHealthyPercent: number;
  readonly maxPercent: number;
  /** ECS Exec (`aws ecs execute-command`) into running tasks. */
  readonly executeCommand: boolean;
  /** Register the tasks in the Cloud Map namespace as `<service>.<namespace>`; opens the port to the VPC. */
  readonly serviceDiscovery: boolean;
  /** Plain settings, merged over the service's defaults. Never secrets, never empty. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Names in `environment` the app contract does not list, set on purpose (a newer app build, say). */
  readonly extraVariables?: readonly string[];
  /**
   * Read-only root file system with empty task-storage volumes where the app writes (app contract).
   * Unset: on where the image allows it and ECS Exec is off (its agent writes to the root file system).
   */
  readonly readonlyRootFilesystem?: boolean;
  /** Container health check (ingest, ripples: services no load balancer checks). */
  readonly healthCheck?: HealthCheckConfig;
}

export interface HealthCheckConfig {
  /** Off only on purpose: synth warns that a hung service then runs on unnoticed. */
  readonly enabled: boolean;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds: number;
}

export interface WebServiceConfig extends ServiceConfig {
  readonly port: number;
  readonly healthCheckPath: string;
}

export interface ScalingConfig {
  readonly min: number;
  readonly max: number;
  readonly targetCpuPercent: number;
}

export interface StreamConfig {
  /** ON_DEMAND scales by itself; PROVISIONED needs shardCount. */
  readonly mode: "ON_DEMAND" | "PROVISIONED";
  readonly shardCount?: number;
  readonly retentionHours: number;
}

/**
 * How ripples reads the upstream stream. `polling` (GetRecords) is what its FlinkKinesisConsumer does by default,
 * as at the pinned commit; `fan-out` (enhanced fan-out: a registered consumer, SubscribeToShard) needs the app's
 * EFO settings, with `consumerName` the consumer it registers.
 */
export interface StreamReaderConfig {
  readonly mode: "polling" | "fan-out";
  readonly consumerName: string;
}

export interface FunctionConfig {
  /** MiB; CPU grows with it. */
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** X-Ray active tracing. */
  readonly tracing: boolean;
  /** Concurrency reserved for the function, which is also its ceiling; unset: none reserved (help/config.md). */
  readonly reservedConcurrency?: number;
}

/**
 * Who sets API Gateway's account-wide (per region) CloudWatch Logs role. `owned`: this env creates the role
 * and points the setting at it; exactly one env per account and region. `external`: this env leaves both alone.
 */
export const ACCOUNT_LOGS_ROLE_MODES = ["owned", "external"] as const;

/** The real-time path (profile full): WebSocket API, connection handler, results pusher. */
export interface RealtimeConfig {
  readonly connectionHandler: FunctionConfig;
  readonly resultsPusher: FunctionConfig;
  /** Stage-wide request limits of the WebSocket API. */
  readonly throttling: { readonly burstLimit: number; readonly rateLimit: number };
  /** Hours until a connection's items expire by TTL (API Gateway closes a connection after 2 hours). */
  readonly connectionTtlHours: number;
  readonly maxSymbolsPerMessage: number;
  /** Subscriptions one connection may hold; more are refused with `too_many_subscriptions`. */
  readonly maxSubscriptionsPerConnection: number;
  /** Posts to browsers in flight at once, per pusher invocation. */
  readonly postConcurrency: number;
  /** Posts one pusher invocation makes at most; the rest of its batch goes back to Lambda as failures. */
  readonly maxPostsPerInvocation: number;
  /** The pusher's event source mapping on the downstream stream. */
  readonly eventSource: { readonly batchSize: number; readonly batchingWindowSeconds: number; readonly maximumRetryAttempts: number };
  readonly alarms: { readonly downstreamIteratorAgeMs: number };
  /**
   * API Gateway's account-wide (per region) CloudWatch Logs role, without which a WebSocket stage cannot
   * log: `owned` in exactly one env of the account and region, `external` in the others (help/realtime.md).
   */
  readonly accountLogsRole: (typeof ACCOUNT_LOGS_ROLE_MODES)[number];
  /** A custom domain: a DNS-validated regional certificate and an alias record in this zone. */
  readonly domain?: { readonly name: string; readonly hostedZoneId: string };
}

export interface StreamLinesConfig {
  /** Short app name, the first part of every AWS name. */
  readonly app: string;
  readonly env: string;
  readonly owner: string;
  readonly region: string;
  readonly profile: Profile;
  /** On: stateful resources are protected from destroy. Off: destroy removes everything. */
  readonly dataRetention: boolean;
  readonly logRetentionDays: number;
  readonly state: { readonly bucket: string; readonly region: string; readonly prefix: string };
  readonly kms: { readonly deletionWindowDays: number };
  readonly network: {
    readonly vpcCidr: string;
    readonly availabilityZones: readonly string[];
    readonly publicSubnetCidrs: readonly string[];
    readonly privateSubnetCidrs: readonly string[];
    /** nat: one NAT gateway. nat-and-endpoints: the NAT for the internet, interface VPC endpoints for AWS APIs. */
    readonly egress: "nat" | "nat-and-endpoints";
    readonly flowLogs: boolean;
  };
  readonly artifacts: { readonly bucketName: string; readonly noncurrentVersionExpirationDays: number };
  readonly ecr: { readonly forceDelete: boolean; readonly keepLastImages: number };
  readonly connectionTable: { readonly name: string; readonly ttlAttribute: string };
  readonly influx: {
    readonly storage: "ebs" | "efs";
    readonly availabilityZone: string;
    readonly ebs: { readonly sizeGiB: number; readonly iops: number; readonly throughputMiBps: number };
    readonly snapshots: { readonly enabled: boolean; readonly retainDays: number; readonly time: string };
    readonly efs: { readonly throughputMode: "bursting" | "elastic" };
    /** InfluxDB's HTTP port; services reach it as `http://influxdb.<namespace>:<port>`. */
    readonly port: number;
    readonly org: string;
    readonly buckets: { readonly marketDataRealtime: string; readonly marketDataHistorical: string };
    /** Retention of both buckets: "0" keeps data forever, else a duration such as 30d. */
    readonly retention: string;
    /** The `influxdb` repository's image (`foundations.image("influxdb")`); build context: modules/influx-host. */
    readonly image: ImageSetting;
    /** EBS storage: the host's EC2 type, Graviton because the AMI is arm64. */
    readonly instanceType: string;
    /** A pinned AMI instead of the current Amazon Linux 2023 arm64 one from SSM. */
    readonly amiId?: string;
    readonly rootVolumeGiB: number;
    /** EFS storage: the InfluxDB Fargate task's CPU units and memory (MiB). */
    readonly task: { readonly cpu: number; readonly memory: number };
    /** A t4g.nano in a public subnet for SSH tunnels; absent for none (SSM port forwarding needs none). */
    readonly bastion?: { readonly allowedCidrs: readonly string[]; readonly publicKey: string };
  };
  /** Grafana OSS on Fargate, in the backend-only profile. */
  readonly grafana: { readonly image: ImageSetting; readonly cpu: number; readonly memory: number; readonly port: number };
  readonly secrets: { readonly recoveryWindowDays: number };
  readonly kinesis: { readonly upstream: StreamConfig & { readonly reader: StreamReaderConfig }; readonly downstream: StreamConfig };
  readonly services: {
    readonly ingest: ServiceConfig;
    readonly ripples: ServiceConfig;
    readonly backend: WebServiceConfig;
    readonly dashboard: WebServiceConfig;
  };
  /** The one internet-facing ALB in front of backend and dashboard (profile full). */
  readonly loadBalancer: {
    /** HTTPS with this certificate (same region as the ALB); with neither it nor a domain, HTTP only. */
    readonly certificateArn?: string;
    /** An alias record in this zone; without certificateArn, also a DNS-validated certificate for the name. */
    readonly domain?: { readonly name: string; readonly hostedZoneId: string };
    /** `expirationDays`: how long a log object is kept. */
    readonly accessLogs: { readonly enabled: boolean; readonly bucketName: string; readonly expirationDays: number };
    readonly idleTimeoutSeconds: number;
    readonly deletionProtection: boolean;
  };
  /** Target tracking on CPU for the services behind the ALB. */
  readonly autoscaling: { readonly enabled: boolean; readonly backend: ScalingConfig; readonly dashboard: ScalingConfig };
  /** Market hours: every service scales to 0 at `stop` and back to its desiredCount at `start`. */
  readonly schedule: { readonly enabled: boolean; readonly timeZone: string; readonly stop: string; readonly start: string };
  readonly alarms: {
    /** Subscribed to the alarm topic; AWS mails a confirmation link first. */
    readonly email?: string;
    readonly upstreamIteratorAgeMs: number;
    readonly tasksBelowDesiredMinutes: number;
    readonly target5xxCount: number;
    readonly unhealthyHosts: number;
  };
  readonly realtime: RealtimeConfig;
  /** The static dashboard on CloudFront (edge stack); profile full only. */
  readonly edge: EdgeConfig;
  /** Points every provider and the state backend at an AWS API emulator (local development and acceptance). */
  readonly emulator?: { readonly endpoint: string };
}

export const PRICE_CLASSES = ["PriceClass_100", "PriceClass_200", "PriceClass_All"] as const;
/** `blocked`: requests a rule blocked or counted; `all`: every request. */
export const WAF_LOG_MODES = ["blocked", "all"] as const;

export interface EdgeConfig {
  /** Creates the edge stack. */
  readonly enabled: boolean;
  /** The private bucket the dashboard build is uploaded to. */
  readonly bucketName: string;
  /** PriceClass_100: North America and Europe edges only, the cheapest. */
  readonly priceClass: (typeof PRICE_CLASSES)[number];
  /** Serve on this name with a us-east-1 ACM certificate; the zone is looked up by name. Absent: the cloudfront.net name. */
  readonly domain?: { readonly name: string; readonly zoneName: string };
  /** Content-Security-Policy header value sent with every response. */
  readonly contentSecurityPolicy: string;
  /** CloudFront standard logs into a bucket of their own, each kept `expirationDays`. */
  readonly accessLogs: { readonly enabled: boolean; readonly bucketName: string; readonly expirationDays: number };
  /**
   * AWS managed common and known-bad-inputs rule sets plus a per-IP rate limit (requests per 5 minutes).
   * `logs`: which requests go to the KMS-encrypted `aws-waf-logs-<app>-<env>-dashboard` log group
   * (us-east-1, kept logRetentionDays).
   */
  readonly waf: { readonly enabled: boolean; readonly rateLimit: number; readonly logs: (typeof WAF_LOG_MODES)[number] };
  /** Route /graphql* to the core ALB (and the WebSocket API when core has one): one domain for the whole app. */
  readonly backendOrigins: boolean;
  /** The dashboard build `npm run publish-dashboard` uploads, relative to the repository root. */
  readonly buildDir: string;
}

/**
 * A dashboard that loads only its own assets and talks only to its own origin plus `connectTo`.
 * style-src keeps 'unsafe-inline' because the dashboard (e410d43) renders style attributes: app.html's
 * `<div style="display: contents">` and the charts' `style="opacity: ..."` on every data point; CSP
 * cannot allow attributes without it. style-src-elem 'self' still refuses injected <style> elements in
 * browsers that know it (older ones fall back to style-src, as before).
 */
export function contentSecurityPolicy(connectTo: readonly string[]): string {
  const connect = ["'self'", ...connectTo].join(" ");
  return `default-src 'self'; connect-src ${connect}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; style-src-elem 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'`;
}

/** The default with nothing beyond 'self': the API and WebSocket on the site's own CloudFront name. */
export const DEFAULT_CONTENT_SECURITY_POLICY = contentSecurityPolicy([]);

/**
 * The app's own API and WebSocket origins, from the raw config. Behind edge (backendOrigins) both are
 * the site itself: 'self' covers wss:// on the same host (CSP3), and a custom domain is named as well
 * for browsers that predate that rule. Without backendOrigins they are core's names when it has them;
 * an unnamed execute-api or ALB host is unknown at synth, so such a config sets the policy itself.
 */
function appConnectOrigins(root: Record<string, unknown>): string[] {
  const at = (...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined), root);
  const name = (...keys: string[]) => (typeof at(...keys) === "string" ? (at(...keys) as string) : undefined);
  if (at("edge", "backendOrigins") !== false) {
    const site = name("edge", "domain", "name");
    return site ? [`wss://${site}`] : [];
  }
  const websocket = name("realtime", "domain", "name");
  const api = name("loadBalancer", "domain", "name");
  return [...(api ? [`https://${api}`] : []), ...(websocket ? [`wss://${websocket}`] : [])];
}

// ---- a small declarative schema, so each error can name key, value and what is allowed ----

type Check<T> = (value: T, root: Record<string, unknown>) => string | undefined;

export type Rule =
  | { kind: "string"; optional?: boolean; default?: string | ((root: Record<string, unknown>) => string); enum?: readonly string[]; check?: Check<string> }
  | { kind: "integer"; optional?: boolean; default?: number; min?: number; max?: number; oneOf?: readonly number[] }
  | { kind: "boolean"; optional?: boolean; default?: boolean }
  | { kind: "array"; optional?: boolean; items: Rule; length?: number }
  | { kind: "object"; optional?: boolean; props: Record<string, Rule>; /** absent stays absent instead of taking defaults */ absentMeansOff?: boolean }
  /** An object with free keys (e.g. environment variables): each key passes `keyCheck`, each value `values`. */
  | { kind: "map"; optional?: boolean; keyCheck: (key: string) => string | undefined; values: Rule; maxEntries?: number };

const str = (extra: Omit<Extract<Rule, { kind: "string" }>, "kind"> = {}): Rule => ({ kind: "string", ...extra });
const EGRESS_MODES: readonly string[] = ["nat", "nat-and-endpoints"];

/** Access logs are kept 90 days by default: long enough for an incident review, bounded in cost. */
const LOG_EXPIRATION_DAYS = 90;

const int = (extra: Omit<Extract<Rule, { kind: "integer" }>, "kind"> = {}): Rule => ({ kind: "integer", ...extra });
const bool = (dflt?: boolean): Rule => ({ kind: "boolean", optional: dflt !== undefined, default: dflt });
const obj = (props: Record<string, Rule>, optional = false): Rule => ({ kind: "object", props, optional });

const stream = (dflt: StreamConfig, extra: Record<string, Rule> = {}): Rule =>
  obj(
    {
      mode: str({ enum: ["ON_DEMAND", "PROVISIONED"], optional: true, default: dflt.mode }),
      shardCount: int({ min: 1, max: 500, optional: true }),
      retentionHours: int({ min: 24, max: 8760, optional: true, default: dflt.retentionHours }),
      ...extra,
    },
    true,
  );

const regionOf = (root: Record<string, unknown>): string => String(root.region);

interface ServiceDefaults {
  readonly cpu: number;
  readonly memory: number;
  readonly architecture: "X86_64" | "ARM64";
  readonly minHealthyPercent: number;
  readonly maxPercent: number;
  readonly web?: { readonly port: number; readonly healthCheckPath: string };
  /** Services with a container health check: its start period (app contract). */
  readonly health?: { readonly startPeriodSeconds: number };
}

/** The predecessor's sizes; deployment percentages fit what each service can tolerate. */
export const SERVICE_DEFAULTS: Readonly<Record<ServiceName, ServiceDefaults>> = {
  // One market-data websocket session at a time, so a deployment stops the old task first.
  ingest: { cpu: 256, memory: 512, architecture: "X86_64", minHealthyPercent: 0, maxPercent: 100, health: { startPeriodSeconds: APP_CONTRACT.ingest.healthCheck.startPeriodSeconds } },
  // One Flink job per checkpoint path: two copies must never run at once.
  ripples: { cpu: 512, memory: 1024, architecture: "ARM64", minHealthyPercent: 0, maxPercent: 100, health: { startPeriodSeconds: APP_CONTRACT.ripples.healthCheck.startPeriodSeconds } },
  backend: { cpu: 256, memory: 512, architecture: "X86_64", minHealthyPercent: 100, maxPercent: 200, web: { port: 3030, healthCheckPath: "/health" } },
  dashboard: { cpu: 256, memory: 512, architecture: "ARM64", minHealthyPercent: 100, maxPercent: 200, web: { port: 3000, healthCheckPath: "/" } },
};

/** The rule of every image setting (see ImageSetting); `imageChecks` adds the cross-key checks. */
export const imageRule = (): Rule =>
  obj(
    {
      tag: str({ optional: true, check: checkImageTag }),
      buildContext: str({ optional: true, check: checkBuildContext }),
      dockerfile: str({ optional: true, check: checkDockerfile }),
      platform: str({ optional: true, enum: Object.values(IMAGE_PLATFORMS) }),
    },
    true,
  );

const service = (d: ServiceDefaults): Rule =>
  obj(
    {
      image: imageRule(),
      cpu: int({ optional: true, default: d.cpu, oneOf: Object.keys(FARGATE_SIZES).map(Number) }),
      memory: int({ optional: true, default: d.memory, min: 512, max: 122880 }),
      architecture: str({ optional: true, default: d.architecture, enum: ["X86_64", "ARM64"] }),
      desiredCount: int({ optional: true, default: 1, min: 0, max: 100 }),
      capacityProvider: str({ optional: true, default: "FARGATE", enum: ["FARGATE", "FARGATE_SPOT"] }),
      minHealthyPercent: int({ optional: true, default: d.minHealthyPercent, min: 0, max: 100 }),
      maxPercent: int({ optional: true, default: d.maxPercent, min: 100, max: 200 }),
      executeCommand: bool(false),
      serviceDiscovery: bool(false),
      environment: { kind: "map", optional: true, keyCheck: checkEnvName, maxEntries: 100, values: str({ check: (v) => (v.length <= 4096 ? undefined : "expected a value of at most 4096 characters") }) },
      extraVariables: { kind: "array", optional: true, items: str({ check: checkEnvName }) },
      readonlyRootFilesystem: { kind: "boolean", optional: true },
      // ECS's ranges (ContainerDefinition.healthCheck): interval 5-300, timeout 2-60, retries 1-10, start period 0-300.
      ...(d.health && {
        healthCheck: obj(
          {
            enabled: bool(true),
            intervalSeconds: int({ optional: true, default: 30, min: 5, max: 300 }),
            timeoutSeconds: int({ optional: true, default: 10, min: 2, max: 60 }),
            retries: int({ optional: true, default: 3, min: 1, max: 10 }),
            startPeriodSeconds: int({ optional: true, default: d.health.startPeriodSeconds, min: 0, max: 300 }),
          },
          true,
        ),
      }),
      ...(d.web && {
        port: int({ optional: true, default: d.web.port, min: 1024, max: 65535 }),
        healthCheckPath: str({ optional: true, default: d.web.healthCheckPath, check: checkHealthCheckPath }),
      }),
    },
    true,
  );

const scaling = (dflt: ScalingConfig): Rule =>
  obj(
    {
      min: int({ optional: true, default: dflt.min, min: 0, max: 100 }),
      max: int({ optional: true, default: dflt.max, min: 1, max: 100 }),
      targetCpuPercent: int({ optional: true, default: dflt.targetCpuPercent, min: 10, max: 90 }),
    },
    true,
  );
const influxName = (v: string) => (/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(v) ? undefined : "expected an InfluxDB name: 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'");
const cidr = (min: number, max: number): Rule => str({ check: (v) => checkCidr(v, min, max) });
const lambdaFunction = (dflt: FunctionConfig, minTimeoutSeconds = 1): Rule =>
  obj(
    {
      memoryMb: int({ optional: true, default: dflt.memoryMb, min: 128, max: 10240 }),
      timeoutSeconds: int({ optional: true, default: dflt.timeoutSeconds, min: minTimeoutSeconds, max: 900 }),
      tracing: bool(dflt.tracing),
      // Unset by default: a new account's concurrency limit can be 10, and AWS refuses any reservation that
      // leaves less than its minimum unreserved, so a default would fail the first deploy there. 0 would stop the function.
      reservedConcurrency: int({ optional: true, min: 1, max: 10000 }),
    },
    true,
  );

export const CONFIG_SCHEMA: Rule = obj({
  app: str({ optional: true, default: "streamlines", check: (v) => checkDnsLabel(v, 16) }),
  env: str({ check: (v) => checkDnsLabel(v, 12) }),
  owner: str({ check: (v) => (/^[\w .@+=:/-]{1,128}$/.test(v) ? undefined : "expected 1-128 characters valid in an AWS tag value") }),
  region: str({ check: checkRegion }),
  profile: str({ optional: true, default: "full", enum: PROFILES }),
  dataRetention: bool(true),
  logRetentionDays: int({ optional: true, default: 30, oneOf: LOG_RETENTION_DAYS }),
  state: obj({
    bucket: str({ check: checkBucketName }),
    region: str({ optional: true, default: regionOf, check: checkRegion }),
    prefix: str({ optional: true, default: "streamlines", check: (v) => (/^[a-z0-9][a-z0-9_/-]{0,62}[a-z0-9]$/.test(v) && !v.includes("//") ? undefined : "expected a key prefix of a-z, 0-9, '_', '-' and single '/', without a leading or trailing '/'") }),
  }),
  kms: obj({ deletionWindowDays: int({ optional: true, default: 30, min: 7, max: 30 }) }, true),
  network: obj({
    vpcCidr: cidr(16, 24),
    availabilityZones: { kind: "array", length: 2, items: str({ check: (v, root) => checkAvailabilityZone(v, regionOf(root)) }) },
    publicSubnetCidrs: { kind: "array", length: 2, items: cidr(16, 28) },
    privateSubnetCidrs: { kind: "array", length: 2, items: cidr(16, 28) },
    egress: str({
      optional: true,
      default: "nat",
      // Endpoints alone reach AWS APIs only, and ingest reads the market-data WebSocket on the internet.
      check: (v) =>
        EGRESS_MODES.includes(v)
          ? undefined
          : `expected one of ${EGRESS_MODES.map((m) => `"${m}"`).join(", ")}${v === "endpoints" ? ": ingest reads the market-data WebSocket on the internet, which VPC endpoints alone cannot reach" : ""}`,
    }),
    flowLogs: bool(true),
  }),
  artifacts: obj(
    {
      bucketName: str({ optional: true, default: (root) => `${root.app}-${root.env}-artifacts`, check: checkBucketName }),
      noncurrentVersionExpirationDays: int({ optional: true, default: 30, min: 1, max: 3650 }),
    },
    true,
  ),
  ecr: obj({ forceDelete: bool(false), keepLastImages: int({ optional: true, default: 20, min: 1, max: 1000 }) }, true),
  connectionTable: obj(
    {
      name: str({ optional: true, default: "StreamLinesWebsocketConnectionTable", check: (v) => (/^[A-Za-z0-9_.-]{3,255}$/.test(v) ? undefined : "expected a DynamoDB table name: 3-255 characters of A-Z, a-z, 0-9, '_', '-', '.'") }),
      ttlAttribute: str({ optional: true, default: "expiresAt", check: (v) => (/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(v) ? undefined : "expected an attribute name of letters, digits and '_'") }),
    },
    true,
  ),
  influx: obj({
    storage: str({ optional: true, default: "ebs", enum: ["ebs", "efs"] }),
    availabilityZone: str({ check: (v, root) => checkAvailabilityZone(v, regionOf(root)) }),
    ebs: obj(
      {
        sizeGiB: int({ optional: true, default: 50, min: 1, max: 16384 }),
        iops: int({ optional: true, default: 3000, min: 3000, max: 16000 }),
        throughputMiBps: int({ optional: true, default: 125, min: 125, max: 1000 }),
      },
      true,
    ),
    snapshots: obj(
      {
        enabled: bool(true),
        retainDays: int({ optional: true, default: 7, min: 1, max: 1000 }),
        time: str({ optional: true, default: "03:00", check: (v) => (/^([01]\d|2[0-3]):[0-5]\d$/.test(v) ? undefined : "expected a UTC time HH:MM") }),
      },
      true,
    ),
    efs: obj({ throughputMode: str({ optional: true, default: "bursting", enum: ["bursting", "elastic"] }) }, true),
    port: int({ optional: true, default: 8086, min: 1024, max: 65535 }),
    org: str({ optional: true, default: "streamlines", check: influxName }),
    buckets: obj(
      {
        marketDataRealtime: str({ optional: true, default: "market-data-realtime", check: influxName }),
        marketDataHistorical: str({ optional: true, default: "market-data-historical", check: influxName }),
      },
      true,
    ),
    retention: str({ optional: true, default: "0", check: checkInfluxRetention }),
    image: imageRule(),
    instanceType: str({ optional: true, default: "t4g.medium", check: checkGravitonInstanceType }),
    amiId: str({ optional: true, check: checkAmiId }),
    rootVolumeGiB: int({ optional: true, default: 20, min: 8, max: 1024 }),
    task: obj(
      {
        cpu: int({ optional: true, default: 1024, oneOf: Object.keys(FARGATE_SIZES).map(Number) }),
        memory: int({ optional: true, default: 2048, min: 512, max: 122880 }),
      },
      true,
    ),
    bastion: {
      kind: "object",
      optional: true,
      absentMeansOff: true,
      props: {
        allowedCidrs: { kind: "array", items: str({ check: checkSshSourceCidr }) },
        publicKey: str({ check: checkSshPublicKey }),
      },
    },
  }),
  grafana: obj(
    {
      image: imageRule(),
      cpu: int({ optional: true, default: 256, oneOf: Object.keys(FARGATE_SIZES).map(Number) }),
      memory: int({ optional: true, default: 512, min: 512, max: 122880 }),
      port: int({ optional: true, default: 3000, min: 1024, max: 65535 }),
    },
    true,
  ),
  secrets: obj({ recoveryWindowDays: int({ optional: true, default: 30, oneOf: [0, ...Array.from({ length: 24 }, (_, i) => i + 7)] }) }, true),
  kinesis: obj(
    {
      upstream: stream(
        { mode: "ON_DEMAND", retentionHours: 24 },
        {
          reader: obj(
            {
              mode: str({ enum: ["polling", "fan-out"], optional: true, default: "polling" }),
              // Kinesis ConsumerName: [a-zA-Z0-9_.-]+, at most 128.
              consumerName: str({
                optional: true,
                default: (root) => `${root.app}-${root.env}-ripples`,
                check: (v) => (/^[a-zA-Z0-9_.-]{1,128}$/.test(v) ? undefined : "expected 1-128 characters of a-z, A-Z, 0-9, '_', '.', '-'"),
              }),
            },
            true,
          ),
        },
      ),
      downstream: stream({ mode: "ON_DEMAND", retentionHours: 24 }),
    },
    true,
  ),
  services: obj(
    {
      ingest: service(SERVICE_DEFAULTS.ingest),
      ripples: service(SERVICE_DEFAULTS.ripples),
      backend: service(SERVICE_DEFAULTS.backend),
      dashboard: service(SERVICE_DEFAULTS.dashboard),
    },
    true,
  ),
  loadBalancer: obj(
    {
      certificateArn: str({ optional: true, check: (v, root) => checkAcmCertificateArn(v, regionOf(root)) }),
      domain: {
        kind: "object",
        optional: true,
        absentMeansOff: true,
        props: { name: str({ check: checkDnsName }), hostedZoneId: str({ check: checkHostedZoneId }) },
      },
      accessLogs: obj(
        {
          enabled: bool(false),
          bucketName: str({ optional: true, default: (root) => `${root.app}-${root.env}-alb-logs`, check: checkBucketName }),
          expirationDays: int({ optional: true, default: LOG_EXPIRATION_DAYS, min: 1, max: 3650 }),
        },
        true,
      ),
      idleTimeoutSeconds: int({ optional: true, default: 60, min: 1, max: 4000 }),
      deletionProtection: bool(false),
    },
    true,
  ),
  autoscaling: obj(
    {
      enabled: bool(true),
      backend: scaling({ min: 1, max: 4, targetCpuPercent: 60 }),
      dashboard: scaling({ min: 1, max: 3, targetCpuPercent: 60 }),
    },
    true,
  ),
  schedule: obj(
    {
      enabled: bool(true),
      // NYSE: open 09:30-16:00 Eastern. Tasks start half an hour early and stop half an hour late.
      timeZone: str({ optional: true, default: "America/New_York", check: checkTimeZone }),
      stop: str({ optional: true, default: "cron(30 16 ? * MON-FRI *)", check: checkSchedulerCron }),
      start: str({ optional: true, default: "cron(0 9 ? * MON-FRI *)", check: checkSchedulerCron }),
    },
    true,
  ),
  alarms: obj(
    {
      email: str({ optional: true, check: checkEmail }),
      upstreamIteratorAgeMs: int({ optional: true, default: 60000, min: 1000, max: 86400000 }),
      tasksBelowDesiredMinutes: int({ optional: true, default: 5, min: 1, max: 60 }),
      target5xxCount: int({ optional: true, default: 10, min: 1, max: 100000 }),
      unhealthyHosts: int({ optional: true, default: 1, min: 1, max: 100 }),
    },
    true,
  ),
  realtime: obj(
    {
      connectionHandler: lambdaFunction({ memoryMb: 256, timeoutSeconds: 10, tracing: false }),
      // 30 s at least: a batch's posts retry with backoff, and 1,000 connections take a few rounds.
      resultsPusher: lambdaFunction({ memoryMb: 512, timeoutSeconds: 60, tracing: false }, 30),
      throttling: obj({ burstLimit: int({ optional: true, default: 500, min: 1, max: 5000 }), rateLimit: int({ optional: true, default: 1000, min: 1, max: 10000 }) }, true),
      connectionTtlHours: int({ optional: true, default: 3, min: 1, max: 8760 }),
      maxSymbolsPerMessage: int({ optional: true, default: 50, min: 1, max: 1000 }),
      // At most 1,000: $disconnect reads a connection's items with one Query page.
      maxSubscriptionsPerConnection: int({ optional: true, default: 100, min: 1, max: 1000 }),
      postConcurrency: int({ optional: true, default: 25, min: 1, max: 500 }),
      // 5,000 posts at 25 in flight end well inside the pusher's 60 s default timeout; a timed-out batch would resend everything.
      maxPostsPerInvocation: int({ optional: true, default: 5000, min: 1, max: 100000 }),
      eventSource: obj(
        {
          batchSize: int({ optional: true, default: 100, min: 1, max: 10000 }),
          batchingWindowSeconds: int({ optional: true, default: 0, min: 0, max: 300 }),
          // Never -1 (retry until the record expires): one poisoned batch would stall its shard for a day.
          maximumRetryAttempts: int({ optional: true, default: 3, min: 0, max: 10000 }),
        },
        true,
      ),
      alarms: obj({ downstreamIteratorAgeMs: int({ optional: true, default: 60000, min: 1000, max: 86400000 }) }, true),
      // external by default: the setting is one per account and region, and an env that took it by default would break
      // every API's logging there when it is destroyed. One env says owned (help/realtime.md).
      accountLogsRole: str({ optional: true, default: "external", enum: ACCOUNT_LOGS_ROLE_MODES }),
      domain: {
        kind: "object",
        optional: true,
        absentMeansOff: true,
        props: { name: str({ check: checkDnsName }), hostedZoneId: str({ check: checkHostedZoneId }) },
      },
    },
    true,
  ),
  edge: obj(
    {
      enabled: bool(false),
      bucketName: str({ optional: true, default: (root) => `${root.app}-${root.env}-dashboard-site`, check: checkBucketName }),
      priceClass: str({ optional: true, default: "PriceClass_100", enum: PRICE_CLASSES }),
      domain: {
        kind: "object",
        optional: true,
        absentMeansOff: true,
        props: { name: str({ check: checkDnsName }), zoneName: str({ check: checkDnsName }) },
      },
      // CloudFront caps the CSP header value at 1783 characters.
      contentSecurityPolicy: str({
        optional: true,
        default: (root) => contentSecurityPolicy(appConnectOrigins(root)),
        check: (v) => (/^[\x20-\x7e]{1,1783}$/.test(v) ? undefined : "expected a Content-Security-Policy of 1-1783 printable ASCII characters"),
      }),
      accessLogs: obj(
        {
          enabled: bool(false),
          bucketName: str({ optional: true, default: (root) => `${root.app}-${root.env}-cdn-logs`, check: checkBucketName }),
          expirationDays: int({ optional: true, default: LOG_EXPIRATION_DAYS, min: 1, max: 3650 }),
        },
        true,
      ),
      waf: obj(
        {
          enabled: bool(false),
          rateLimit: int({ optional: true, default: 2000, min: 10, max: 2000000000 }),
          // Default (dev too) `blocked`: blocked and counted requests are what an operator investigates
          // (false positives, attacks); every allowed request is in the CloudFront access logs already,
          // and logging it all costs ingestion per GB for nothing new. `all` for a short investigation.
          logs: str({ optional: true, default: "blocked", enum: WAF_LOG_MODES }),
        },
        true,
      ),
      backendOrigins: bool(true),
      buildDir: str({ optional: true, default: "dashboard/dist", check: (v) => (/^[^\0\n\r]{1,1024}$/.test(v) ? undefined : "expected a directory path") }),
    },
    true,
  ),
  emulator: {
    kind: "object",
    optional: true,
    absentMeansOff: true,
    props: { endpoint: str({ check: (v) => (/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/.test(v) ? undefined : "expected an emulator URL such as http://127.0.0.1:5000") }) },
  },
});

/** A config problem: `key` is a dotted path, `value` the offending value, `allowed` says what would be accepted. */
export interface ConfigProblem {
  key: string;
  value: unknown;
  allowed: string;
}

/** Checks that span several keys; they run after every single value passed. */
export function crossChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  const net = config.network;
  const vpc = parseCidr(net.vpcCidr)!;
  const subnets = [
    ...net.publicSubnetCidrs.map((c, i) => ({ key: `network.publicSubnetCidrs[${i}]`, value: c })),
    ...net.privateSubnetCidrs.map((c, i) => ({ key: `network.privateSubnetCidrs[${i}]`, value: c })),
  ];
  for (const [i, s] of subnets.entries()) {
    if (!cidrContains(vpc, parseCidr(s.value)!)) {
      return { key: s.key, value: s.value, allowed: `expected a subnet inside network.vpcCidr ${net.vpcCidr}` };
    }
    const clash = subnets.slice(0, i).find((o) => cidrsOverlap(parseCidr(o.value)!, parseCidr(s.value)!));
    if (clash) return { key: s.key, value: s.value, allowed: `expected a subnet that does not overlap ${clash.key} ${clash.value}` };
  }
  if (new Set(net.availabilityZones).size !== net.availabilityZones.length) {
    return { key: "network.availabilityZones", value: net.availabilityZones, allowed: "expected two different availability zones" };
  }
  if (!net.availabilityZones.includes(config.influx.availabilityZone)) {
    return {
      key: "influx.availabilityZone",
      value: config.influx.availabilityZone,
      allowed: `expected one of network.availabilityZones (${net.availabilityZones.join(", ")})`,
    };
  }
  for (const name of ["upstream", "downstream"] as const) {
    const s = config.kinesis[name];
    if (s.mode === "PROVISIONED" && s.shardCount === undefined) {
      return { key: `kinesis.${name}.shardCount`, value: undefined, allowed: "expected a shard count from 1 to 500 when mode is PROVISIONED" };
    }
    if (s.mode === "ON_DEMAND" && s.shardCount !== undefined) {
      return { key: `kinesis.${name}.shardCount`, value: s.shardCount, allowed: "expected no shardCount when mode is ON_DEMAND" };
    }
  }
  // gp3 limits: at most 500 IOPS per GiB and 0.25 MiB/s per provisioned IOPS.
  const ebs = config.influx.ebs;
  if (ebs.iops > 3000 && ebs.iops > ebs.sizeGiB * 500) {
    return { key: "influx.ebs.iops", value: ebs.iops, allowed: `expected at most 500 IOPS per GiB (${ebs.sizeGiB * 500} for ${ebs.sizeGiB} GiB)` };
  }
  if (ebs.throughputMiBps > ebs.iops / 4) {
    return { key: "influx.ebs.throughputMiBps", value: ebs.throughputMiBps, allowed: `expected at most 0.25 MiB/s per IOPS (${Math.floor(ebs.iops / 4)} for ${ebs.iops} IOPS)` };
  }
  return imageChecks(config) ?? influxChecks(config) ?? serviceChecks(config) ?? edgeChecks(config) ?? realtimeChecks(config);
}

/** The pusher runs once per shard at a time; a reservation below the shard count throttles its event source. */
function realtimeChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  const reserved = config.realtime.resultsPusher.reservedConcurrency;
  const downstream = config.kinesis.downstream;
  if (config.profile === "full" && reserved !== undefined && downstream.shardCount !== undefined && reserved < downstream.shardCount) {
    return {
      key: "realtime.resultsPusher.reservedConcurrency",
      value: reserved,
      allowed: `expected at least kinesis.downstream.shardCount (${downstream.shardCount}): the pusher runs once per shard at a time`,
    };
  }
  return undefined;
}

/** Where config keeps an image's setting, what the image runs on, and when the profile needs it. */
export interface ImageSettingLocation {
  /** The dotted config key of the setting, for messages. */
  readonly key: string;
  readonly setting: (config: StreamLinesConfig) => ImageSetting | undefined;
  readonly architecture: (config: StreamLinesConfig) => Architecture;
  /** Why the config must name this image (e.g. "a service of profile full"), or undefined when nothing runs it. */
  readonly requiredFor: (config: StreamLinesConfig) => string | undefined;
}

const serviceImage = (name: ServiceName): ImageSettingLocation => ({
  key: `services.${name}.image`,
  setting: (c) => c.services[name].image,
  architecture: (c) => c.services[name].architecture,
  requiredFor: (c) => (PROFILE_SERVICES[c.profile].includes(name) ? `a service of profile ${c.profile}` : undefined),
});

/** Every image setting in config, one line per repository; the others' images are not run by the stacks. */
export const IMAGE_SETTINGS: Readonly<Partial<Record<EcrRepositoryName, ImageSettingLocation>>> = {
  ingest: serviceImage("ingest"),
  ripples: serviceImage("ripples"),
  backend: serviceImage("backend"),
  dashboard: serviceImage("dashboard"),
  // The EBS host is Graviton (the AMI is arm64) and the EFS variant's task runs ARM64 too.
  influxdb: { key: "influx.image", setting: (c) => c.influx.image, architecture: () => "ARM64", requiredFor: () => "InfluxDB (the influx stack, every profile)" },
  grafana: { key: "grafana.image", setting: (c) => c.grafana.image, architecture: () => "ARM64", requiredFor: (c) => (c.profile === "backend-only" ? "Grafana in profile backend-only" : undefined) },
};

/** An image the foundations hook builds: absolute paths, the platform resolved. */
export interface ImageBuild {
  readonly repository: EcrRepositoryName;
  readonly contextDir: string;
  /** Absolute; undefined means `Dockerfile` in the context. */
  readonly dockerfile?: string;
  readonly platform: string;
}

const platformOf = (config: StreamLinesConfig, location: ImageSettingLocation): string =>
  location.setting(config)?.platform ?? IMAGE_PLATFORMS[location.architecture(config)];

/** The build of `repository`'s image when config gives it a build context, else undefined (a pinned tag). */
export function imageBuildOf(config: StreamLinesConfig, repository: EcrRepositoryName): ImageBuild | undefined {
  const location = IMAGE_SETTINGS[repository];
  const setting = location?.setting(config);
  if (!location || setting?.buildContext === undefined) return undefined;
  const contextDir = resolveProjectPath(setting.buildContext);
  return {
    repository,
    contextDir,
    ...(setting.dockerfile !== undefined && { dockerfile: path.resolve(contextDir, setting.dockerfile) }),
    platform: platformOf(config, location),
  };
}

/** Every image with a build context, in repository order. */
export function imageBuilds(config: StreamLinesConfig): ImageBuild[] {
  return ECR_REPOSITORIES.flatMap((r) => imageBuildOf(config, r) ?? []);
}

/** Each image setting names exactly one source, and a build matches what the image runs on. */
function imageChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  for (const [repository, location] of Object.entries(IMAGE_SETTINGS) as Array<[EcrRepositoryName, ImageSettingLocation]>) {
    const s = location.setting(config) ?? {};
    const key = location.key;
    if (s.tag !== undefined && s.buildContext !== undefined) {
      return { key: `${key}.buildContext`, value: s.buildContext, allowed: `expected either ${key}.tag or ${key}.buildContext, not both: a build context's content hash is the tag` };
    }
    const required = location.requiredFor(config);
    if (s.tag === undefined && s.buildContext === undefined && required) {
      return {
        key: `${key}.tag`,
        value: undefined,
        allowed: `this key or ${key}.buildContext is required for ${required}; expected the pinned docker tag of an image in the ${repository} ECR repository, or a build context directory`,
      };
    }
    if (s.buildContext === undefined) {
      const stray = (["dockerfile", "platform"] as const).find((k) => s[k] !== undefined);
      if (stray) return { key: `${key}.${stray}`, value: s[stray], allowed: `expected no ${stray} without ${key}.buildContext: a pinned tag is built elsewhere` };
      continue;
    }
    const build = imageBuildOf(config, repository)!;
    const dockerfile = build.dockerfile ?? path.join(build.contextDir, "Dockerfile");
    if (!fs.existsSync(dockerfile) || !fs.statSync(dockerfile).isFile()) {
      const at = s.dockerfile !== undefined ? "dockerfile" : "buildContext";
      return { key: `${key}.${at}`, value: s[at], allowed: `expected a Dockerfile at ${dockerfile}${at === "buildContext" ? ` (or set ${key}.dockerfile)` : ""}` };
    }
    const runsOn = IMAGE_PLATFORMS[location.architecture(config)];
    if (build.platform !== runsOn) {
      return { key: `${key}.platform`, value: build.platform, allowed: `expected ${runsOn}, the platform of architecture ${location.architecture(config)} the image runs on (or leave it out)` };
    }
  }
  return undefined;
}

/** The influx stack's task sizes and bastion (its images are in IMAGE_SETTINGS). */
function influxChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  const influx = config.influx;
  if (influx.storage === "efs") {
    const memory = checkFargateMemory(influx.task.cpu, influx.task.memory);
    if (memory) return { key: "influx.task.memory", value: influx.task.memory, allowed: memory };
  }
  if (config.profile === "backend-only") {
    const memory = checkFargateMemory(config.grafana.cpu, config.grafana.memory);
    if (memory) return { key: "grafana.memory", value: config.grafana.memory, allowed: memory };
  }
  if (influx.bastion && influx.bastion.allowedCidrs.length === 0) {
    return { key: "influx.bastion.allowedCidrs", value: [], allowed: "expected at least one source CIDR for SSH; leave out influx.bastion for no bastion" };
  }
  return undefined;
}

/** Service settings that depend on each other, the profile, or other keys. */
function serviceChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  const inProfile = PROFILE_SERVICES[config.profile];
  for (const name of SERVICE_NAMES) {
    const s = config.services[name];
    const key = `services.${name}`;
    const memory = checkFargateMemory(s.cpu, s.memory);
    if (memory) return { key: `${key}.memory`, value: s.memory, allowed: memory };
    if (s.minHealthyPercent >= s.maxPercent) {
      return { key: `${key}.maxPercent`, value: s.maxPercent, allowed: `expected more than minHealthyPercent (${s.minHealthyPercent}), or a deployment can neither start nor stop a task` };
    }
    const problem = environmentProblem(config, name);
    if (problem) return problem;
    if (s.readonlyRootFilesystem === true && s.executeCommand) {
      return { key: `${key}.readonlyRootFilesystem`, value: true, allowed: `expected false or unset while ${key}.executeCommand is true: ECS Exec's agent writes to the container's root file system, which AWS does not support read-only` };
    }
    if (s.readonlyRootFilesystem === true && !APP_CONTRACT[name].rootFilesystem.readOnly) {
      return { key: `${key}.readonlyRootFilesystem`, value: true, allowed: `expected false or unset: ${name}'s image writes outside its writable paths (${APP_CONTRACT[name].rootFilesystem.why})` };
    }
    const health = s.healthCheck;
    if (health?.enabled && health.timeoutSeconds >= health.intervalSeconds) {
      return { key: `${key}.healthCheck.timeoutSeconds`, value: health.timeoutSeconds, allowed: `expected less than ${key}.healthCheck.intervalSeconds (${health.intervalSeconds}), so one check ends before the next starts` };
    }
  }
  if (config.autoscaling.enabled) {
    for (const name of WEB_SERVICES.filter((n) => inProfile.includes(n))) {
      const range = config.autoscaling[name];
      if (range.min > range.max) return { key: `autoscaling.${name}.max`, value: range.max, allowed: `expected at least autoscaling.${name}.min (${range.min})` };
      const desired = config.services[name].desiredCount;
      if (desired < range.min || desired > range.max) {
        return { key: `services.${name}.desiredCount`, value: desired, allowed: `expected a count from autoscaling.${name}.min to max (${range.min} to ${range.max}) while autoscaling is on` };
      }
    }
  }
  // ALB names are limited to 32 characters (target groups take AWS-generated names from a prefix).
  const albName = `${config.app}-${config.env}-alb`;
  if (inProfile.includes("dashboard") && albName.length > 32) {
    return { key: "env", value: config.env, allowed: `expected app and env together at most 27 characters in profile full: the load balancer's name ${albName} must fit in 32` };
  }
  return undefined;
}

/** Each variable config sets must be one the service reads, not the stack's or a secret's, and not empty. */
function environmentProblem(config: StreamLinesConfig, name: ServiceName): ConfigProblem | undefined {
  const s = config.services[name];
  const key = `services.${name}`;
  const extras = s.extraVariables ?? [];
  for (const [variable, value] of Object.entries(s.environment ?? {})) {
    const at = `${key}.environment.${variable}`;
    if (value === "") {
      return { key: at, value, allowed: `expected a non-empty value: ECS drops an empty environment value when it registers the task definition, so ${name} would not see ${variable} at all (and every plan would show a diff)` };
    }
    const contract = variableOf(name, variable);
    if (!contract) {
      if (extras.includes(variable)) continue;
      const known = variablesSuppliedBy(name, "operator", "default", "config").map((v) => v.name);
      return {
        key: at,
        value,
        allowed: `expected a variable ${name} reads at ${APP_COMMIT} (${known.join(", ") || "none it takes from config"}; help/app-contract.md), or list ${variable} in ${key}.extraVariables to set it on purpose`,
      };
    }
    if (contract.supply === "stack") {
      return { key: at, value, allowed: `expected a variable the stack does not set itself; ${DERIVED_ENVIRONMENT[name].join(", ")} come from the stack's resources and the influx keys` };
    }
    if (contract.supply === "secret" || contract.supply === "unsupplied" || contract.supply === "platform") {
      const by = contract.supply === "platform" ? "ECS sets it on every task" : "it is a secret, which never goes in plain environment";
      return { key: at, value, allowed: `expected a variable config may set; ${by} (${cite(contract.source)})` };
    }
  }
  for (const [i, variable] of extras.entries()) {
    if (!(s.environment && variable in s.environment)) {
      return { key: `${key}.extraVariables[${i}]`, value: variable, allowed: `expected a variable set in ${key}.environment` };
    }
    if (variableOf(name, variable)) {
      return { key: `${key}.extraVariables[${i}]`, value: variable, allowed: `expected a variable the app contract does not list; ${name} reads ${variable} at ${APP_COMMIT} already` };
    }
  }
  return undefined;
}

function edgeChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  const edge = config.edge;
  if (!edge.enabled) return undefined;
  if (config.profile !== "full") {
    return { key: "edge.enabled", value: true, allowed: `expected false in profile ${config.profile}: it has no dashboard to serve (CloudFront belongs to profile full)` };
  }
  const domain = edge.domain;
  if (domain && domain.name !== domain.zoneName && !domain.name.endsWith(`.${domain.zoneName}`)) {
    return { key: "edge.domain.name", value: domain.name, allowed: `expected a name inside edge.domain.zoneName ${domain.zoneName}` };
  }
  // CloudFront checks the ALB's certificate against the name it connects to; no certificate can match *.elb.amazonaws.com.
  if (edge.backendOrigins && config.loadBalancer.certificateArn !== undefined && config.loadBalancer.domain === undefined) {
    return {
      key: "loadBalancer.domain",
      value: undefined,
      allowed: "expected a domain its certificate covers when edge.backendOrigins is on with loadBalancer.certificateArn: CloudFront reaches the ALB over HTTPS by name, and no certificate matches the ALB's *.elb.amazonaws.com name (or set edge.backendOrigins false)",
    };
  }
  // One name cannot alias both CloudFront and the ALB, and CloudFront would then reach itself for /graphql*.
  if (domain && domain.name === config.loadBalancer.domain?.name) {
    return { key: "edge.domain.name", value: domain.name, allowed: "expected a name other than loadBalancer.domain.name: the site and the load balancer each need their own DNS record" };
  }
  return undefined;
}

/** Whether a service runs with a read-only root file system: the config's choice, else the app contract's unless ECS Exec is on. */
export function readonlyRootFilesystemOf(config: StreamLinesConfig, name: ServiceName): boolean {
  const s = config.services[name];
  return s.readonlyRootFilesystem ?? (APP_CONTRACT[name].rootFilesystem.readOnly && !s.executeCommand);
}
