import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { INTERFACE_ENDPOINT_SERVICES } from "../modules/network";
import { KinesisStream } from "../modules/kinesis-stream";
import { StreamLinesRole } from "../modules/iam-role";
import { ROOT, StackJson, configNamed, configWith, dataOf, resourcesOf, scrubbed, synthAll } from "./helpers/synth";

const EFS_ENDPOINTS = path.join(ROOT, "__tests__", "fixtures", "configs", "efs-endpoints.json");

const values = (stack: StackJson, type: string): Array<Record<string, unknown>> => Object.values(resourcesOf(stack, type));

const only = (stack: StackJson, type: string): Record<string, unknown> => {
  const all = values(stack, type);
  expect(all).toHaveLength(1);
  return all[0];
};

/** `${aws_vpc.<id>.<attr>}` for the stack's one VPC. */
const vpcRef = (stack: StackJson, attr: string): string => `\${aws_vpc.${Object.keys(resourcesOf(stack, "aws_vpc"))[0]}.${attr}}`;

const endpointsOfType = (stack: StackJson, type: "Gateway" | "Interface") =>
  values(stack, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === type);

/** The policy document data source behind `${data.aws_iam_policy_document.<id>.json}`. */
const documentBehind = (stack: StackJson, ref: unknown): Array<Record<string, unknown>> => {
  const id = String(ref).match(/data\.aws_iam_policy_document\.([\w-]+)\.json/)![1];
  return dataOf(stack, "aws_iam_policy_document")[id].statement as Array<Record<string, unknown>>;
};

const foundationsOutput = (name: RegExp) => expect.stringMatching(new RegExp(`^\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-foundations\\.outputs\\.${name.source}\\}$`));

describe("core (dev config: nat egress, flow logs, on-demand streams, EBS)", () => {
  let stack: StackJson;
  beforeAll(() => {
    stack = synthAll(configNamed("dev")).stacks.core;
  });

  test("snapshot", () => {
    expect(scrubbed(stack)).toMatchSnapshot();
  });

  test("VPC with DNS support and hostnames, named by convention", () => {
    expect(only(stack, "aws_vpc")).toEqual(
      expect.objectContaining({ cidr_block: "10.40.0.0/16", enable_dns_support: true, enable_dns_hostnames: true, tags: { Name: "streamlines-dev-vpc" } }),
    );
  });

  test("one public and one private subnet in each of the 2 configured AZs", () => {
    const subnets = values(stack, "aws_subnet").map((s) => ({ az: s.availability_zone, cidr: s.cidr_block, tier: (s.tags as Record<string, string>).tier }));
    expect(subnets).toHaveLength(4);
    expect(subnets).toEqual(
      expect.arrayContaining([
        { az: "eu-central-1a", cidr: "10.40.0.0/24", tier: "public" },
        { az: "eu-central-1b", cidr: "10.40.1.0/24", tier: "public" },
        { az: "eu-central-1a", cidr: "10.40.16.0/20", tier: "private" },
        { az: "eu-central-1b", cidr: "10.40.32.0/20", tier: "private" },
      ]),
    );
    for (const s of values(stack, "aws_subnet")) {
      expect(s.vpc_id).toBe(vpcRef(stack, "id"));
      expect(s.map_public_ip_on_launch).not.toBe(true);
    }
  });

  test("public route table routes to the internet gateway, 4 subnet associations", () => {
    const igwId = Object.keys(resourcesOf(stack, "aws_internet_gateway"))[0];
    expect(values(stack, "aws_route")).toContainEqual(
      expect.objectContaining({ destination_cidr_block: "0.0.0.0/0", gateway_id: `\${aws_internet_gateway.${igwId}.id}` }),
    );
    expect(values(stack, "aws_route_table")).toHaveLength(3);
    expect(values(stack, "aws_route_table_association")).toHaveLength(4);
  });

  test("nat mode: exactly one NAT gateway with its EIP in the first public subnet, both private tables route to it", () => {
    const [natId, nat] = Object.entries(resourcesOf(stack, "aws_nat_gateway"))[0];
    expect(values(stack, "aws_nat_gateway")).toHaveLength(1);
    const eipId = Object.keys(resourcesOf(stack, "aws_eip"))[0];
    expect(values(stack, "aws_eip")).toEqual([expect.objectContaining({ domain: "vpc" })]);
    const publicA = Object.entries(resourcesOf(stack, "aws_subnet")).find(([, s]) => s.cidr_block === "10.40.0.0/24")![0];
    expect(nat).toMatchObject({ allocation_id: `\${aws_eip.${eipId}.allocation_id}`, subnet_id: `\${aws_subnet.${publicA}.id}` });
    const natRoutes = values(stack, "aws_route").filter((r) => r.nat_gateway_id === `\${aws_nat_gateway.${natId}.id}`);
    expect(natRoutes.map((r) => r.destination_cidr_block)).toEqual(["0.0.0.0/0", "0.0.0.0/0"]);
    expect(new Set(natRoutes.map((r) => r.route_table_id)).size).toBe(2);
  });

  test("nat mode: no interface endpoints, no endpoint security group; S3 and DynamoDB gateway endpoints on both private tables", () => {
    expect(endpointsOfType(stack, "Interface")).toHaveLength(0);
    expect(values(stack, "aws_security_group")).toHaveLength(0);
    const gateways = endpointsOfType(stack, "Gateway");
    expect(gateways.map((g) => g.service_name).sort()).toEqual(["com.amazonaws.eu-central-1.dynamodb", "com.amazonaws.eu-central-1.s3"]);
    const privateTables = Object.entries(resourcesOf(stack, "aws_route_table"))
      .filter(([, t]) => String((t.tags as Record<string, string>).Name).includes("private"))
      .map(([id]) => `\${aws_route_table.${id}.id}`);
    expect(privateTables).toHaveLength(2);
    for (const g of gateways) expect(g.route_table_ids).toEqual(privateTables);
  });

  test("the VPC's default security group is managed with no rules at all", () => {
    const sg = only(stack, "aws_default_security_group");
    expect(sg.vpc_id).toBe(vpcRef(stack, "id"));
    expect(sg).not.toHaveProperty("ingress");
    expect(sg).not.toHaveProperty("egress");
  });

  test("flow logs: all traffic to a KMS-encrypted log group with the configured retention", () => {
    const groupId = Object.keys(resourcesOf(stack, "aws_cloudwatch_log_group"))[0];
    expect(only(stack, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/streamlines/dev/vpc-flow-logs",
      retention_in_days: 30,
      kms_key_id: foundationsOutput(/cross-stack-output-aws_kms_key[\w-]+arn/),
    });
    const roleId = Object.keys(resourcesOf(stack, "aws_iam_role"))[0];
    expect(only(stack, "aws_flow_log")).toMatchObject({
      vpc_id: vpcRef(stack, "id"),
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
      log_destination: `\${aws_cloudwatch_log_group.${groupId}.arn}`,
      iam_role_arn: `\${aws_iam_role.${roleId}.arn}`,
    });
  });

  test("flow log role: trusted by vpc-flow-logs for this account only, may write to its log group only", () => {
    const role = only(stack, "aws_iam_role");
    expect(role.name).toBe("streamlines-dev-vpc-flow-logs");
    const [trust] = documentBehind(stack, role.assume_role_policy);
    expect(trust.principals).toEqual([{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }]);
    expect(trust.condition).toEqual(
      expect.arrayContaining([
        { test: "StringEquals", variable: "aws:SourceAccount", values: [expect.stringMatching(/^\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}$/)] },
        { test: "ArnLike", variable: "aws:SourceArn", values: [expect.stringMatching(/:ec2:eu-central-1:\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}:vpc-flow-log\/\*$/)] },
      ]),
    );
    const groupArn = `\${aws_cloudwatch_log_group.${Object.keys(resourcesOf(stack, "aws_cloudwatch_log_group"))[0]}.arn}`;
    const statements = documentBehind(stack, only(stack, "aws_iam_role_policy").policy);
    expect(statements).toEqual([
      expect.objectContaining({
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        resources: [groupArn, `${groupArn}:log-stream:*`],
      }),
    ]);
  });

  test("ECS cluster <app>-<env> with container insights, FARGATE and FARGATE_SPOT, FARGATE by default", () => {
    const [clusterId, cluster] = Object.entries(resourcesOf(stack, "aws_ecs_cluster"))[0];
    expect(cluster).toMatchObject({ name: "streamlines-dev", setting: [{ name: "containerInsights", value: "enabled" }] });
    expect(only(stack, "aws_ecs_cluster_capacity_providers")).toMatchObject({
      cluster_name: `\${aws_ecs_cluster.${clusterId}.name}`,
      capacity_providers: ["FARGATE", "FARGATE_SPOT"],
      default_capacity_provider_strategy: [{ capacity_provider: "FARGATE", weight: 1, base: 0 }],
    });
  });

  test("Cloud Map private DNS namespace <app>-<env>.internal on the VPC", () => {
    expect(only(stack, "aws_service_discovery_private_dns_namespace")).toMatchObject({ name: "streamlines-dev.internal", vpc: vpcRef(stack, "id") });
  });

  test("on-demand streams: named by convention, no shard_count, retention, KMS with the foundations key", () => {
    const streams = values(stack, "aws_kinesis_stream");
    expect(streams.map((s) => s.name).sort()).toEqual(["streamlines-dev-downstream", "streamlines-dev-upstream"]);
    for (const s of streams) {
      expect(s).toMatchObject({
        stream_mode_details: { stream_mode: "ON_DEMAND" },
        retention_period: 24,
        encryption_type: "KMS",
        kms_key_id: foundationsOutput(/cross-stack-output-aws_kms_key[\w-]+arn/),
      });
      expect(s).not.toHaveProperty("shard_count");
    }
  });

  test("no EFS mount targets with EBS storage", () => {
    expect(values(stack, "aws_efs_mount_target")).toHaveLength(0);
  });

  test("outputs for later stacks and operators", () => {
    expect(Object.keys(stack.output ?? {}).sort()).toEqual([
      "cluster_name", "downstream_stream_name", "namespace_name", "private_subnet_ids", "public_subnet_ids", "upstream_stream_name", "vpc_cidr", "vpc_id",
    ]);
    expect(stack.output!.vpc_id).toEqual({ value: vpcRef(stack, "id") });
  });
});

describe("core (efs-endpoints fixture: endpoints egress, no flow logs, provisioned streams, EFS)", () => {
  let stack: StackJson;
  beforeAll(() => {
    stack = synthAll(configNamed(EFS_ENDPOINTS)).stacks.core;
  });

  test("endpoints mode: no NAT gateway, no EIP, no private default route", () => {
    expect(values(stack, "aws_nat_gateway")).toHaveLength(0);
    expect(values(stack, "aws_eip")).toHaveLength(0);
    // Only the public table's route to the internet gateway.
    expect(values(stack, "aws_route")).toEqual([expect.objectContaining({ destination_cidr_block: "0.0.0.0/0", gateway_id: expect.stringMatching(/^\$\{aws_internet_gateway\./) })]);
  });

  test("endpoints mode: 9 interface endpoints with private DNS in both private subnets, plus 2 gateway endpoints", () => {
    const interfaces = endpointsOfType(stack, "Interface");
    expect(interfaces.map((e) => e.service_name).sort()).toEqual(
      ["ec2messages", "ecr.api", "ecr.dkr", "kinesis-streams", "logs", "secretsmanager", "ssm", "ssmmessages", "sts"].map((s) => `com.amazonaws.us-west-2.${s}`),
    );
    expect(INTERFACE_ENDPOINT_SERVICES).toHaveLength(9);
    const privateSubnets = Object.entries(resourcesOf(stack, "aws_subnet"))
      .filter(([, s]) => (s.tags as Record<string, string>).tier === "private")
      .map(([id]) => `\${aws_subnet.${id}.id}`);
    expect(privateSubnets).toHaveLength(2);
    const endpointSg = Object.entries(resourcesOf(stack, "aws_security_group")).find(([, g]) => g.name === "streamlines-var-vpc-endpoints")![0];
    for (const e of interfaces) {
      expect(e).toMatchObject({ private_dns_enabled: true, subnet_ids: privateSubnets, security_group_ids: [`\${aws_security_group.${endpointSg}.id}`] });
    }
    expect(endpointsOfType(stack, "Gateway").map((e) => e.service_name).sort()).toEqual(["com.amazonaws.us-west-2.dynamodb", "com.amazonaws.us-west-2.s3"]);
  });

  test("endpoint security group admits 443 from the VPC CIDR only, and has no inline rules", () => {
    const [sgId, sg] = Object.entries(resourcesOf(stack, "aws_security_group")).find(([, g]) => g.name === "streamlines-var-vpc-endpoints")!;
    expect(sg).not.toHaveProperty("ingress");
    expect(sg).not.toHaveProperty("egress");
    const rules = values(stack, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === `\${aws_security_group.${sgId}.id}`);
    expect(rules).toEqual([expect.objectContaining({ ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: vpcRef(stack, "cidr_block") })]);
    expect(values(stack, "aws_vpc_security_group_egress_rule")).toHaveLength(0);
  });

  test("no security group ingress from anywhere", () => {
    for (const r of values(stack, "aws_vpc_security_group_ingress_rule")) {
      expect(r.cidr_ipv4).toBe(vpcRef(stack, "cidr_block"));
      expect(r).not.toHaveProperty("cidr_ipv6");
    }
    expect(values(stack, "aws_security_group_rule")).toHaveLength(0);
  });

  test("flow logs off: no flow log, log group or role", () => {
    expect(values(stack, "aws_flow_log")).toHaveLength(0);
    expect(values(stack, "aws_cloudwatch_log_group")).toHaveLength(0);
    expect(values(stack, "aws_iam_role")).toHaveLength(0);
  });

  test("provisioned streams carry shard_count and their retention", () => {
    const byName = Object.fromEntries(values(stack, "aws_kinesis_stream").map((s) => [s.name, s]));
    expect(byName["streamlines-var-upstream"]).toMatchObject({ stream_mode_details: { stream_mode: "PROVISIONED" }, shard_count: 2, retention_period: 48, encryption_type: "KMS" });
    expect(byName["streamlines-var-downstream"]).toMatchObject({ stream_mode_details: { stream_mode: "PROVISIONED" }, shard_count: 1, retention_period: 24, encryption_type: "KMS" });
  });

  test("EFS: a mount target in each private subnet for the foundations file system, behind an NFS-from-VPC group", () => {
    const [sgId, sg] = Object.entries(resourcesOf(stack, "aws_security_group")).find(([, g]) => g.name === "streamlines-var-influx-efs")!;
    expect(sg.vpc_id).toBe(vpcRef(stack, "id"));
    expect(values(stack, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === `\${aws_security_group.${sgId}.id}`)).toEqual([
      expect.objectContaining({ ip_protocol: "tcp", from_port: 2049, to_port: 2049, cidr_ipv4: vpcRef(stack, "cidr_block") }),
    ]);
    const privateSubnets = Object.entries(resourcesOf(stack, "aws_subnet"))
      .filter(([, s]) => (s.tags as Record<string, string>).tier === "private")
      .map(([id]) => `\${aws_subnet.${id}.id}`);
    const mounts = values(stack, "aws_efs_mount_target");
    expect(mounts.map((m) => m.subnet_id).sort()).toEqual([...privateSubnets].sort());
    for (const m of mounts) {
      expect(m).toMatchObject({
        file_system_id: foundationsOutput(/cross-stack-output-aws_efs_file_system[\w-]+id/),
        security_groups: [`\${aws_security_group.${sgId}.id}`],
      });
    }
  });
});

describe("core (dev config, backend-only profile)", () => {
  let stack: StackJson;
  beforeAll(() => {
    stack = synthAll(configWith("dev", { profile: "backend-only" })).stacks.core;
  });

  test("upstream only: backend-only has no results path, so no downstream stream", () => {
    expect(values(stack, "aws_kinesis_stream").map((s) => s.name)).toEqual(["streamlines-dev-upstream"]);
    expect(stack.output).not.toHaveProperty("downstream_stream_name");
  });
});

describe("KinesisStream grants", () => {
  let statements: Array<Record<string, unknown>>;
  beforeAll(() => {
    const app = Testing.app();
    const scope = new TerraformStack(app, "grants");
    const stream = new KinesisStream(scope, "stream", { name: "s", mode: "ON_DEMAND", retentionHours: 24, kmsKeyArn: "arn:aws:kms:eu-central-1:111122223333:key/k" });
    const reader = new StreamLinesRole(scope, "reader", { name: "reader", assumedBy: ["ecs-tasks.amazonaws.com"] });
    const writer = new StreamLinesRole(scope, "writer", { name: "writer", assumedBy: ["ecs-tasks.amazonaws.com"] });
    stream.grantRead(reader);
    stream.grantWrite(writer);
    const json = JSON.parse(Testing.synth(scope)) as StackJson;
    const policies = Object.values(resourcesOf(json, "aws_iam_role_policy"));
    statements = policies.flatMap((p) =>
      documentBehind(json, p.policy).map((s) => ({ role: String(p.name), actions: s.actions, resources: s.resources })),
    );
  });

  const streamArn = expect.stringMatching(/^\$\{aws_kinesis_stream\.[\w-]+\.arn\}$/);

  test("read: stream and its consumers only, decrypt with the stream key only", () => {
    expect(statements.filter((s) => s.role === "reader-policy")).toEqual([
      { role: "reader-policy", actions: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"], resources: [streamArn] },
      { role: "reader-policy", actions: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"], resources: [expect.stringMatching(/\.arn\}\/consumer\/\*$/)] },
      { role: "reader-policy", actions: ["kms:Decrypt"], resources: ["arn:aws:kms:eu-central-1:111122223333:key/k"] },
    ]);
  });

  test("write: put records on the stream only, data keys from the stream key only", () => {
    expect(statements.filter((s) => s.role === "writer-policy")).toEqual([
      { role: "writer-policy", actions: ["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"], resources: [streamArn] },
      { role: "writer-policy", actions: ["kms:GenerateDataKey"], resources: ["arn:aws:kms:eu-central-1:111122223333:key/k"] },
    ]);
  });

  test("shard count must match the mode", () => {
    const scope = new TerraformStack(Testing.app(), "bad");
    expect(() => new KinesisStream(scope, "a", { name: "a", mode: "ON_DEMAND", shardCount: 1, retentionHours: 24, kmsKeyArn: "k" })).toThrow(/shardCount/);
    expect(() => new KinesisStream(scope, "b", { name: "b", mode: "PROVISIONED", retentionHours: 24, kmsKeyArn: "k" })).toThrow(/shardCount/);
  });
});
