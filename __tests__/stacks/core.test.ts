import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { buildStacks } from "../../stacks/app";
import { namespaceNameOf } from "../../stacks/core-services";
import { INTERFACE_ENDPOINT_SERVICES } from "../../modules/network";
import { ROOT, StackJson, configNamed, configWith, dataOf, resourcesOf, scrubbed, synthAll } from "../helpers/synth";
import { documentBehind, grants, ref, remote, roleStatements, values } from "../helpers/stack-json";

const EFS_ENDPOINTS = path.join(ROOT, "__tests__", "fixtures", "configs", "efs-endpoints.json");

const only = (stack: StackJson, type: string): Record<string, unknown> => {
  const all = values(stack, type);
  expect(all).toHaveLength(1);
  return all[0];
};

/** `${aws_vpc.<id>.<attr>}` for the stack's one VPC. */
const vpcRef = (stack: StackJson, attr: string): string => `\${aws_vpc.${Object.keys(resourcesOf(stack, "aws_vpc"))[0]}.${attr}}`;

const endpointsOfType = (stack: StackJson, type: "Gateway" | "Interface") =>
  values(stack, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === type);

const foundationsOutput = (name: RegExp) =>
  expect.stringMatching(
    new RegExp(`^\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-foundations\\.outputs\\.${name.source}\\}$`),
  );

/** Target groups are named by AWS from a prefix; the Name tag carries `<app>-<env>-<component>`. */
const tgName = (t: Record<string, unknown>) => (t.tags as Record<string, string> | undefined)?.Name;

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
      expect.objectContaining({
        cidr_block: "10.40.0.0/16",
        enable_dns_support: true,
        enable_dns_hostnames: true,
        tags: { Name: "streamlines-dev-vpc" },
      }),
    );
  });

  test("one public and one private subnet in each of the 2 configured AZs", () => {
    const subnets = values(stack, "aws_subnet").map((s) => ({
      az: s.availability_zone,
      cidr: s.cidr_block,
      tier: (s.tags as Record<string, string>).tier,
    }));
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
    expect(values(stack, "aws_security_group").map((g) => g.name)).not.toContain("streamlines-dev-vpc-endpoints");
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
    const [groupId, group] = Object.entries(resourcesOf(stack, "aws_cloudwatch_log_group")).find(
      ([, g]) => g.name === "/streamlines/dev/vpc-flow-logs",
    )!;
    expect(group).toMatchObject({
      name: "/streamlines/dev/vpc-flow-logs",
      retention_in_days: 30,
      kms_key_id: foundationsOutput(/cross-stack-output-aws_kms_key[\w-]+arn/),
    });
    const roleId = Object.entries(resourcesOf(stack, "aws_iam_role")).find(([, r]) => r.name === "streamlines-dev-vpc-flow-logs")![0];
    expect(only(stack, "aws_flow_log")).toMatchObject({
      vpc_id: vpcRef(stack, "id"),
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
      log_destination: `\${aws_cloudwatch_log_group.${groupId}.arn}`,
      iam_role_arn: `\${aws_iam_role.${roleId}.arn}`,
    });
  });

  test("flow log role: trusted by vpc-flow-logs for this account only, may write to its log group only", () => {
    const role = values(stack, "aws_iam_role").find((r) => r.name === "streamlines-dev-vpc-flow-logs")!;
    expect(role).toBeDefined();
    const [trust] = documentBehind(stack, role.assume_role_policy);
    expect(trust.principals).toEqual([{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }]);
    expect(trust.condition).toEqual(
      expect.arrayContaining([
        {
          test: "StringEquals",
          variable: "aws:SourceAccount",
          values: [expect.stringMatching(/^\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}$/)],
        },
        {
          test: "ArnLike",
          variable: "aws:SourceArn",
          values: [expect.stringMatching(/:ec2:eu-central-1:\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}:vpc-flow-log\/\*$/)],
        },
      ]),
    );
    const groupId = Object.entries(resourcesOf(stack, "aws_cloudwatch_log_group")).find(
      ([, g]) => g.name === "/streamlines/dev/vpc-flow-logs",
    )![0];
    const groupArn = `\${aws_cloudwatch_log_group.${groupId}.arn}`;
    const policy = values(stack, "aws_iam_role_policy").find((p) => p.name === "streamlines-dev-vpc-flow-logs-policy")!;
    const statements = documentBehind(stack, policy.policy);
    expect(statements).toEqual([
      expect.objectContaining({
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        resources: [groupArn, `${groupArn}:log-stream:*`],
      }),
      // AWS's documented minimum for a flow logs role includes DescribeLogGroups.
      expect.objectContaining({
        effect: "Allow",
        actions: ["logs:DescribeLogGroups"],
        resources: [
          expect.stringMatching(
            /^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:logs:eu-central-1:\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}:log-group:\*$/,
          ),
        ],
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
    expect(only(stack, "aws_service_discovery_private_dns_namespace")).toMatchObject({
      name: "streamlines-dev.internal",
      vpc: vpcRef(stack, "id"),
    });
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

  test("outputs for later stacks and operators (cdktf adds the cross-stack ones the influx stack reads)", () => {
    expect(
      Object.keys(stack.output ?? {})
        .filter((o) => !o.startsWith("cross-stack-output-"))
        .sort(),
    ).toEqual([
      "alarm_topic_arn",
      "cluster_name",
      "downstream_stream_name",
      "load_balancer_dns_name",
      "namespace_name",
      "private_subnet_ids",
      "public_subnet_ids",
      "results_pusher_dlq_url",
      "service_names",
      "upstream_stream_name",
      "url",
      "vpc_cidr",
      "vpc_id",
      "websocket_url",
    ]);
    expect(stack.output!.vpc_id).toEqual({ value: vpcRef(stack, "id") });
  });
});

describe("core (efs-endpoints fixture: nat-and-endpoints egress, no flow logs, provisioned streams, EFS)", () => {
  let stack: StackJson;
  beforeAll(() => {
    stack = synthAll(configNamed(EFS_ENDPOINTS)).stacks.core;
  });

  test("nat-and-endpoints mode: the NAT still routes both private tables to the internet (ingest's market-data WebSocket)", () => {
    const natId = Object.keys(resourcesOf(stack, "aws_nat_gateway"))[0];
    expect(values(stack, "aws_nat_gateway")).toHaveLength(1);
    expect(values(stack, "aws_route").filter((r) => r.nat_gateway_id === `\${aws_nat_gateway.${natId}.id}`)).toHaveLength(2);
  });

  test("nat-and-endpoints mode: 9 interface endpoints with private DNS in both private subnets, plus 2 gateway endpoints", () => {
    const interfaces = endpointsOfType(stack, "Interface");
    expect(interfaces.map((e) => e.service_name).sort()).toEqual(
      ["ec2messages", "ecr.api", "ecr.dkr", "kinesis-streams", "logs", "secretsmanager", "ssm", "ssmmessages", "sts"].map(
        (s) => `com.amazonaws.us-west-2.${s}`,
      ),
    );
    expect(INTERFACE_ENDPOINT_SERVICES).toHaveLength(9);
    const privateSubnets = Object.entries(resourcesOf(stack, "aws_subnet"))
      .filter(([, s]) => (s.tags as Record<string, string>).tier === "private")
      .map(([id]) => `\${aws_subnet.${id}.id}`);
    expect(privateSubnets).toHaveLength(2);
    const endpointSg = Object.entries(resourcesOf(stack, "aws_security_group")).find(
      ([, g]) => g.name === "streamlines-var-vpc-endpoints",
    )![0];
    for (const e of interfaces) {
      expect(e).toMatchObject({
        private_dns_enabled: true,
        subnet_ids: privateSubnets,
        security_group_ids: [`\${aws_security_group.${endpointSg}.id}`],
      });
    }
    expect(
      endpointsOfType(stack, "Gateway")
        .map((e) => e.service_name)
        .sort(),
    ).toEqual(["com.amazonaws.us-west-2.dynamodb", "com.amazonaws.us-west-2.s3"]);
  });

  test("endpoint security group admits 443 from the VPC CIDR only, and has no inline rules", () => {
    const [sgId, sg] = Object.entries(resourcesOf(stack, "aws_security_group")).find(
      ([, g]) => g.name === "streamlines-var-vpc-endpoints",
    )!;
    expect(sg).not.toHaveProperty("ingress");
    expect(sg).not.toHaveProperty("egress");
    const rules = values(stack, "aws_vpc_security_group_ingress_rule").filter(
      (r) => r.security_group_id === `\${aws_security_group.${sgId}.id}`,
    );
    expect(rules).toEqual([
      expect.objectContaining({ ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: vpcRef(stack, "cidr_block") }),
    ]);
    expect(
      values(stack, "aws_vpc_security_group_egress_rule").filter((r) => r.security_group_id === `\${aws_security_group.${sgId}.id}`),
    ).toHaveLength(0);
  });

  test("no security group ingress from anywhere but the ALB's 80 and 443; the rest from the VPC or a security group", () => {
    const albSg = `\${aws_security_group.${Object.entries(resourcesOf(stack, "aws_security_group")).find(([, g]) => g.name === "streamlines-var-alb")![0]}.id}`;
    // The EFS mount targets admit NFS from InfluxDB's group.
    const influxSg = `\${aws_security_group.${Object.entries(resourcesOf(stack, "aws_security_group")).find(([, g]) => g.name === "streamlines-var-influxdb")![0]}.id}`;
    for (const r of values(stack, "aws_vpc_security_group_ingress_rule")) {
      expect(r).not.toHaveProperty("cidr_ipv6");
      if (r.cidr_ipv4 === "0.0.0.0/0")
        expect([r.security_group_id, [80, 443].includes(r.from_port as number), r.to_port]).toEqual([albSg, true, r.from_port]);
      else if (r.cidr_ipv4 !== undefined) expect(r.cidr_ipv4).toBe(vpcRef(stack, "cidr_block"));
      else expect([albSg, influxSg]).toContain(r.referenced_security_group_id);
    }
    expect(values(stack, "aws_security_group_rule")).toHaveLength(0);
  });

  test("flow logs off: no flow log, log group or role", () => {
    expect(values(stack, "aws_flow_log")).toHaveLength(0);
    expect(values(stack, "aws_cloudwatch_log_group").map((g) => g.name)).not.toContain("/streamlines/var/vpc-flow-logs");
    expect(values(stack, "aws_iam_role").map((r) => r.name)).not.toContain("streamlines-var-vpc-flow-logs");
  });

  test("provisioned streams carry shard_count and their retention", () => {
    const byName = Object.fromEntries(values(stack, "aws_kinesis_stream").map((s) => [s.name, s]));
    expect(byName["streamlines-var-upstream"]).toMatchObject({
      stream_mode_details: { stream_mode: "PROVISIONED" },
      shard_count: 2,
      retention_period: 48,
      encryption_type: "KMS",
    });
    expect(byName["streamlines-var-downstream"]).toMatchObject({
      stream_mode_details: { stream_mode: "PROVISIONED" },
      shard_count: 1,
      retention_period: 24,
      encryption_type: "KMS",
    });
  });

  test("EFS: a mount target in each private subnet for the foundations file system, behind a group that admits NFS from InfluxDB's group only", () => {
    const [sgId, sg] = Object.entries(resourcesOf(stack, "aws_security_group")).find(
      ([, g]) => g.name === "streamlines-var-influx-efs-mounts",
    )!;
    const influxId = Object.entries(resourcesOf(stack, "aws_security_group")).find(([, g]) => g.name === "streamlines-var-influxdb")![0];
    expect(sg.vpc_id).toBe(vpcRef(stack, "id"));
    const ingress = values(stack, "aws_vpc_security_group_ingress_rule").filter(
      (r) => r.security_group_id === `\${aws_security_group.${sgId}.id}`,
    );
    expect(ingress).toEqual([
      expect.objectContaining({
        ip_protocol: "tcp",
        from_port: 2049,
        to_port: 2049,
        referenced_security_group_id: `\${aws_security_group.${influxId}.id}`,
      }),
    ]);
    expect(ingress[0]).not.toHaveProperty("cidr_ipv4");
    expect(
      values(stack, "aws_vpc_security_group_egress_rule").filter((r) => r.security_group_id === `\${aws_security_group.${sgId}.id}`),
    ).toEqual([]);
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
    stack = synthAll(configWith("dev", { profile: "backend-only", edge: { enabled: false }, grafana: { image: { tag: "11.3.0" } } })).stacks
      .core;
  });

  test("both streams: ripples at e410d43 always writes its results downstream, though nothing reads them here", () => {
    expect(
      values(stack, "aws_kinesis_stream")
        .map((s) => s.name)
        .sort(),
    ).toEqual(["streamlines-dev-downstream", "streamlines-dev-upstream"]);
    expect(stack.output).toHaveProperty("downstream_stream_name");
  });
});

// ---------------------------------------------------------------- the app: services, ALB, schedule, alarms

const BACKEND_ONLY = path.join(ROOT, "__tests__", "fixtures", "configs", "backend-only.json");

type Container = {
  name: string;
  image: string;
  environment: Array<{ name: string; value: string }>;
  secrets: Array<{ name: string; valueFrom: string }>;
  portMappings?: Array<{ containerPort: number; protocol: string }>;
  logConfiguration: { logDriver: string; options: Record<string, string> };
  linuxParameters?: { initProcessEnabled: boolean };
};

const taskDefinition = (stack: StackJson, service: string) =>
  values(stack, "aws_ecs_task_definition").find((t) => t.family === `${service}`)!;
const container = (stack: StackJson, service: string): Container =>
  JSON.parse(String(taskDefinition(stack, service).container_definitions))[0];
const env = (stack: StackJson, service: string) => Object.fromEntries(container(stack, service).environment.map((e) => [e.name, e.value]));
const ecsService = (stack: StackJson, name: string) => values(stack, "aws_ecs_service").find((s) => s.name === name)!;

describe("core app (dev config, full profile: HTTP-only ALB with access logs, autoscaling, schedule, email alarms)", () => {
  let stack: StackJson;
  let upstream: string;
  let downstream: string;
  let key: string;
  let artifacts: string;
  beforeAll(() => {
    stack = synthAll(configNamed("dev")).stacks.core;
    upstream = ref(stack, "aws_kinesis_stream", (s) => s.name === "streamlines-dev-upstream", "arn");
    downstream = ref(stack, "aws_kinesis_stream", (s) => s.name === "streamlines-dev-downstream", "arn");
    key = String(values(stack, "aws_kinesis_stream")[0].kms_key_id);
    artifacts = remote(stack, "aws_s3_bucketartifacts_bucket", "arn");
  });

  test("four services named <app>-<env>-<service> on the cluster", () => {
    expect(
      values(stack, "aws_ecs_service")
        .map((s) => s.name)
        .sort(),
    ).toEqual(["streamlines-dev-backend", "streamlines-dev-dashboard", "streamlines-dev-ingest", "streamlines-dev-ripples"]);
    for (const s of values(stack, "aws_ecs_service")) expect(s.cluster).toBe("${aws_ecs_cluster.cluster.arn}");
  });

  describe("task roles allow exactly their row of the table", () => {
    test("ingest: put records on upstream (and the data key Kinesis asks KMS for)", () => {
      expect(grants(stack, "streamlines-dev-ingest-task")).toEqual(
        [
          ...["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"].map(
            (a) => `${a} on ${upstream}`,
          ),
          `kms:GenerateDataKey on ${key}`,
        ].sort(),
      );
    });

    test("ripples: read upstream by polling (its FlinkKinesisConsumer's default), put on downstream, read/write the flink/ prefix of the artifacts bucket", () => {
      expect(grants(stack, "streamlines-dev-ripples-task")).toEqual(
        [
          ...[
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:ListShards",
          ].map((a) => `${a} on ${upstream}`),
          ...["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"].map(
            (a) => `${a} on ${downstream}`,
          ),
          ...["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"].map(
            (a) => `${a} on ${artifacts}/flink/*`,
          ),
          `s3:ListBucket on ${artifacts}`,
          `kms:Decrypt on ${key}`,
          `kms:GenerateDataKey on ${key}`,
        ].sort(),
      );
      const list = roleStatements(stack, "streamlines-dev-ripples-task").find((s) => s.actions.includes("s3:ListBucket"))!;
      expect(list.condition).toEqual([{ test: "StringLike", variable: "s3:prefix", values: ["flink/*"] }]);
    });

    test("backend and dashboard: nothing at all (backend's token arrives as a secret through the execution role)", () => {
      expect(grants(stack, "streamlines-dev-backend-task")).toEqual([]);
      expect(grants(stack, "streamlines-dev-dashboard-task")).toEqual([]);
      const policies = values(stack, "aws_iam_role_policy").map((p) => p.name);
      expect(policies).not.toContain("streamlines-dev-backend-task-policy");
      expect(policies).not.toContain("streamlines-dev-dashboard-task-policy");
    });

    test("task roles trust ECS tasks of this account only", () => {
      for (const service of ["ingest", "ripples", "backend", "dashboard"]) {
        const role = values(stack, "aws_iam_role").find((r) => r.name === `streamlines-dev-${service}-task`)!;
        const [trust] = documentBehind(stack, role.assume_role_policy);
        expect(trust.principals).toEqual([{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }]);
        expect(trust.condition).toEqual([
          {
            test: "StringEquals",
            variable: "aws:SourceAccount",
            values: [expect.stringMatching(/^\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}$/)],
          },
          {
            test: "ArnLike",
            variable: "aws:SourceArn",
            values: [expect.stringMatching(/:ecs:eu-central-1:\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}:\*$/)],
          },
        ]);
      }
    });
  });

  describe("execution roles: pull only their own image, write only their own logs, read only their own secrets", () => {
    const SECRETS: Record<string, string[]> = {
      ingest: ["secret-market-data-api"],
      ripples: ["secret-influx-write-token"],
      backend: ["secret-influx-read-token"],
      dashboard: [],
    };
    test.each(Object.keys(SECRETS))("%s", (service) => {
      const repo = remote(stack, `aws_ecr_repositoryecr-${service}_repository`, "arn");
      const logGroup = ref(stack, "aws_cloudwatch_log_group", (g) => g.name === `/streamlines/dev/ecs/${service}`, "arn");
      const secretArns = SECRETS[service].map((s) => remote(stack, `aws_secretsmanager_secret${s}_secret`, "arn"));
      expect(grants(stack, `streamlines-dev-${service}-execution`)).toEqual(
        [
          ...["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"].map((a) => `${a} on ${repo}`),
          "ecr:GetAuthorizationToken on *",
          ...["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"].flatMap((a) => [
            `${a} on ${logGroup}`,
            `${a} on ${logGroup}:log-stream:*`,
          ]),
          ...secretArns.flatMap((arn) => [
            `secretsmanager:GetSecretValue on ${arn}`,
            `secretsmanager:DescribeSecret on ${arn}`,
            `kms:Decrypt on ${key}`,
          ]),
        ].sort(),
      );
    });
  });

  describe("task definitions", () => {
    const TABLE: Array<[string, string, string, string]> = [
      ["ingest", "X86_64", "256", "512"],
      ["ripples", "ARM64", "512", "1024"],
      ["backend", "X86_64", "256", "512"],
      ["dashboard", "ARM64", "256", "512"],
    ];
    test.each(TABLE)("%s: %s, %s CPU / %s MiB, Fargate awsvpc, both roles, awslogs to its own log group", (service, arch, cpu, memory) => {
      const td = taskDefinition(stack, `streamlines-dev-${service}`);
      expect(td).toMatchObject({
        cpu,
        memory,
        network_mode: "awsvpc",
        requires_compatibilities: ["FARGATE"],
        runtime_platform: { operating_system_family: "LINUX", cpu_architecture: arch },
        execution_role_arn: ref(stack, "aws_iam_role", (r) => r.name === `streamlines-dev-${service}-execution`, "arn"),
        task_role_arn: ref(stack, "aws_iam_role", (r) => r.name === `streamlines-dev-${service}-task`, "arn"),
      });
      const c = container(stack, `streamlines-dev-${service}`);
      expect(c.logConfiguration).toEqual({
        logDriver: "awslogs",
        options: {
          "awslogs-group": ref(stack, "aws_cloudwatch_log_group", (g) => g.name === `/streamlines/dev/ecs/${service}`, "name"),
          "awslogs-region": "eu-central-1",
          "awslogs-stream-prefix": service,
        },
      });
    });

    test("log groups: Terraform-owned, KMS-encrypted, with the configured retention", () => {
      for (const service of ["ingest", "ripples", "backend", "dashboard"]) {
        expect(values(stack, "aws_cloudwatch_log_group").find((g) => g.name === `/streamlines/dev/ecs/${service}`)).toMatchObject({
          retention_in_days: 30,
          kms_key_id: key,
        });
      }
    });

    test("images are <ECR repo url>:<pinned tag> of each service's own repository", () => {
      for (const service of ["ingest", "ripples", "backend", "dashboard"]) {
        expect(container(stack, `streamlines-dev-${service}`).image).toBe(
          `${remote(stack, `aws_ecr_repositoryecr-${service}_repository`, "repository_url")}:1.0.0`,
        );
      }
    });

    test("environment variable names are the ones the app reads at e410d43 (config/app-contract.ts), per service", () => {
      // TOP_TICKERS_API is the operator's: dev leaves it unset (synth warns, deploy refuses phase 2).
      expect(Object.keys(env(stack, "streamlines-dev-ingest")).sort()).toEqual(["KINESIS_UPSTREAM_NAME", "MAX_TICKER_COUNT"]);
      expect(Object.keys(env(stack, "streamlines-dev-ripples")).sort()).toEqual([
        "CHECKPOINT_PATH",
        "INFLUXDB_BUCKET",
        "INFLUXDB_ORG",
        "INFLUXDB_URL",
        "JAVA_TOOL_OPTIONS",
        "KINESIS_DOWNSTREAM_NAME",
        "KINESIS_UPSTREAM_NAME",
      ]);
      expect(Object.keys(env(stack, "streamlines-dev-backend")).sort()).toEqual([
        "GRAPHQL_SERVER_ADDRESS",
        "GRAPHQL_SERVER_PORT",
        "INFLUXDB_BUCKET",
        "INFLUXDB_ORG",
        "INFLUXDB_URL",
      ]);
      expect(Object.keys(env(stack, "streamlines-dev-dashboard")).sort()).toEqual(["PORT"]);
    });

    test("derived values: stream names, checkpoint path, INFLUXDB_URL from the namespace, one results bucket for ripples and backend", () => {
      expect(env(stack, "streamlines-dev-ingest")).toMatchObject({
        KINESIS_UPSTREAM_NAME: upstream.replace(/\.arn\}$/, ".name}"),
        MAX_TICKER_COUNT: "30",
      });
      expect(env(stack, "streamlines-dev-ripples")).toMatchObject({
        CHECKPOINT_PATH: "s3://streamlines-dev-artifacts-eu-central-1/flink/ripples/checkpoints",
        INFLUXDB_URL: "http://influxdb.streamlines-dev.internal:8086",
        INFLUXDB_ORG: "streamlines",
        INFLUXDB_BUCKET: "market-data-realtime",
        KINESIS_UPSTREAM_NAME: upstream.replace(/\.arn\}$/, ".name}"),
        KINESIS_DOWNSTREAM_NAME: downstream.replace(/\.arn\}$/, ".name}"),
      });
      // The backend queries the windowed results ripples writes, so it reads the same bucket.
      expect(env(stack, "streamlines-dev-backend")).toEqual({
        GRAPHQL_SERVER_ADDRESS: "0.0.0.0",
        GRAPHQL_SERVER_PORT: "3030",
        INFLUXDB_URL: "http://influxdb.streamlines-dev.internal:8086",
        INFLUXDB_ORG: "streamlines",
        INFLUXDB_BUCKET: "market-data-realtime",
      });
      // The dashboard at e410d43 has its endpoints as literals; only adapter-node's port is a setting.
      expect(env(stack, "streamlines-dev-dashboard")).toEqual({ PORT: "3000" });
      expect(namespaceNameOf(configNamed("dev"))).toBe("streamlines-dev.internal");
    });

    test("secrets appear only in `secrets`, as foundations secret ARNs, never in environment", () => {
      const arn = (s: string) => remote(stack, `aws_secretsmanager_secret${s}_secret`, "arn");
      expect(container(stack, "streamlines-dev-ingest").secrets).toEqual([
        { name: "ALPACA_API_KEY", valueFrom: `${arn("secret-market-data-api")}:ALPACA_API_KEY::` },
        { name: "ALPACA_API_SECRET", valueFrom: `${arn("secret-market-data-api")}:ALPACA_API_SECRET::` },
      ]);
      expect(container(stack, "streamlines-dev-ripples").secrets).toEqual([
        { name: "INFLUXDB_WRITE_TOKEN", valueFrom: arn("secret-influx-write-token") },
      ]);
      expect(container(stack, "streamlines-dev-backend").secrets).toEqual([
        { name: "INFLUXDB_READ_TOKEN", valueFrom: arn("secret-influx-read-token") },
      ]);
      expect(container(stack, "streamlines-dev-dashboard").secrets).toEqual([]);
      for (const service of ["ingest", "ripples", "backend", "dashboard"]) {
        for (const e of container(stack, `streamlines-dev-${service}`).environment) {
          expect([e.name, /TOKEN|SECRET|PASSWORD|API_?KEY/i.test(e.name), /secretsmanager|aws_secretsmanager/.test(e.value)]).toEqual([
            e.name,
            false,
            false,
          ]);
        }
      }
    });

    test("ports: backend 3030 and dashboard 3000; the workers listen on nothing", () => {
      expect(container(stack, "streamlines-dev-backend").portMappings).toEqual([{ containerPort: 3030, protocol: "tcp" }]);
      expect(container(stack, "streamlines-dev-dashboard").portMappings).toEqual([{ containerPort: 3000, protocol: "tcp" }]);
      expect(container(stack, "streamlines-dev-ingest").portMappings).toBeUndefined();
      expect(container(stack, "streamlines-dev-ripples").portMappings).toBeUndefined();
    });
  });

  describe("services", () => {
    test("circuit breaker with rollback, FARGATE, private subnets without public IPs, managed tags", () => {
      const privateSubnets = Object.entries(resourcesOf(stack, "aws_subnet"))
        .filter(([, s]) => (s.tags as Record<string, string>).tier === "private")
        .map(([id]) => `\${aws_subnet.${id}.id}`);
      for (const s of values(stack, "aws_ecs_service")) {
        expect(s).toMatchObject({
          deployment_circuit_breaker: { enable: true, rollback: true },
          capacity_provider_strategy: [{ capacity_provider: "FARGATE", weight: 1, base: 0 }],
          network_configuration: { subnets: privateSubnets, assign_public_ip: false },
          enable_execute_command: false,
          propagate_tags: "SERVICE",
          desired_count: 1,
        });
        expect(s).not.toHaveProperty("launch_type");
        expect(s.depends_on).toContain("aws_ecs_cluster_capacity_providers.capacity-providers");
      }
    });

    test("deployment percentages: the single-writer workers stop before they start, the web services roll", () => {
      expect(ecsService(stack, "streamlines-dev-ingest")).toMatchObject({
        deployment_minimum_healthy_percent: 0,
        deployment_maximum_percent: 100,
      });
      expect(ecsService(stack, "streamlines-dev-ripples")).toMatchObject({
        deployment_minimum_healthy_percent: 0,
        deployment_maximum_percent: 100,
      });
      expect(ecsService(stack, "streamlines-dev-backend")).toMatchObject({
        deployment_minimum_healthy_percent: 100,
        deployment_maximum_percent: 200,
      });
      expect(ecsService(stack, "streamlines-dev-dashboard")).toMatchObject({
        deployment_minimum_healthy_percent: 100,
        deployment_maximum_percent: 200,
      });
    });

    test("with the schedule on, every service ignores desired_count drift", () => {
      for (const s of values(stack, "aws_ecs_service")) expect(s.lifecycle).toEqual({ ignore_changes: ["desired_count"] });
    });

    test("web services attach to their target group, after the listener and rule exist", () => {
      const backend = ecsService(stack, "streamlines-dev-backend");
      expect(backend.load_balancer).toEqual([
        {
          target_group_arn: ref(stack, "aws_lb_target_group", (t) => tgName(t) === "streamlines-dev-backend", "arn"),
          container_name: "backend",
          container_port: 3030,
        },
      ]);
      expect(backend.depends_on).toEqual(
        expect.arrayContaining([expect.stringMatching(/^aws_lb_listener\./), expect.stringMatching(/^aws_lb_listener_rule\./)]),
      );
      expect(ecsService(stack, "streamlines-dev-dashboard").load_balancer).toEqual([
        {
          target_group_arn: ref(stack, "aws_lb_target_group", (t) => tgName(t) === "streamlines-dev-dashboard", "arn"),
          container_name: "dashboard",
          container_port: 3000,
        },
      ]);
      expect(ecsService(stack, "streamlines-dev-ingest")).not.toHaveProperty("load_balancer");
    });

    test("security groups: egress only 443 anywhere and InfluxDB's port to InfluxDB's group; ingress only from the ALB on the container port", () => {
      const sg = (service: string) => ref(stack, "aws_security_group", (g) => g.name === `streamlines-dev-${service}`, "id");
      const albSg = ref(stack, "aws_security_group", (g) => g.name === "streamlines-dev-alb", "id");
      const influxSg = sg("influxdb");
      const rulesOf = (type: string, group: string) =>
        values(stack, type)
          .filter((r) => r.security_group_id === group)
          .map((r) => `${r.ip_protocol} ${r.from_port}-${r.to_port} ${r.cidr_ipv4 ?? r.referenced_security_group_id}`)
          .sort();
      const EGRESS = ["tcp 443-443 0.0.0.0/0", `tcp 8086-8086 ${influxSg}`];
      expect(rulesOf("aws_vpc_security_group_egress_rule", sg("ingest"))).toEqual(["tcp 443-443 0.0.0.0/0"]);
      expect(rulesOf("aws_vpc_security_group_egress_rule", sg("ripples"))).toEqual(EGRESS);
      expect(rulesOf("aws_vpc_security_group_egress_rule", sg("backend"))).toEqual(EGRESS);
      expect(rulesOf("aws_vpc_security_group_egress_rule", sg("dashboard"))).toEqual(["tcp 443-443 0.0.0.0/0"]);
      expect(rulesOf("aws_vpc_security_group_ingress_rule", sg("ingest"))).toEqual([]);
      expect(rulesOf("aws_vpc_security_group_ingress_rule", sg("ripples"))).toEqual([]);
      expect(rulesOf("aws_vpc_security_group_ingress_rule", sg("backend"))).toEqual([`tcp 3030-3030 ${albSg}`]);
      expect(rulesOf("aws_vpc_security_group_ingress_rule", sg("dashboard"))).toEqual([`tcp 3000-3000 ${albSg}`]);
      expect(rulesOf("aws_vpc_security_group_egress_rule", albSg)).toEqual(
        [`tcp 3000-3000 ${sg("dashboard")}`, `tcp 3030-3030 ${sg("backend")}`].sort(),
      );
      // Core leaves InfluxDB's group empty: the influx stack owns its rules.
      expect(rulesOf("aws_vpc_security_group_ingress_rule", influxSg)).toEqual([]);
      expect(rulesOf("aws_vpc_security_group_egress_rule", influxSg)).toEqual([]);
      for (const g of values(stack, "aws_security_group")) {
        expect(g).not.toHaveProperty("ingress");
        expect(g).not.toHaveProperty("egress");
      }
    });

    test("edge fronts the app: no internet ingress at all; the ALB takes port 80 from CloudFront's origin-facing prefix list only", () => {
      const open = values(stack, "aws_vpc_security_group_ingress_rule").filter(
        (r) => r.cidr_ipv4 === "0.0.0.0/0" || r.cidr_ipv6 === "::/0",
      );
      expect(open).toEqual([]);
      const alb = ref(stack, "aws_security_group", (g) => g.name === "streamlines-dev-alb", "id");
      const albIngress = values(stack, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === alb);
      const [listId, list] = Object.entries(dataOf(stack, "aws_ec2_managed_prefix_list"))[0];
      expect(list).toMatchObject({ name: "com.amazonaws.global.cloudfront.origin-facing" });
      expect(albIngress).toEqual([
        expect.objectContaining({
          ip_protocol: "tcp",
          from_port: 80,
          to_port: 80,
          prefix_list_id: `\${data.aws_ec2_managed_prefix_list.${listId}.id}`,
        }),
      ]);
      // A prefix list counts as its maximum entries (55 for CloudFront's) against the default 60 inbound rules per group.
      const weight = albIngress.reduce((n, r) => n + (r.prefix_list_id ? 55 : 1), 0);
      expect(weight).toBeLessThanOrEqual(60);
    });
  });

  describe("load balancer", () => {
    test("internet-facing ALB in the public subnets, dropping invalid headers, access logs on", () => {
      const publicSubnets = Object.entries(resourcesOf(stack, "aws_subnet"))
        .filter(([, s]) => (s.tags as Record<string, string>).tier === "public")
        .map(([id]) => `\${aws_subnet.${id}.id}`);
      expect(only(stack, "aws_lb")).toMatchObject({
        name: "streamlines-dev-alb",
        internal: false,
        load_balancer_type: "application",
        drop_invalid_header_fields: true,
        subnets: publicSubnets,
        security_groups: [ref(stack, "aws_security_group", (g) => g.name === "streamlines-dev-alb", "id")],
        access_logs: {
          bucket: ref(stack, "aws_s3_bucket", (b) => b.bucket === "streamlines-dev-alb-logs-eu-central-1", "bucket"),
          enabled: true,
        },
        depends_on: [expect.stringMatching(/^aws_s3_bucket_policy\./)],
      });
    });

    test("without a certificate: one HTTP listener answering 403 unless a rule matches, and a synth warning", () => {
      expect(only(stack, "aws_lb_listener")).toMatchObject({
        port: 80,
        protocol: "HTTP",
        default_action: [
          { type: "fixed-response", fixed_response: { content_type: "text/plain", status_code: "403", message_body: "Forbidden" } },
        ],
      });
      const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-warn-")) });
      const { core } = buildStacks(app, configNamed("dev"));
      const warnings = core.node
        .findAll()
        .flatMap((n) => n.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data)));
      expect(warnings.filter((w) => !w.includes("TOP_TICKERS_API"))).toEqual([
        "streamlines-dev: the load balancer serves plain HTTP. Set loadBalancer.certificateArn or loadBalancer.domain in the config for HTTPS.",
      ]);
    });

    test("rules forward only with CloudFront's origin header: /graphql to the backend, then everything else to the dashboard", () => {
      const [valueId, read] = Object.entries(dataOf(stack, "aws_secretsmanager_secret_version"))[0];
      const secretId = Object.entries(resourcesOf(stack, "aws_secretsmanager_secret")).find(
        ([, sec]) => sec.name === "streamlines-dev/cloudfront-origin-header",
      )![0];
      expect(read.secret_id).toBe(`\${aws_secretsmanager_secret.${secretId}.arn}`);
      const header = {
        http_header: {
          http_header_name: "X-Origin-Verify",
          values: [`\${data.aws_secretsmanager_secret_version.${valueId}.secret_string}`],
        },
      };
      const listener = ref(stack, "aws_lb_listener", () => true, "arn");
      const tg = (name: string) => ref(stack, "aws_lb_target_group", (t) => tgName(t) === name, "arn");
      expect(
        values(stack, "aws_lb_listener_rule").map((r) => ({
          listener_arn: r.listener_arn,
          priority: r.priority,
          action: r.action,
          condition: r.condition,
        })),
      ).toEqual([
        {
          listener_arn: listener,
          priority: 10,
          action: [{ type: "forward", target_group_arn: tg("streamlines-dev-backend") }],
          condition: [{ path_pattern: { values: ["/graphql", "/graphql/*"] } }, header],
        },
        {
          listener_arn: listener,
          priority: 20,
          action: [{ type: "forward", target_group_arn: tg("streamlines-dev-dashboard") }],
          condition: [header],
        },
      ]);
    });

    test("the header value: generated by Secrets Manager into the write-only secret_string_wo (not into state by that path), KMS-encrypted secret", () => {
      const [secretId, secret] = Object.entries(resourcesOf(stack, "aws_secretsmanager_secret")).find(
        ([, sec]) => sec.name === "streamlines-dev/cloudfront-origin-header",
      )!;
      expect(secret.kms_key_id).toBe(key.replace(/\.arn\}$/, ".arn}"));
      // Regenerated with the secret, so nothing to recover, and a pending deletion would block the next deploy.
      expect(secret.recovery_window_in_days).toBe(0);
      const version = values(stack, "aws_secretsmanager_secret_version").find(
        (v) => v.secret_id === `\${aws_secretsmanager_secret.${secretId}.arn}`,
      )!;
      expect(version).not.toHaveProperty("secret_string");
      expect(version.secret_string_wo).toMatch(/^\$\{ephemeral\.aws_secretsmanager_random_password\.\w+\.random_password\}$/);
      const ephemeralId = String(version.secret_string_wo).split(".")[2];
      expect((stack.ephemeral as Record<string, Record<string, unknown>>).aws_secretsmanager_random_password[ephemeralId]).toEqual({
        password_length: 64,
        exclude_punctuation: true,
      });
    });

    test("target groups: IP targets with health checks (backend /health on 3030, dashboard / on 3000), replaceable (name prefix, create before destroy)", () => {
      const vpcId = vpcRef(stack, "id");
      // A fixed name would make any replacement (a port change) collide with the group it replaces.
      expect(values(stack, "aws_lb_target_group").map((t) => [t.name, t.name_prefix, t.lifecycle])).toEqual([
        [undefined, "backe-", { create_before_destroy: true }],
        [undefined, "dashb-", { create_before_destroy: true }],
      ]);
      expect(values(stack, "aws_lb_target_group").find((t) => tgName(t) === "streamlines-dev-backend")).toMatchObject({
        port: 3030,
        protocol: "HTTP",
        target_type: "ip",
        vpc_id: vpcId,
        health_check: { enabled: true, path: "/health", matcher: "200" },
      });
      expect(values(stack, "aws_lb_target_group").find((t) => tgName(t) === "streamlines-dev-dashboard")).toMatchObject({
        port: 3000,
        protocol: "HTTP",
        target_type: "ip",
        vpc_id: vpcId,
        health_check: { enabled: true, path: "/", matcher: "200-399" },
      });
    });

    test("access log bucket: SSE-S3 (ELB cannot use a CMK), force-destroyable, logs expire (default 90 days), ELB's regional account may write AWSLogs/", () => {
      const [bucketId, bucket] = Object.entries(resourcesOf(stack, "aws_s3_bucket")).find(
        ([, b]) => b.bucket === "streamlines-dev-alb-logs-eu-central-1",
      )!;
      expect(bucket.force_destroy).toBe(true);
      const enc = values(stack, "aws_s3_bucket_server_side_encryption_configuration").find(
        (e) => e.bucket === `\${aws_s3_bucket.${bucketId}.id}`,
      )!;
      expect(enc.rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" }, bucket_key_enabled: false }]);
      // Current log objects expire (config default 90 days), or the bucket grows forever.
      const lifecycle = values(stack, "aws_s3_bucket_lifecycle_configuration").find(
        (l) => l.bucket === `\${aws_s3_bucket.${bucketId}.id}`,
      )!;
      expect(lifecycle.rule).toEqual(
        expect.arrayContaining([{ id: "expire-objects", status: "Enabled", filter: [{ prefix: "" }], expiration: [{ days: 90 }] }]),
      );
      const policy = values(stack, "aws_s3_bucket_policy").find((p) => p.bucket === `\${aws_s3_bucket.${bucketId}.id}`)!;
      const statements = documentBehind(stack, policy.policy);
      expect(statements.map((s) => s.sid)).toEqual(["DenyInsecureTransport", "ElbWritesAccessLogs"]);
      expect(statements[1]).toMatchObject({
        actions: ["s3:PutObject"],
        principals: [{ type: "AWS", identifiers: [expect.stringMatching(/^\$\{data\.aws_elb_service_account\.[\w-]+\.arn\}$/)] }],
        resources: [
          expect.stringMatching(
            /:s3:::streamlines-dev-alb-logs-eu-central-1\/AWSLogs\/\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}\/\*$/,
          ),
        ],
      });
    });
  });

  describe("autoscaling", () => {
    test("target tracking on average CPU for backend and dashboard, min/max from config", () => {
      const targets = values(stack, "aws_appautoscaling_target").map((t) => [
        t.resource_id,
        t.min_capacity,
        t.max_capacity,
        t.scalable_dimension,
      ]);
      expect(targets).toEqual([
        [
          `service/\${aws_ecs_cluster.cluster.name}/${ref(stack, "aws_ecs_service", (s) => s.name === "streamlines-dev-backend", "name")}`,
          1,
          4,
          "ecs:service:DesiredCount",
        ],
        [
          `service/\${aws_ecs_cluster.cluster.name}/${ref(stack, "aws_ecs_service", (s) => s.name === "streamlines-dev-dashboard", "name")}`,
          1,
          3,
          "ecs:service:DesiredCount",
        ],
      ]);
      for (const p of values(stack, "aws_appautoscaling_policy")) {
        expect(p).toMatchObject({
          policy_type: "TargetTrackingScaling",
          target_tracking_scaling_policy_configuration: {
            predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
            target_value: 60,
          },
        });
      }
      expect(
        values(stack, "aws_appautoscaling_policy")
          .map((p) => p.name)
          .sort(),
      ).toEqual(["streamlines-dev-backend-cpu", "streamlines-dev-dashboard-cpu"]);
    });
  });

  describe("market-hours schedule", () => {
    test("stop and start per service without autoscaling: ECS UpdateService through the universal target, in the configured time zone", () => {
      const group = ref(stack, "aws_scheduler_schedule_group", () => true, "name");
      expect(only(stack, "aws_scheduler_schedule_group")).toMatchObject({ name: "streamlines-dev-market-hours" });
      const role = ref(stack, "aws_iam_role", (r) => r.name === "streamlines-dev-market-hours", "arn");
      const schedules = values(stack, "aws_scheduler_schedule");
      expect(schedules.map((s) => s.name).sort()).toEqual(["ingest", "ripples"].flatMap((s) => [`${s}-start`, `${s}-stop`]).sort());
      for (const s of schedules) {
        const [service, phase] = String(s.name).split("-");
        expect(s).toMatchObject({
          group_name: group,
          schedule_expression: phase === "stop" ? "cron(30 16 ? * MON-FRI *)" : "cron(0 9 ? * MON-FRI *)",
          schedule_expression_timezone: "America/New_York",
          flexible_time_window: { mode: "OFF" },
          state: "ENABLED",
          target: {
            arn: expect.stringMatching(/^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:scheduler:::aws-sdk:ecs:updateService$/),
            role_arn: role,
          },
        });
        expect(JSON.parse(String((s.target as Record<string, unknown>).input))).toEqual({
          Cluster: "${aws_ecs_cluster.cluster.arn}",
          Service: ref(stack, "aws_ecs_service", (x) => x.name === `streamlines-dev-${service}`, "name"),
          DesiredCount: phase === "stop" ? 0 : 1,
        });
      }
    });

    test("autoscaled services: scheduled actions set the scalable target's min and max (0 after the close), so a scale-out cannot bring tasks back", () => {
      const target = (service: string) =>
        Object.entries(resourcesOf(stack, "aws_appautoscaling_target")).find(([, t]) =>
          String(t.resource_id).endsWith(ref(stack, "aws_ecs_service", (x) => x.name === `streamlines-dev-${service}`, "name")),
        )![0];
      const actions = values(stack, "aws_appautoscaling_scheduled_action");
      expect(actions.map((a) => a.name).sort()).toEqual(
        ["backend", "dashboard"]
          .flatMap((s) => [`streamlines-dev-market-hours-${s}-start`, `streamlines-dev-market-hours-${s}-stop`])
          .sort(),
      );
      const range: Record<string, [number, number]> = { backend: [1, 4], dashboard: [1, 3] };
      for (const a of actions) {
        const [service, phase] = String(a.name).replace("streamlines-dev-market-hours-", "").split("-");
        expect(a).toMatchObject({
          resource_id: `\${aws_appautoscaling_target.${target(service)}.resource_id}`,
          scalable_dimension: `\${aws_appautoscaling_target.${target(service)}.scalable_dimension}`,
          service_namespace: `\${aws_appautoscaling_target.${target(service)}.service_namespace}`,
          schedule: phase === "stop" ? "cron(30 16 ? * MON-FRI *)" : "cron(0 9 ? * MON-FRI *)",
          timezone: "America/New_York",
          scalable_target_action:
            phase === "stop"
              ? { min_capacity: "0", max_capacity: "0" }
              : { min_capacity: String(range[service][0]), max_capacity: String(range[service][1]) },
        });
      }
    });

    test("the scheduler role: trusted by EventBridge Scheduler of this account, may only UpdateService these services", () => {
      const role = values(stack, "aws_iam_role").find((r) => r.name === "streamlines-dev-market-hours")!;
      const [trust] = documentBehind(stack, role.assume_role_policy);
      expect(trust.principals).toEqual([{ type: "Service", identifiers: ["scheduler.amazonaws.com"] }]);
      expect(trust.condition).toEqual([
        { test: "StringEquals", variable: "aws:SourceAccount", values: [expect.stringMatching(/account_id\}$/)] },
      ]);
      expect(grants(stack, "streamlines-dev-market-hours")).toEqual(
        ["ingest", "ripples"]
          .map((s) => `ecs:UpdateService on ${ref(stack, "aws_ecs_service", (x) => x.name === `streamlines-dev-${s}`, "id")}`)
          .sort(),
      );
    });
  });

  describe("alarms", () => {
    test("a KMS-encrypted topic with the configured email subscription", () => {
      const topic = only(stack, "aws_sns_topic");
      expect(topic).toMatchObject({ name: "streamlines-dev-alarms", kms_master_key_id: key });
      expect(only(stack, "aws_sns_topic_subscription")).toMatchObject({
        topic_arn: ref(stack, "aws_sns_topic", () => true, "arn"),
        protocol: "email",
        endpoint: "platform-team@example.com",
      });
    });

    test("the alarm list: iterator age per stream, tasks below desired per service, 5xx and unhealthy hosts per target group, the real-time path's", () => {
      expect(
        values(stack, "aws_cloudwatch_metric_alarm")
          .map((a) => a.alarm_name)
          .sort(),
      ).toEqual(
        [
          "upstream-iterator-age",
          "downstream-iterator-age",
          "connection-handler-errors",
          "connection-handler-throttles",
          "results-pusher-errors",
          "results-pusher-throttles",
          "results-pusher-dlq-not-empty",
          "ingest-tasks-below-desired",
          "ripples-tasks-below-desired",
          "backend-tasks-below-desired",
          "dashboard-tasks-below-desired",
          "backend-target-5xx",
          "backend-unhealthy-hosts",
          "dashboard-target-5xx",
          "dashboard-unhealthy-hosts",
        ]
          .map((n) => `streamlines-dev-${n}`)
          .sort(),
      );
      const topic = ref(stack, "aws_sns_topic", () => true, "arn");
      for (const a of values(stack, "aws_cloudwatch_metric_alarm")) {
        expect(a).toMatchObject({ alarm_actions: [topic], ok_actions: [topic], treat_missing_data: "notBreaching" });
      }
    });

    test("thresholds and metrics", () => {
      const alarm = (name: string) => values(stack, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === `streamlines-dev-${name}`)!;
      expect(alarm("upstream-iterator-age")).toMatchObject({
        namespace: "AWS/Kinesis",
        metric_name: "GetRecords.IteratorAgeMilliseconds",
        statistic: "Maximum",
        dimensions: { StreamName: upstream.replace(/\.arn\}$/, ".name}") },
        threshold: 60000,
        comparison_operator: "GreaterThanThreshold",
      });
      expect(alarm("ripples-tasks-below-desired")).toMatchObject({
        evaluation_periods: 5,
        threshold: 0,
        comparison_operator: "GreaterThanThreshold",
        metric_query: [
          {
            id: "running",
            return_data: false,
            metric: {
              namespace: "ECS/ContainerInsights",
              metric_name: "RunningTaskCount",
              dimensions: {
                ClusterName: "${aws_ecs_cluster.cluster.name}",
                ServiceName: ref(stack, "aws_ecs_service", (s) => s.name === "streamlines-dev-ripples", "name"),
              },
            },
          },
          { id: "desired", return_data: false, metric: { namespace: "ECS/ContainerInsights", metric_name: "DesiredTaskCount" } },
          { id: "missing", expression: "desired - running", return_data: true },
        ],
      });
      const dims = {
        LoadBalancer: ref(stack, "aws_lb", () => true, "arn_suffix"),
        TargetGroup: ref(stack, "aws_lb_target_group", (t) => tgName(t) === "streamlines-dev-backend", "arn_suffix"),
      };
      expect(alarm("backend-target-5xx")).toMatchObject({
        namespace: "AWS/ApplicationELB",
        metric_name: "HTTPCode_Target_5XX_Count",
        statistic: "Sum",
        period: 300,
        threshold: 10,
        dimensions: dims,
      });
      expect(alarm("backend-unhealthy-hosts")).toMatchObject({
        namespace: "AWS/ApplicationELB",
        metric_name: "UnHealthyHostCount",
        statistic: "Maximum",
        threshold: 1,
        dimensions: dims,
      });
    });
  });
});

/** Resources of the load balancer module (the fixture's WebSocket API has a domain and certificate too). */
const ofLoadBalancer = (r: Record<string, unknown>) =>
  String((r["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path).startsWith("core/load-balancer/");

describe("core app (efs-endpoints fixture: HTTPS for a domain, no schedule, ECS Exec on backend)", () => {
  let stack: StackJson;
  beforeAll(() => {
    stack = synthAll(configNamed(EFS_ENDPOINTS)).stacks.core;
  });

  test("a domain without a certificate ARN: a DNS-validated certificate, and the listener waits for its validation", () => {
    expect(values(stack, "aws_acm_certificate").filter(ofLoadBalancer)).toEqual([
      expect.objectContaining({ domain_name: "markets.example.com", validation_method: "DNS", lifecycle: { create_before_destroy: true } }),
    ]);
    const validationRecord = values(stack, "aws_route53_record").find((r) => r.type !== "A" && ofLoadBalancer(r))!;
    expect(validationRecord).toMatchObject({
      zone_id: "Z0123456789ABCDEFGHIJ",
      name: expect.stringMatching(/^\$\{tolist\(aws_acm_certificate\.[\w-]+\.domain_validation_options\)\.0\.resource_record_name\}$/),
      records: [expect.stringMatching(/\.resource_record_value\}$/)],
    });
    expect(values(stack, "aws_acm_certificate_validation").filter(ofLoadBalancer)).toEqual([
      expect.objectContaining({
        certificate_arn: ref(stack, "aws_acm_certificate", ofLoadBalancer, "arn"),
        validation_record_fqdns: [ref(stack, "aws_route53_record", (r) => r.type !== "A" && ofLoadBalancer(r), "fqdn")],
      }),
    ]);
  });

  test("HTTPS listener with the validated certificate and a TLS 1.2+ policy; HTTP only redirects to it", () => {
    const listeners = values(stack, "aws_lb_listener");
    expect(listeners.find((l) => l.port === 443)).toMatchObject({
      protocol: "HTTPS",
      ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificate_arn: ref(stack, "aws_acm_certificate_validation", ofLoadBalancer, "certificate_arn"),
      default_action: [{ type: "forward" }],
    });
    expect(listeners.find((l) => l.port === 80)).toMatchObject({
      protocol: "HTTP",
      default_action: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }],
    });
    expect(only(stack, "aws_lb_listener_rule").listener_arn).toBe(ref(stack, "aws_lb_listener", (l) => l.port === 443, "arn"));
  });

  test("the ALB security group opens 80 and 443 to the internet, nothing else does", () => {
    const albSg = ref(stack, "aws_security_group", (g) => g.name === "streamlines-var-alb", "id");
    const open = values(stack, "aws_vpc_security_group_ingress_rule").filter((r) => r.cidr_ipv4 === "0.0.0.0/0");
    expect(open.map((r) => [r.security_group_id, r.from_port, r.to_port]).sort()).toEqual([
      [albSg, 443, 443],
      [albSg, 80, 80],
    ]);
  });

  test("Route 53 alias to the ALB; URLs are https://<domain>", () => {
    expect(values(stack, "aws_route53_record").find((r) => r.type === "A" && ofLoadBalancer(r))).toMatchObject({
      zone_id: "Z0123456789ABCDEFGHIJ",
      name: "markets.example.com",
      type: "A",
      alias: {
        name: ref(stack, "aws_lb", () => true, "dns_name"),
        zone_id: ref(stack, "aws_lb", () => true, "zone_id"),
        evaluate_target_health: true,
      },
    });
    expect(stack.output!.url).toEqual({ value: "https://markets.example.com" });
  });

  test("ECS Exec on backend: the four ssmmessages actions on * in its task role, writes to the cluster's session log, an init process, the service flag", () => {
    const execLog = ref(stack, "aws_cloudwatch_log_group", (g) => g.name === "/streamlines/var/ecs/exec-sessions", "arn");
    const backendGrants = grants(stack, "streamlines-var-backend-task");
    expect(backendGrants.filter((g) => !g.startsWith("logs:DescribeLogGroups "))).toEqual(
      [
        ...["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"].flatMap((a) => [
          `${a} on ${execLog}`,
          `${a} on ${execLog}:log-stream:*`,
        ]),
        ...[
          "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel",
          "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel",
        ].map((a) => `${a} on *`),
      ].sort(),
    );
    // The agent checks the group's encryption with DescribeLogGroups, which lists the account's groups.
    expect(backendGrants.filter((g) => g.startsWith("logs:DescribeLogGroups "))).toEqual([
      expect.stringMatching(
        /^logs:DescribeLogGroups on arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:logs:us-west-2:\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}:log-group:\*$/,
      ),
    ]);
    expect(container(stack, "streamlines-var-backend").linuxParameters).toEqual({ initProcessEnabled: true });
    expect(ecsService(stack, "streamlines-var-backend").enable_execute_command).toBe(true);
    expect(container(stack, "streamlines-var-dashboard")).not.toHaveProperty("linuxParameters");
    expect(grants(stack, "streamlines-var-dashboard-task")).toEqual([]);
  });

  test("the cluster logs ECS Exec sessions (OVERRIDE) to its own KMS-encrypted log group with the configured retention", () => {
    const group = values(stack, "aws_cloudwatch_log_group").find((g) => g.name === "/streamlines/var/ecs/exec-sessions")!;
    expect(group).toMatchObject({ retention_in_days: expect.any(Number), kms_key_id: expect.stringMatching(/aws_kms_key/) });
    const groupName = ref(stack, "aws_cloudwatch_log_group", (g) => g.name === "/streamlines/var/ecs/exec-sessions", "name");
    expect(only(stack, "aws_ecs_cluster").configuration).toEqual({
      execute_command_configuration: {
        logging: "OVERRIDE",
        log_configuration: { cloud_watch_log_group_name: groupName, cloud_watch_encryption_enabled: true },
      },
    });
  });

  test("sizes and counts from config; no schedule, so only the autoscaled services ignore desired_count", () => {
    expect(taskDefinition(stack, "streamlines-var-ripples")).toMatchObject({ cpu: "1024", memory: "4096" });
    expect(ecsService(stack, "streamlines-var-backend").desired_count).toBe(2);
    expect(values(stack, "aws_scheduler_schedule")).toHaveLength(0);
    expect(values(stack, "aws_scheduler_schedule_group")).toHaveLength(0);
    expect(ecsService(stack, "streamlines-var-ingest")).not.toHaveProperty("lifecycle");
    expect(ecsService(stack, "streamlines-var-ripples")).not.toHaveProperty("lifecycle");
    expect(ecsService(stack, "streamlines-var-backend").lifecycle).toEqual({ ignore_changes: ["desired_count"] });
    expect(ecsService(stack, "streamlines-var-dashboard").lifecycle).toEqual({ ignore_changes: ["desired_count"] });
  });

  test("no email subscription when none is configured; no access log bucket when logs are off", () => {
    expect(values(stack, "aws_sns_topic_subscription")).toHaveLength(0);
    expect(only(stack, "aws_lb")).not.toHaveProperty("access_logs");
    expect(values(stack, "aws_s3_bucket")).toHaveLength(0);
  });

  test("INFLUXDB_URL follows the namespace of this env", () => {
    expect(env(stack, "streamlines-var-ripples").INFLUXDB_URL).toBe("http://influxdb.streamlines-var.internal:8086");
  });
});

describe("core app variants (dev config with one change)", () => {
  test("without edge in front: the ALB takes port 80 from the internet and forwards without any header", () => {
    const stack = synthAll(configWith("dev", { edge: { enabled: false } })).stacks.core;
    const alb = ref(stack, "aws_security_group", (g) => g.name === "streamlines-dev-alb", "id");
    expect(values(stack, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === alb)).toEqual([
      expect.objectContaining({ ip_protocol: "tcp", from_port: 80, to_port: 80, cidr_ipv4: "0.0.0.0/0" }),
    ]);
    expect(dataOf(stack, "aws_ec2_managed_prefix_list")).toEqual({});
    expect(only(stack, "aws_lb_listener").default_action).toEqual([
      { type: "forward", target_group_arn: ref(stack, "aws_lb_target_group", (t) => tgName(t) === "streamlines-dev-dashboard", "arn") },
    ]);
    expect(only(stack, "aws_lb_listener_rule").condition).toEqual([{ path_pattern: { values: ["/graphql", "/graphql/*"] } }]);
    expect(values(stack, "aws_secretsmanager_secret").map((sec) => sec.name)).not.toContain("streamlines-dev/cloudfront-origin-header");
  });

  test("a certificate ARN: HTTPS with it, no certificate of our own, no DNS records without a domain", () => {
    const arn = "arn:aws:acm:eu-central-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9";
    // Without edge: CloudFront cannot reach an ALB by a name no certificate matches (config refuses it).
    const stack = synthAll(configWith("dev", { loadBalancer: { certificateArn: arn }, edge: { enabled: false } })).stacks.core;
    expect(values(stack, "aws_lb_listener").find((l) => l.port === 443)).toMatchObject({ protocol: "HTTPS", certificate_arn: arn });
    expect(values(stack, "aws_lb_listener").find((l) => l.port === 80)!.default_action).toEqual([
      expect.objectContaining({ type: "redirect" }),
    ]);
    expect(values(stack, "aws_acm_certificate")).toHaveLength(0);
    expect(values(stack, "aws_route53_record")).toHaveLength(0);
  });

  test("schedule and autoscaling off: Terraform owns desired_count again", () => {
    const stack = synthAll(configWith("dev", { schedule: { enabled: false }, autoscaling: { enabled: false } })).stacks.core;
    for (const s of values(stack, "aws_ecs_service")) expect(s).not.toHaveProperty("lifecycle");
    expect(values(stack, "aws_appautoscaling_target")).toHaveLength(0);
    expect(values(stack, "aws_appautoscaling_policy")).toHaveLength(0);
    expect(values(stack, "aws_scheduler_schedule")).toHaveLength(0);
  });

  test("the acceptance config: autoscaling off (moto's ListTagsForResource gap), the schedule still on", () => {
    const stack = synthAll(configNamed("acceptance")).stacks.core;
    expect(values(stack, "aws_appautoscaling_target")).toHaveLength(0);
    expect(values(stack, "aws_scheduler_schedule")).toHaveLength(8);
    for (const s of values(stack, "aws_ecs_service")) expect(s.lifecycle).toEqual({ ignore_changes: ["desired_count"] });
  });

  test("environment overrides from config win over defaults; FARGATE_SPOT from config", () => {
    const stack = synthAll(
      configWith("dev", {
        services: {
          ingest: {
            capacityProvider: "FARGATE_SPOT",
            environment: { MAX_TICKER_COUNT: "50", TOP_TICKERS_API: "https://tickers.example.com/top" },
          },
        },
      }),
    ).stacks.core;
    expect(env(stack, "streamlines-dev-ingest")).toMatchObject({
      MAX_TICKER_COUNT: "50",
      TOP_TICKERS_API: "https://tickers.example.com/top",
    });
    expect(ecsService(stack, "streamlines-dev-ingest").capacity_provider_strategy).toEqual([
      { capacity_provider: "FARGATE_SPOT", weight: 1, base: 0 },
    ]);
  });
});

describe("core (backend-only fixture)", () => {
  let stack: StackJson;
  beforeAll(() => {
    stack = synthAll(configNamed(BACKEND_ONLY)).stacks.core;
  });

  test("snapshot", () => {
    expect(scrubbed(stack)).toMatchSnapshot();
  });

  test("only ingest and ripples exist", () => {
    expect(
      values(stack, "aws_ecs_service")
        .map((s) => s.name)
        .sort(),
    ).toEqual(["streamlines-bko-ingest", "streamlines-bko-ripples"]);
    expect(
      values(stack, "aws_ecs_task_definition")
        .map((t) => t.family)
        .sort(),
    ).toEqual(["streamlines-bko-ingest", "streamlines-bko-ripples"]);
    expect(
      values(stack, "aws_iam_role")
        .map((r) => r.name)
        .sort(),
    ).toEqual(
      ["ingest-execution", "ingest-task", "market-hours", "ripples-execution", "ripples-task", "vpc-flow-logs"].map(
        (n) => `streamlines-bko-${n}`,
      ),
    );
  });

  test("none of the excluded resource types: no ALB, listeners, target groups, DNS, certificates, autoscaling, WebSocket API, Lambdas", () => {
    const types = Object.keys(stack.resource ?? {});
    for (const excluded of [
      "aws_lb",
      "aws_lb_listener",
      "aws_lb_listener_rule",
      "aws_lb_target_group",
      "aws_route53_record",
      "aws_acm_certificate",
      "aws_acm_certificate_validation",
      "aws_appautoscaling_target",
      "aws_appautoscaling_policy",
      "aws_s3_bucket",
      "aws_apigatewayv2_api",
      "aws_lambda_function",
      "aws_lambda_event_source_mapping",
      "aws_sqs_queue",
      "aws_s3_object",
    ]) {
      expect([excluded, types.includes(excluded)]).toEqual([excluded, false]);
    }
    expect(JSON.stringify([stack.resource, stack.output])).not.toMatch(/backend|dashboard/);
  });

  test("the downstream stream too: ripples writes there (KinesisProps.scala:13 requires the name); only ripples may write, nothing reads it", () => {
    const downstream = ref(stack, "aws_kinesis_stream", (s) => s.name === "streamlines-bko-downstream", "arn");
    expect(
      values(stack, "aws_kinesis_stream")
        .map((s) => s.name)
        .sort(),
    ).toEqual(["streamlines-bko-downstream", "streamlines-bko-upstream"]);
    expect(env(stack, "streamlines-bko-ripples").KINESIS_DOWNSTREAM_NAME).toBe(downstream.replace(/\.arn\}$/, ".name}"));
    expect(grants(stack, "streamlines-bko-ripples-task").filter((g) => g.startsWith("kinesis:PutRecord"))).toEqual([
      `kinesis:PutRecord on ${downstream}`,
      `kinesis:PutRecords on ${downstream}`,
    ]);
    expect(grants(stack, "streamlines-bko-ingest-task").filter((g) => g.includes(downstream))).toEqual([]);
  });

  test("no ingress from anywhere at all", () => {
    for (const r of values(stack, "aws_vpc_security_group_ingress_rule")) expect(r.cidr_ipv4).not.toBe("0.0.0.0/0");
  });

  test("schedules and alarms for the two services only; config values reach them", () => {
    expect(
      values(stack, "aws_scheduler_schedule")
        .map((s) => s.name)
        .sort(),
    ).toEqual(["ingest-start", "ingest-stop", "ripples-start", "ripples-stop"]);
    expect(
      values(stack, "aws_cloudwatch_metric_alarm")
        .map((a) => a.alarm_name)
        .sort(),
    ).toEqual([
      "streamlines-bko-ingest-tasks-below-desired",
      "streamlines-bko-ripples-tasks-below-desired",
      "streamlines-bko-upstream-iterator-age",
    ]);
    expect(
      values(stack, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === "streamlines-bko-upstream-iterator-age")!.threshold,
    ).toBe(120000);
    expect(ecsService(stack, "streamlines-bko-ingest").capacity_provider_strategy).toEqual([
      { capacity_provider: "FARGATE_SPOT", weight: 1, base: 0 },
    ]);
    expect(env(stack, "streamlines-bko-ingest")).toMatchObject({
      MAX_TICKER_COUNT: "12",
      TOP_TICKERS_API: "https://tickers.example.com/top",
    });
  });

  test("outputs: no URL", () => {
    expect(Object.keys(stack.output ?? {})).not.toEqual(expect.arrayContaining(["url"]));
    expect(stack.output).not.toHaveProperty("load_balancer_dns_name");
    expect(stack.output!.service_names).toEqual({
      value: {
        ingest: ref(stack, "aws_ecs_service", (s) => s.name === "streamlines-bko-ingest", "name"),
        ripples: ref(stack, "aws_ecs_service", (s) => s.name === "streamlines-bko-ripples", "name"),
      },
    });
  });
});

describe("core with ripples reading upstream through enhanced fan-out (kinesis.upstream.reader)", () => {
  let stack: StackJson;
  beforeAll(() => {
    stack = synthAll(configWith("dev", { kinesis: { upstream: { reader: { mode: "fan-out", consumerName: "ripples-efo" } } } })).stacks
      .core;
  });

  test("ripples may register its consumer and subscribe through it", () => {
    const upstream = ref(stack, "aws_kinesis_stream", (s) => s.name === "streamlines-dev-upstream", "arn");
    expect(grants(stack, "streamlines-dev-ripples-task")).toEqual(
      expect.arrayContaining([
        `kinesis:RegisterStreamConsumer on ${upstream}`,
        `kinesis:ListStreamConsumers on ${upstream}`,
        `kinesis:SubscribeToShard on ${upstream}/consumer/*`,
        `kinesis:DescribeStreamConsumer on ${upstream}/consumer/*`,
      ]),
    );
  });

  test("the lag alarm watches the consumer's MillisBehindLatest: fan-out never calls GetRecords", () => {
    const alarm = values(stack, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === "streamlines-dev-upstream-iterator-age")!;
    expect(alarm).toMatchObject({
      namespace: "AWS/Kinesis",
      metric_name: "SubscribeToShardEvent.MillisBehindLatest",
      dimensions: {
        StreamName: ref(stack, "aws_kinesis_stream", (s) => s.name === "streamlines-dev-upstream", "name"),
        ConsumerName: "ripples-efo",
      },
    });
  });
});
