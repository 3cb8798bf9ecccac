import * as fs from "fs";
import * as path from "path";
import { USAGE, fixedMonthlyCost } from "../../scripts/lib/plan-cost";
import {
  HOURLY,
  INSTANCE_LARGE_HOURLY,
  MONTHLY,
  MONTHLY_PRICES,
  PRICE_TABLE,
  REGION_FACTORS,
  instanceHourly,
  regionFactor,
} from "../../scripts/lib/prices";
import { ReviewPlanJson, renderReview, reviewPlan } from "../../scripts/lib/plan-review";

type Values = Record<string, unknown>;
const monthly = (type: string, values: Values, unknown: Values = {}) => fixedMonthlyCost(type, `${type}.x`, values, "after", unknown);

describe("the price table", () => {
  test("names its region, date and source; a month is 730 hours", () => {
    expect(PRICE_TABLE).toMatchObject({
      region: "us-east-1",
      asOf: expect.stringMatching(/^20\d\d/),
      source: expect.stringContaining("pricing"),
      hoursPerMonth: 730,
    });
  });

  test("the figures residuals prints come from it", () => {
    expect(MONTHLY_PRICES).toMatchObject({
      natGateway: 32.85,
      elasticIp: 3.65,
      interfaceEndpointPerAz: 7.3,
      kinesisShard: 10.95,
      albHour: 16.43,
      kmsKey: 1,
      secret: 0.4,
    });
  });

  test("region factors: us-east-1 is 1, known regions cost the same or more, an unknown region says so", () => {
    expect(regionFactor("us-east-1")).toEqual({ factor: 1 });
    expect(regionFactor("eu-central-1").factor).toBe(REGION_FACTORS["eu-central-1"]);
    for (const f of Object.values(REGION_FACTORS)) expect(f).toBeGreaterThanOrEqual(1);
    expect(regionFactor("mars-north-1")).toEqual({
      factor: 1,
      note: expect.stringContaining("no price factor for mars-north-1: us-east-1 prices shown"),
    });
  });

  test("instance sizes scale linearly from the family's large size; unknown families are not guessed", () => {
    expect(instanceHourly("t4g.nano")).toBe(0.0042);
    expect(instanceHourly("t4g.medium")).toBe(0.0336);
    expect(instanceHourly("m7g.4xlarge")).toBe(round6(INSTANCE_LARGE_HOURLY.m7g * 8));
    expect(instanceHourly("x2gd.large")).toBeUndefined();
    expect(instanceHourly("t4g.metal")).toBeUndefined();
  });

  test("help/costs.md points at the table and quotes its unit prices", () => {
    const help = fs.readFileSync(path.join(__dirname, "..", "..", "help", "costs.md"), "utf8");
    expect(help).toContain("scripts/lib/prices.ts");
    for (const p of [HOURLY.natGateway, HOURLY.interfaceEndpointPerAz, HOURLY.kinesisShard, MONTHLY.gp3PerGiB])
      expect(help).toContain(`$${p}`);
  });
});

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

describe("every priced resource type the stacks use", () => {
  test.each<[string, Values, number, string]>([
    ["aws_nat_gateway", { connectivity_type: "public" }, 32.85, "NAT gateway"],
    ["aws_eip", { domain: "vpc" }, 3.65, "public IPv4 address"],
    [
      "aws_lb",
      { load_balancer_type: "application", internal: false, subnets: ["a", "b"] },
      16.425 + 2 * 3.65,
      "internet-facing ALB + 2 public IPv4",
    ],
    ["aws_lb", { load_balancer_type: "application", internal: true, subnets: ["a", "b"] }, 16.425, "internal ALB"],
    ["aws_vpc_endpoint", { vpc_endpoint_type: "Interface", subnet_ids: ["a", "b"] }, 14.6, "interface endpoint in 2 AZs"],
    ["aws_vpc_endpoint", { vpc_endpoint_type: "Gateway" }, 0, "Gateway endpoint (free)"],
    ["aws_kinesis_stream", { shard_count: 2, stream_mode_details: [{ stream_mode: "PROVISIONED" }] }, 21.9, "2 provisioned shards"],
    ["aws_kinesis_stream", { shard_count: 0, stream_mode_details: [{ stream_mode: "ON_DEMAND" }] }, 29.2, "on-demand stream"],
    [
      "aws_instance",
      { instance_type: "t4g.medium", root_block_device: [{ volume_size: 20, volume_type: "gp3" }] },
      24.528 + 1.6,
      "t4g.medium + 20 GiB gp3 root",
    ],
    [
      "aws_instance",
      { instance_type: "t4g.nano", associate_public_ip_address: true, root_block_device: [{ volume_size: 8, volume_type: "gp3" }] },
      3.066 + 0.64 + 3.65,
      "t4g.nano + 8 GiB gp3 root + public IPv4",
    ],
    ["aws_ebs_volume", { size: 50, type: "gp3", iops: 3000, throughput: 125 }, 4, "50 GiB gp3"],
    ["aws_ebs_volume", { size: 100, type: "gp3", iops: 6000, throughput: 250 }, 8 + 15 + 5, "100 GiB gp3 6000 IOPS 250 MiB/s"],
    ["aws_ebs_volume", { size: 100, type: "io2", iops: 1000 }, 12.5 + 65, "100 GiB io2 1000 IOPS"],
    ["aws_ebs_volume", { size: 100, type: "gp2" }, 10, "100 GiB gp2"],
    ["aws_kms_key", { enable_key_rotation: true }, 1, "customer managed key"],
    ["aws_secretsmanager_secret", { name: "s" }, 0.4, "secret"],
    ["aws_cloudwatch_metric_alarm", { period: 300, metric_name: "CPUUtilization" }, 0.1, "standard alarm"],
    ["aws_cloudwatch_metric_alarm", { period: 10, metric_name: "CPUUtilization" }, 0.3, "high-resolution alarm"],
    [
      "aws_cloudwatch_metric_alarm",
      {
        metric_query: [
          { id: "m1", metric: [{ metric_name: "a", period: 60 }] },
          { id: "e1", expression: "ANOMALY_DETECTION_BAND(m1)" },
        ],
      },
      0.3,
      "anomaly detection alarm",
    ],
    ["aws_dynamodb_table", { billing_mode: "PAY_PER_REQUEST" }, 0, "on-demand table"],
    [
      "aws_dynamodb_table",
      {
        billing_mode: "PROVISIONED",
        read_capacity: 5,
        write_capacity: 5,
        global_secondary_index: [{ read_capacity: 5, write_capacity: 5 }],
      },
      730 * (10 * 0.00013 + 10 * 0.00065),
      "provisioned 10 RCU, 10 WCU (with indexes)",
    ],
    ["aws_service_discovery_private_dns_namespace", { name: "svc.local" }, 0.5, "private hosted zone"],
    ["aws_wafv2_web_acl", { rule: [{}, {}, {}] }, 8, "web ACL with 3 rules"],
  ])("%s %j: $%d", (type, values, expected, basis) => {
    const cost = monthly(type, values);
    expect(cost?.monthly).toBeCloseTo(expected, 2);
    expect(cost?.basis).toBe(basis);
    expect(cost?.unpriced).toBeUndefined();
  });

  test("what the plan does not know yet is named, not guessed", () => {
    expect(monthly("aws_vpc_endpoint", { vpc_endpoint_type: "Interface" }, { subnet_ids: true })?.unpriced).toMatch(
      /AZ count is known after apply/,
    );
    expect(
      monthly("aws_vpc_endpoint", { vpc_endpoint_type: "Interface", subnet_ids: [null, null, null] }, { subnet_ids: [true, true, true] })
        ?.monthly,
    ).toBeCloseTo(21.9, 2);
    expect(monthly("aws_instance", { instance_type: "x9z.large" })?.unpriced).toBe("no price for instance type x9z.large");
    expect(monthly("aws_instance", { instance_type: "t4g.small", root_block_device: [] }, { root_block_device: true })?.unpriced).toMatch(
      /root volume size known after apply/,
    );
    expect(monthly("aws_ebs_volume", { type: "gp3" }, { size: true })?.unpriced).toMatch(/known after apply/);
  });

  test("types with usage-only charges name them; free types have no price at all", () => {
    for (const t of [
      "aws_cloudwatch_log_group",
      "aws_s3_bucket",
      "aws_ecr_repository",
      "aws_efs_file_system",
      "aws_lambda_function",
      "aws_apigatewayv2_api",
      "aws_cloudfront_distribution",
      "aws_nat_gateway",
      "aws_kinesis_stream",
    ]) {
      expect(USAGE[t]).toMatch(/\$|requests|LCU|GB/);
    }
    expect(monthly("aws_cloudwatch_log_group", { retention_in_days: 30 })).toBeUndefined();
    expect(monthly("aws_iam_role", { name: "r" })).toBeUndefined();
    expect(USAGE.aws_iam_role).toBeUndefined();
  });
});

/** A plan around the recorded no-op foundations plan, with extra resource changes and config. */
const base = JSON.parse(
  fs.readFileSync(path.join(__dirname, "..", "fixtures", "plans", "foundations-noop.json"), "utf8"),
) as ReviewPlanJson;
type Rc = NonNullable<ReviewPlanJson["resource_changes"]>[number];
const rc = (address: string, actions: string[], before: Values | null, after: Values | null, extra: Partial<Rc> = {}): Rc => ({
  address,
  type: address.split(".")[0],
  name: address.split(".")[1],
  mode: "managed",
  change: { actions, before, after, after_unknown: {} },
  ...extra,
});
const usEast1 = (
  changes: Rc[],
  configResources: Array<{ address: string; expressions?: Record<string, unknown> }> = [],
): ReviewPlanJson => ({
  ...base,
  resource_changes: changes,
  output_changes: {},
  resource_drift: [],
  configuration: {
    provider_config: { aws: { name: "aws", expressions: { region: { constant_value: "us-east-1" } } } },
    root_module: { resources: configResources },
  },
});

describe("create, change and destroy", () => {
  test("create: +$32.85/month for a NAT gateway, plus usage", () => {
    const review = reviewPlan("core", "f", usEast1([rc("aws_nat_gateway.nat", ["create"], null, { connectivity_type: "public" })]));
    expect(review.resources[0].cost).toMatchObject({ before: undefined, after: 32.85, delta: 32.85, usage: "$0.045/GB processed" });
    const out = renderReview([review]);
    expect(out).toContain("    +$32.85/month aws_nat_gateway.nat (create: NAT gateway)");
    expect(out).toContain("    plus usage, not estimated: aws_nat_gateway ($0.045/GB processed)");
    expect(out).toContain(
      "Cost: +$32.85/month plus usage, fixed $0.00 -> $32.85 a month for 1 stack (us-east-1 list prices of 2025, scripts/lib/prices.ts)",
    );
  });

  test("destroy: -$16.43/month for an internal ALB", () => {
    const review = reviewPlan(
      "core",
      "f",
      usEast1([rc("aws_lb.app", ["delete"], { load_balancer_type: "application", internal: true }, null)]),
    );
    expect(renderReview([review])).toContain("    -$16.43/month aws_lb.app (destroy: internal ALB)");
    expect(review.cost).toMatchObject({ before: 16.43, after: 0, delta: -16.43 });
  });

  test("change of instance type shows the difference and what changed", () => {
    const root = { root_block_device: [{ volume_size: 20, volume_type: "gp3" }] };
    const review = reviewPlan(
      "influx",
      "f",
      usEast1([rc("aws_instance.host", ["update"], { instance_type: "t4g.medium", ...root }, { instance_type: "t4g.large", ...root })]),
    );
    expect(review.resources[0].cost?.delta).toBeCloseTo(24.53, 2);
    expect(renderReview([review])).toContain(
      "    +$24.53/month aws_instance.host (update: t4g.medium + 20 GiB gp3 root -> t4g.large + 20 GiB gp3 root)",
    );
  });

  test("change of volume size, shard count, endpoint AZs and DynamoDB billing mode", () => {
    const review = reviewPlan(
      "s",
      "f",
      usEast1([
        rc("aws_ebs_volume.data", ["update"], { size: 50, type: "gp3" }, { size: 100, type: "gp3" }),
        rc(
          "aws_kinesis_stream.up",
          ["update"],
          { shard_count: 1, stream_mode_details: [{ stream_mode: "PROVISIONED" }] },
          { shard_count: 0, stream_mode_details: [{ stream_mode: "ON_DEMAND" }] },
        ),
        rc(
          "aws_vpc_endpoint.ecr",
          ["update"],
          { vpc_endpoint_type: "Interface", subnet_ids: ["a"] },
          { vpc_endpoint_type: "Interface", subnet_ids: ["a", "b", "c"] },
        ),
        rc(
          "aws_dynamodb_table.t",
          ["update"],
          { billing_mode: "PROVISIONED", read_capacity: 10, write_capacity: 10 },
          { billing_mode: "PAY_PER_REQUEST" },
        ),
      ]),
    );
    const delta = Object.fromEntries(review.resources.map((r) => [r.address, r.cost?.delta]));
    expect(delta).toEqual({
      "aws_ebs_volume.data": 4,
      "aws_kinesis_stream.up": 18.25,
      "aws_vpc_endpoint.ecr": 14.6,
      "aws_dynamodb_table.t": -5.69,
    });
    expect(renderReview([review])).toContain("    +$18.25/month aws_kinesis_stream.up (update: 1 provisioned shard -> on-demand stream)");
  });

  test("Fargate: cpu and memory per task times desired count, through the task definition the config references", () => {
    const td = (cpu: string, memory: string, arch: string) => ({
      cpu,
      memory,
      runtime_platform: [{ cpu_architecture: arch, operating_system_family: "LINUX" }],
    });
    const service = (count: number) => ({
      desired_count: count,
      capacity_provider_strategy: [{ capacity_provider: "FARGATE", weight: 1 }],
    });
    const plan = usEast1(
      [
        rc("aws_ecs_task_definition.ripples", ["delete", "create"], td("512", "1024", "ARM64"), td("1024", "2048", "ARM64")),
        rc("aws_ecs_service.ripples", ["update"], service(1), service(2)),
      ],
      [
        {
          address: "aws_ecs_service.ripples",
          expressions: { task_definition: { references: ["aws_ecs_task_definition.ripples.arn", "aws_ecs_task_definition.ripples"] } },
        },
      ],
    );
    const review = reviewPlan("core", "f", plan);
    const svc = review.resources.find((r) => r.address === "aws_ecs_service.ripples")?.cost;
    const perVcpuGb = (vcpu: number, gb: number) => 730 * (vcpu * HOURLY.fargateArmVcpuHour + gb * HOURLY.fargateArmGbHour);
    expect(svc?.before).toBeCloseTo(perVcpuGb(0.5, 1), 2);
    expect(svc?.after).toBeCloseTo(2 * perVcpuGb(1, 2), 2);
    expect(svc?.basisAfter).toBe("2 x 1 vCPU/2 GB ARM tasks always on");
    // The emulator (and a service on the cluster's default strategy) shows neither launch type nor strategy: still Fargate.
    const onDefault = reviewPlan("core", "f", {
      ...plan,
      resource_changes: [plan.resource_changes![0], rc("aws_ecs_service.ripples", ["update"], { desired_count: 1 }, service(2))],
    });
    expect(onDefault.resources.find((r) => r.address === "aws_ecs_service.ripples")?.cost?.before).toBeCloseTo(perVcpuGb(0.5, 1), 2);
    expect(fixedMonthlyCost("aws_ecs_service", "s", { desired_count: 1, launch_type: "EC2" }, "after", {})).toBeUndefined();
    // The task definition itself costs nothing: its price is the service's.
    expect(review.resources.find((r) => r.address === "aws_ecs_task_definition.ripples")?.cost).toBeUndefined();
  });

  test("a forgotten resource keeps costing: no change", () => {
    const review = reviewPlan("f", "f", usEast1([rc("aws_ebs_volume.data", ["forget"], { size: 50, type: "gp3" }, null)]));
    expect(review.resources[0].cost?.delta).toBe(0);
  });

  test("the region factor applies to every price", () => {
    const plan = usEast1([rc("aws_nat_gateway.nat", ["create"], null, {})]);
    plan.configuration!.provider_config!.aws.expressions!.region!.constant_value = "sa-east-1";
    expect(reviewPlan("core", "f", plan).resources[0].cost?.after).toBeCloseTo(32.85 * REGION_FACTORS["sa-east-1"], 2);
  });
});
