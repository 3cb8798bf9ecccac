import {
  LOG_RETENTION_DAYS,
  checkAvailabilityZone,
  checkBucketName,
  checkCidr,
  checkDnsLabel,
  checkRegion,
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

export interface StreamConfig {
  /** ON_DEMAND scales by itself; PROVISIONED needs shardCount. */
  readonly mode: "ON_DEMAND" | "PROVISIONED";
  readonly shardCount?: number;
  readonly retentionHours: number;
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
    /** nat: one NAT gateway. endpoints: gateway + interface VPC endpoints, no internet egress. */
    readonly egress: "nat" | "endpoints";
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
  };
  readonly secrets: { readonly recoveryWindowDays: number };
  readonly kinesis: { readonly upstream: StreamConfig; readonly downstream: StreamConfig };
  /** Points every provider and the state backend at an AWS API emulator (local development and acceptance). */
  readonly emulator?: { readonly endpoint: string };
}

// ---- a small declarative schema, so each error can name key, value and what is allowed ----

type Check<T> = (value: T, root: Record<string, unknown>) => string | undefined;

export type Rule =
  | { kind: "string"; optional?: boolean; default?: string | ((root: Record<string, unknown>) => string); enum?: readonly string[]; check?: Check<string> }
  | { kind: "integer"; optional?: boolean; default?: number; min?: number; max?: number; oneOf?: readonly number[] }
  | { kind: "boolean"; optional?: boolean; default?: boolean }
  | { kind: "array"; optional?: boolean; items: Rule; length?: number }
  | { kind: "object"; optional?: boolean; props: Record<string, Rule>; /** absent stays absent instead of taking defaults */ absentMeansOff?: boolean };

const str = (extra: Omit<Extract<Rule, { kind: "string" }>, "kind"> = {}): Rule => ({ kind: "string", ...extra });
const int = (extra: Omit<Extract<Rule, { kind: "integer" }>, "kind"> = {}): Rule => ({ kind: "integer", ...extra });
const bool = (dflt?: boolean): Rule => ({ kind: "boolean", optional: dflt !== undefined, default: dflt });
const obj = (props: Record<string, Rule>, optional = false): Rule => ({ kind: "object", props, optional });

const stream = (dflt: StreamConfig): Rule =>
  obj(
    {
      mode: str({ enum: ["ON_DEMAND", "PROVISIONED"], optional: true, default: dflt.mode }),
      shardCount: int({ min: 1, max: 500, optional: true }),
      retentionHours: int({ min: 24, max: 8760, optional: true, default: dflt.retentionHours }),
    },
    true,
  );

const regionOf = (root: Record<string, unknown>): string => String(root.region);
const cidr = (min: number, max: number): Rule => str({ check: (v) => checkCidr(v, min, max) });

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
    egress: str({ optional: true, default: "nat", enum: ["nat", "endpoints"] }),
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
  }),
  secrets: obj({ recoveryWindowDays: int({ optional: true, default: 30, oneOf: [0, ...Array.from({ length: 24 }, (_, i) => i + 7)] }) }, true),
  kinesis: obj(
    {
      upstream: stream({ mode: "ON_DEMAND", retentionHours: 24 }),
      downstream: stream({ mode: "ON_DEMAND", retentionHours: 24 }),
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
  return undefined;
}
