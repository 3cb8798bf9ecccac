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
  SECRET_LIKE_ENV_NAME,
  checkHealthCheckPath,
  checkHostedZoneId,
  checkAmiId,
  checkGravitonInstanceType,
  checkImageTag,
  checkBuildContext,
  checkDockerfile,
  checkInfluxRetention,
  checkRegion,
  checkSshPublicKey,
  checkSshSourceCidr,
  checkSchedulerCron,
  checkTimeZone,
} from "./rules";
import { LOG_EXPIRATION_DAYS, SERVICE_DEFAULTS, ServiceDefaults, appConnectOrigins, contentSecurityPolicy } from "./defaults";
import {
  ACCOUNT_LOGS_ROLE_MODES,
  EGRESS_MODES,
  FunctionConfig,
  IMAGE_PLATFORMS,
  PRICE_CLASSES,
  PROFILES,
  ScalingConfig,
  StreamConfig,
  StreamLinesConfig,
  WAF_LOG_MODES,
} from "./types";
import { Agree, Mismatch, Rule, ValueOf, bool, int, obj, oneOfChecked, str } from "./validate";

// The rule tree of a config file. Callers import the whole config API from here.
export * from "./types";
export * from "./images";
export { crossChecks } from "./cross-checks";
export { DEFAULT_CONTENT_SECURITY_POLICY, SERVICE_DEFAULTS, contentSecurityPolicy } from "./defaults";
export type { ConfigProblem, Rule } from "./validate";

const stream = <const E extends Record<string, Rule>>(dflt: StreamConfig, extra: E) =>
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

/** The rule of every image setting (see ImageSetting); `imageChecks` adds the cross-key checks. */
export const imageRule = () =>
  obj(
    {
      tag: str({ optional: true, check: checkImageTag }),
      buildContext: str({ optional: true, check: checkBuildContext }),
      dockerfile: str({ optional: true, check: checkDockerfile }),
      platform: str({ optional: true, enum: Object.values(IMAGE_PLATFORMS) }),
    },
    true,
  );

/** A service's rule; `extra` adds its container health check (ingest, ripples) or its web keys (backend, dashboard). */
const service = <const E extends Record<string, Rule>>(d: ServiceDefaults, extra: E) =>
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
      environment: {
        kind: "map",
        optional: true,
        keyCheck: checkEnvName,
        secretKey: (name) => SECRET_LIKE_ENV_NAME.test(name),
        maxEntries: 100,
        values: str({ check: (v) => (v.length <= 4096 ? undefined : "expected a value of at most 4096 characters") }),
      },
      extraVariables: { kind: "array", optional: true, items: str({ check: checkEnvName }) },
      readonlyRootFilesystem: { kind: "boolean", optional: true },
      ...extra,
    },
    true,
  );

// ECS's ranges (ContainerDefinition.healthCheck): interval 5-300, timeout 2-60, retries 1-10, start period 0-300.
const containerHealthCheck = (health: { readonly startPeriodSeconds: number }) => ({
  healthCheck: obj(
    {
      enabled: bool(true),
      intervalSeconds: int({ optional: true, default: 30, min: 5, max: 300 }),
      timeoutSeconds: int({ optional: true, default: 10, min: 2, max: 60 }),
      retries: int({ optional: true, default: 3, min: 1, max: 10 }),
      startPeriodSeconds: int({ optional: true, default: health.startPeriodSeconds, min: 0, max: 300 }),
    },
    true,
  ),
});

const webKeys = (web: { readonly port: number; readonly healthCheckPath: string }) => ({
  port: int({ optional: true, default: web.port, min: 1024, max: 65535 }),
  healthCheckPath: str({ optional: true, default: web.healthCheckPath, check: checkHealthCheckPath }),
});

const scaling = (dflt: ScalingConfig) =>
  obj(
    {
      min: int({ optional: true, default: dflt.min, min: 0, max: 100 }),
      max: int({ optional: true, default: dflt.max, min: 1, max: 100 }),
      targetCpuPercent: int({ optional: true, default: dflt.targetCpuPercent, min: 10, max: 90 }),
    },
    true,
  );
const influxName = (v: string) =>
  /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(v) ? undefined : "expected an InfluxDB name: 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'";
const cidr = (min: number, max: number) => str({ check: (v) => checkCidr(v, min, max) });
const lambdaFunction = (dflt: FunctionConfig, minTimeoutSeconds = 1) =>
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

export const CONFIG_SCHEMA = obj({
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
    prefix: str({
      optional: true,
      default: "streamlines",
      check: (v) =>
        /^[a-z0-9][a-z0-9_/-]{0,62}[a-z0-9]$/.test(v) && !v.includes("//")
          ? undefined
          : "expected a key prefix of a-z, 0-9, '_', '-' and single '/', without a leading or trailing '/'",
    }),
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
      check: oneOfChecked(EGRESS_MODES, (v) =>
        v === "endpoints" ? ": ingest reads the market-data WebSocket on the internet, which VPC endpoints alone cannot reach" : "",
      ),
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
      name: str({
        optional: true,
        default: "StreamLinesWebsocketConnectionTable",
        check: (v) =>
          /^[A-Za-z0-9_.-]{3,255}$/.test(v)
            ? undefined
            : "expected a DynamoDB table name: 3-255 characters of A-Z, a-z, 0-9, '_', '-', '.'",
      }),
      ttlAttribute: str({
        optional: true,
        default: "expiresAt",
        check: (v) => (/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(v) ? undefined : "expected an attribute name of letters, digits and '_'"),
      }),
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
        time: str({
          optional: true,
          default: "03:00",
          check: (v) => (/^([01]\d|2[0-3]):[0-5]\d$/.test(v) ? undefined : "expected a UTC time HH:MM"),
        }),
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
  secrets: obj(
    { recoveryWindowDays: int({ optional: true, default: 30, oneOf: [0, ...Array.from({ length: 24 }, (_, i) => i + 7)] }) },
    true,
  ),
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
      downstream: stream({ mode: "ON_DEMAND", retentionHours: 24 }, {}),
    },
    true,
  ),
  services: obj(
    {
      ingest: service(SERVICE_DEFAULTS.ingest, containerHealthCheck(SERVICE_DEFAULTS.ingest.health)),
      ripples: service(SERVICE_DEFAULTS.ripples, containerHealthCheck(SERVICE_DEFAULTS.ripples.health)),
      backend: service(SERVICE_DEFAULTS.backend, webKeys(SERVICE_DEFAULTS.backend.web)),
      dashboard: service(SERVICE_DEFAULTS.dashboard, webKeys(SERVICE_DEFAULTS.dashboard.web)),
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
      throttling: obj(
        {
          burstLimit: int({ optional: true, default: 500, min: 1, max: 5000 }),
          rateLimit: int({ optional: true, default: 1000, min: 1, max: 10000 }),
        },
        true,
      ),
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
        check: (v) =>
          /^[\x20-\x7e]{1,1783}$/.test(v) ? undefined : "expected a Content-Security-Policy of 1-1783 printable ASCII characters",
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
      buildDir: str({
        optional: true,
        default: "dashboard/dist",
        check: (v) => (/^[^\0\n\r]{1,1024}$/.test(v) ? undefined : "expected a directory path"),
      }),
    },
    true,
  ),
  emulator: {
    kind: "object",
    optional: true,
    absentMeansOff: true,
    props: {
      endpoint: str({
        check: (v) =>
          /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/.test(v) ? undefined : "expected an emulator URL such as http://127.0.0.1:5000",
      }),
    },
  },
});

/** Fails `tsc`, naming the key, where StreamLinesConfig and the rule tree disagree (a key, its optionality or its type). */
export type ConfigTypesMatchSchema = Agree<Mismatch<StreamLinesConfig, ValueOf<typeof CONFIG_SCHEMA>, "config">>;
