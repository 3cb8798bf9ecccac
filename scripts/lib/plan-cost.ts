/**
 * The fixed monthly cost of a planned resource from its attribute values, by the table in
 * prices.ts. Usage-based charges are named ("plus usage"), never estimated.
 */
import { HOURLY, MONTHLY, instanceHourly, monthlyFromHourly, round } from "./prices";

export interface FixedCost {
  /** us-east-1 list price per month, before the region factor. */
  readonly monthly: number;
  /** What decides the price, e.g. `t4g.medium + 20 GiB gp3 root`. */
  readonly basis: string;
  /** A price that depends on something the plan does not know yet or the table lacks. */
  readonly unpriced?: string;
}

/** Usage-based charges per resource type, named so nobody reads a zero as "free". */
export const USAGE: Readonly<Record<string, string>> = {
  aws_nat_gateway: "$0.045/GB processed",
  aws_lb: "LCUs at $0.008/LCU-hour",
  aws_vpc_endpoint: "$0.01/GB through interface endpoints",
  aws_kinesis_stream: "on-demand: $0.08/GB in, $0.04/GB out; provisioned: PUT payload units",
  aws_ebs_volume: "its snapshots at $0.05/GB-month",
  aws_cloudwatch_log_group: "$0.50/GB ingested, $0.03/GB-month stored",
  aws_s3_bucket: "$0.023/GB-month stored, requests",
  aws_ecr_repository: "$0.10/GB-month of images",
  aws_efs_file_system: "$0.30/GB-month standard storage, throughput beyond bursting",
  aws_dynamodb_table: "$0.25/GB-month stored, on-demand requests at $1.25/M writes and $0.25/M reads",
  aws_lambda_function: "requests and GB-seconds",
  aws_apigatewayv2_api: "$1/M WebSocket messages, $0.25/M connection-minutes",
  aws_cloudfront_distribution: "requests and data out",
  aws_sqs_queue: "requests",
  aws_sns_topic: "requests and deliveries",
  aws_flow_log: "log data ingested at $0.50/GB",
  aws_scheduler_schedule: "$1/M invocations beyond the free tier",
  aws_dlm_lifecycle_policy: "the snapshots it keeps at $0.05/GB-month",
  aws_wafv2_web_acl: "$0.60/M requests",
  aws_secretsmanager_secret: "$0.05 per 10,000 API calls",
  aws_kms_key: "$0.03 per 10,000 requests",
};

type Values = Record<string, unknown>;

/** The plan values of other resources: a Fargate service's size is its task definition's. */
export interface CostContext {
  /** The task definition values the service at `address` points to, before or after the change. */
  taskDefinitionOf?(address: string, side: "before" | "after"): Values | undefined;
}

interface Side {
  readonly address: string;
  readonly side: "before" | "after";
  /** after_unknown for the after side: which values are known only after apply. */
  readonly unknown: Values;
  readonly context: CostContext;
}

function isObject(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Nested blocks come as one-element lists in plan JSON. */
function block(v: unknown): Values {
  if (Array.isArray(v)) return isObject(v[0]) ? v[0] : {};
  return isObject(v) ? v : {};
}

const num = (v: unknown): number | undefined =>
  typeof v === "number" ? v : typeof v === "string" && /^[0-9.]+$/.test(v) ? Number(v) : undefined;
const usd = (n: number) => `$${n.toFixed(2)}`;

/** How many entries a list has, known or not yet known (after_unknown marks each unknown one). */
function listLength(values: Values, unknown: Values, key: string): number | undefined {
  const v = values[key];
  if (Array.isArray(v) && v.length > 0) return v.length;
  const u = unknown[key];
  if (Array.isArray(u)) return u.length;
  if (u === true) return undefined;
  return Array.isArray(v) ? v.length : undefined;
}

function volumeMonthly(
  type: string,
  sizeGiB: number,
  iops: number | undefined,
  throughput: number | undefined,
): { monthly: number; basis: string } | undefined {
  const p = MONTHLY;
  switch (type) {
    case "gp3": {
      const extraIops = Math.max(0, (iops ?? 3000) - 3000);
      const extraMibps = Math.max(0, (throughput ?? 125) - 125);
      const extras = [extraIops > 0 ? `${iops} IOPS` : "", extraMibps > 0 ? `${throughput} MiB/s` : ""].filter(Boolean);
      return {
        monthly: sizeGiB * p.gp3PerGiB + extraIops * p.gp3IopsOver3000 + extraMibps * p.gp3MibpsOver125,
        basis: `${sizeGiB} GiB gp3${extras.length ? ` ${extras.join(" ")}` : ""}`,
      };
    }
    case "gp2":
      return { monthly: sizeGiB * p.gp2PerGiB, basis: `${sizeGiB} GiB gp2` };
    case "io1":
    case "io2": {
      const perGiB = type === "io1" ? p.io1PerGiB : p.io2PerGiB;
      const perIops = type === "io1" ? p.io1Iops : p.io2Iops;
      return { monthly: sizeGiB * perGiB + (iops ?? 0) * perIops, basis: `${sizeGiB} GiB ${type} ${iops ?? 0} IOPS` };
    }
    case "st1":
      return { monthly: sizeGiB * p.st1PerGiB, basis: `${sizeGiB} GiB st1` };
    case "sc1":
      return { monthly: sizeGiB * p.sc1PerGiB, basis: `${sizeGiB} GiB sc1` };
    case "standard":
      return { monthly: sizeGiB * p.standardPerGiB, basis: `${sizeGiB} GiB magnetic` };
    default:
      return undefined;
  }
}

function ebsVolume(v: Values, s: Side): FixedCost {
  const size = num(v.size);
  const type = typeof v.type === "string" ? v.type : s.unknown.type === true ? undefined : "gp2";
  if (size === undefined || type === undefined) return { monthly: 0, basis: "EBS volume", unpriced: "size or type known after apply" };
  const priced = volumeMonthly(type, size, num(v.iops), num(v.throughput));
  return priced ?? { monthly: 0, basis: `${size} GiB ${type}`, unpriced: `no price for volume type ${type}` };
}

function instance(v: Values, s: Side): FixedCost {
  const type = typeof v.instance_type === "string" ? v.instance_type : undefined;
  const hourly = type ? instanceHourly(type) : undefined;
  if (!type || hourly === undefined)
    return {
      monthly: 0,
      basis: type ?? "instance",
      unpriced: type ? `no price for instance type ${type}` : "instance type known after apply",
    };
  let monthly = monthlyFromHourly(hourly);
  const parts = [type];
  const root = block(v.root_block_device);
  const rootUnknown = block(s.unknown.root_block_device);
  const rootSize = num(root.volume_size);
  const rootType = typeof root.volume_type === "string" ? root.volume_type : "gp3";
  let unpriced: string | undefined;
  if (rootSize !== undefined) {
    const vol = volumeMonthly(rootType, rootSize, num(root.iops), num(root.throughput));
    if (vol) {
      monthly += vol.monthly;
      parts.push(`${vol.basis} root`);
    }
  } else if (rootUnknown.volume_size === true || Array.isArray(s.unknown.root_block_device) || s.unknown.root_block_device === true) {
    unpriced = "root volume size known after apply (the AMI's default)";
  }
  if (v.associate_public_ip_address === true) {
    monthly += monthlyFromHourly(HOURLY.publicIpv4);
    parts.push("public IPv4");
  }
  return { monthly, basis: parts.join(" + "), unpriced };
}

function fargateService(v: Values, s: Side): FixedCost | undefined {
  const strategy = Array.isArray(v.capacity_provider_strategy) ? v.capacity_provider_strategy.filter(isObject) : [];
  const providers = strategy.map((p) => String(p.capacity_provider));
  // Neither a launch type nor a strategy means the cluster's default strategy, FARGATE in our stacks.
  const fargate =
    v.launch_type === "FARGATE" || providers.some((p) => p.startsWith("FARGATE")) || (!v.launch_type && providers.length === 0);
  if (!fargate) return undefined;
  const count = num(v.desired_count) ?? 0;
  const td = s.context.taskDefinitionOf?.(s.address, s.side);
  const cpu = td ? num(td.cpu) : undefined;
  const memory = td ? num(td.memory) : undefined;
  if (cpu === undefined || memory === undefined)
    return { monthly: 0, basis: `${count} Fargate task(s)`, unpriced: "task size not found (task definition outside this plan)" };
  const arm = block(td?.runtime_platform).cpu_architecture === "ARM64";
  const vcpu = cpu / 1024;
  const gb = memory / 1024;
  const perTask = monthlyFromHourly(
    vcpu * (arm ? HOURLY.fargateArmVcpuHour : HOURLY.fargateX86VcpuHour) + gb * (arm ? HOURLY.fargateArmGbHour : HOURLY.fargateX86GbHour),
  );
  const spot = providers.length > 0 && providers.every((p) => p === "FARGATE_SPOT");
  return {
    monthly: count * perTask,
    basis: `${count} x ${vcpu} vCPU/${gb} GB ${arm ? "ARM" : "x86"} task${count === 1 ? "" : "s"} always on${spot ? " (FARGATE_SPOT: up to 70% less)" : ""}`,
  };
}

function kinesis(v: Values): FixedCost {
  const mode = block(v.stream_mode_details).stream_mode ?? "PROVISIONED";
  if (mode === "ON_DEMAND") return { monthly: monthlyFromHourly(HOURLY.kinesisOnDemandStream), basis: "on-demand stream" };
  const shards = num(v.shard_count);
  if (shards === undefined) return { monthly: 0, basis: "provisioned stream", unpriced: "shard count known after apply" };
  return { monthly: shards * monthlyFromHourly(HOURLY.kinesisShard), basis: `${shards} provisioned shard${shards === 1 ? "" : "s"}` };
}

function vpcEndpoint(v: Values, s: Side): FixedCost {
  if (v.vpc_endpoint_type !== "Interface") return { monthly: 0, basis: `${String(v.vpc_endpoint_type ?? "Gateway")} endpoint (free)` };
  const azs = listLength(v, s.unknown, "subnet_ids");
  if (azs === undefined)
    return {
      monthly: 0,
      basis: "interface endpoint",
      unpriced: `its AZ count is known after apply (${usd(monthlyFromHourly(HOURLY.interfaceEndpointPerAz))} per AZ)`,
    };
  return {
    monthly: azs * monthlyFromHourly(HOURLY.interfaceEndpointPerAz),
    basis: `interface endpoint in ${azs} AZ${azs === 1 ? "" : "s"}`,
  };
}

function loadBalancer(v: Values, s: Side): FixedCost {
  const kind = v.load_balancer_type === "network" ? "NLB" : v.load_balancer_type === "gateway" ? "GWLB" : "ALB";
  let monthly = monthlyFromHourly(HOURLY.loadBalancer);
  if (v.internal === true) return { monthly, basis: `internal ${kind}` };
  const azs = listLength(v, s.unknown, "subnets") ?? (Array.isArray(v.subnet_mapping) ? v.subnet_mapping.length : undefined);
  if (azs === undefined)
    return { monthly, basis: `internet-facing ${kind}`, unpriced: "its public IPv4 count is known after apply ($3.65 each)" };
  monthly += azs * monthlyFromHourly(HOURLY.publicIpv4);
  return { monthly, basis: `internet-facing ${kind} + ${azs} public IPv4` };
}

function alarm(v: Values): FixedCost {
  const queries = Array.isArray(v.metric_query) ? v.metric_query.filter(isObject) : [];
  if (queries.some((q) => typeof q.expression === "string" && /ANOMALY_DETECTION_BAND/.test(q.expression))) {
    return { monthly: MONTHLY.alarmAnomalyDetection, basis: "anomaly detection alarm" };
  }
  const period = num(v.period) ?? Math.min(...queries.map((q) => num(block(q.metric).period) ?? 60));
  const metrics = Math.max(1, queries.filter((q) => isObject(block(q.metric)) && Object.keys(block(q.metric)).length > 0).length);
  const high = period < 60;
  const each = high ? MONTHLY.alarmHighResolution : MONTHLY.alarmStandard;
  return { monthly: each * metrics, basis: `${high ? "high-resolution" : "standard"} alarm${metrics > 1 ? ` on ${metrics} metrics` : ""}` };
}

function dynamoTable(v: Values): FixedCost {
  if (v.billing_mode !== "PROVISIONED") return { monthly: 0, basis: "on-demand table" };
  let rcu = num(v.read_capacity) ?? 0;
  let wcu = num(v.write_capacity) ?? 0;
  const indexes = Array.isArray(v.global_secondary_index) ? v.global_secondary_index.filter(isObject) : [];
  for (const g of indexes) {
    rcu += num(g.read_capacity) ?? 0;
    wcu += num(g.write_capacity) ?? 0;
  }
  return {
    monthly: monthlyFromHourly(rcu * HOURLY.dynamoRcu + wcu * HOURLY.dynamoWcu),
    basis: `provisioned ${rcu} RCU, ${wcu} WCU${indexes.length ? " (with indexes)" : ""}`,
  };
}

function webAcl(v: Values): FixedCost {
  const rules = Array.isArray(v.rule) ? v.rule.length : 0;
  return { monthly: MONTHLY.webAcl + rules * MONTHLY.webAclRule, basis: `web ACL with ${rules} rule${rules === 1 ? "" : "s"}` };
}

const fixed = (monthly: number, basis: string) => (): FixedCost => ({ monthly, basis });

/** Resource types with a fixed monthly price, by the attributes that decide it. */
const FIXED: Readonly<Record<string, (v: Values, s: Side) => FixedCost | undefined>> = {
  aws_nat_gateway: fixed(monthlyFromHourly(HOURLY.natGateway), "NAT gateway"),
  aws_eip: fixed(monthlyFromHourly(HOURLY.publicIpv4), "public IPv4 address"),
  aws_lb: loadBalancer,
  aws_vpc_endpoint: vpcEndpoint,
  aws_kinesis_stream: kinesis,
  aws_ecs_service: fargateService,
  aws_instance: instance,
  aws_ebs_volume: ebsVolume,
  aws_kms_key: fixed(MONTHLY.kmsKey, "customer managed key"),
  aws_secretsmanager_secret: fixed(MONTHLY.secret, "secret"),
  aws_cloudwatch_metric_alarm: alarm,
  aws_cloudwatch_composite_alarm: fixed(MONTHLY.alarmComposite, "composite alarm"),
  aws_dynamodb_table: dynamoTable,
  aws_service_discovery_private_dns_namespace: fixed(MONTHLY.hostedZone, "private hosted zone"),
  aws_route53_zone: fixed(MONTHLY.hostedZone, "hosted zone"),
  aws_route53_health_check: fixed(MONTHLY.healthCheck, "health check"),
  aws_wafv2_web_acl: webAcl,
  aws_cloudwatch_dashboard: fixed(MONTHLY.dashboard, "dashboard (the account's first 3 are free)"),
};

/**
 * The fixed monthly cost of one resource with the given values (undefined values: the resource
 * does not exist on that side), or undefined when the type has no fixed price.
 */
export function fixedMonthlyCost(
  type: string,
  address: string,
  values: unknown,
  side: "before" | "after",
  unknown: unknown,
  context: CostContext = {},
): FixedCost | undefined {
  const price = FIXED[type];
  if (!price || !isObject(values)) return undefined;
  const cost = price(values, { address, side, unknown: isObject(unknown) ? unknown : {}, context });
  return cost && { ...cost, monthly: round(cost.monthly, 4) };
}
