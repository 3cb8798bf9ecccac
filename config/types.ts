import { APP_CONTRACT, variablesSuppliedBy } from "./app-contract";

// The shape of a validated config; config/schema.ts holds the rules that produce it.

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
/** nat: one NAT gateway. nat-and-endpoints: the NAT for the internet, interface VPC endpoints for AWS APIs. */
export const EGRESS_MODES = ["nat", "nat-and-endpoints"] as const;
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
}

/** Ingest and ripples: services no load balancer checks, so their container has a health check. */
export interface WorkerServiceConfig extends ServiceConfig {
  readonly healthCheck: HealthCheckConfig;
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
  /** The load balancer checks these; their container has no health check of its own. */
  readonly healthCheck?: undefined;
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
    readonly egress: (typeof EGRESS_MODES)[number];
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
    readonly ingest: WorkerServiceConfig;
    readonly ripples: WorkerServiceConfig;
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

/** Whether a service runs with a read-only root file system: the config's choice, else the app contract's unless ECS Exec is on. */
export function readonlyRootFilesystemOf(config: StreamLinesConfig, name: ServiceName): boolean {
  const s = config.services[name];
  return s.readonlyRootFilesystem ?? (APP_CONTRACT[name].rootFilesystem.readOnly && !s.executeCommand);
}
