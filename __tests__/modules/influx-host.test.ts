/** InfluxHost alone: its role's exact grants (Session Manager, image pull, the three token secrets, logs), the instance and its volume. */
import { TerraformStack } from "cdktf";
import { InfluxHost, InfluxHostProps, DATA_DEVICE_NAME, AL2023_ARM64_PARAMETER } from "../../modules/influx-host";
import { InfluxAccess } from "../../modules/influx-host/access";
import { SESSION_CHANNEL_ACTIONS, AGENT_MESSAGE_ACTIONS } from "../../modules/influx-host/session-manager";
import { ImageRepository } from "../../modules/ecr-repository";
import { EmptySecret } from "../../modules/secret";
import { checkInstances, checkSsmParameterScope } from "../helpers/policy";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, byId, granted, moduleStack, only, refTo, synth } from "./harness";

const NAME = "app-dev-influxdb";

function props(stack: TerraformStack): InfluxHostProps {
  const secret = (purpose: string) =>
    new EmptySecret(stack, purpose, {
      name: `app-dev/influxdb-${purpose}-token`,
      description: purpose,
      kmsKeyArn: KEY_ARN,
      recoveryWindowDays: 0,
    });
  return {
    name: NAME,
    region: "eu-central-1",
    instanceType: "t4g.small",
    rootVolumeGiB: 16,
    kmsKeyArn: KEY_ARN,
    subnetId: "subnet-private-a",
    securityGroupId: "sg-influx",
    volumeId: "vol-0123",
    image: {
      repository: new ImageRepository(stack, "repository", {
        name: "app-dev-influxdb",
        kmsKeyArn: KEY_ARN,
        keepLastImages: 5,
        forceDelete: true,
      }),
      tag: "2.7",
    },
    secrets: { admin: secret("admin"), read: secret("read"), write: secret("write") },
    influx: { org: "stream-lines", buckets: ["ripples", "windows"], retention: "30d", port: 8086 },
    logs: { groupName: "/app/dev/influxdb", retentionDays: 14 },
    namespaceId: "ns-1",
  };
}

function build(overrides: Partial<InfluxHostProps> = {}): StackJson {
  const stack = moduleStack();
  new InfluxHost(stack, "host", { ...props(stack), ...overrides });
  return synth(stack);
}

let json: StackJson;
beforeAll(() => {
  json = build();
});

test("its role: Session Manager, pull of its repository, read and write of the three token secrets, writes to its log group", () => {
  const account = refTo(json, "aws_caller_identity", "account_id", "data");
  const partition = refTo(json, "aws_partition", "partition", "data");
  const secrets = Object.keys(byId(json, "aws_secretsmanager_secret"))
    .map((id) => `\${aws_secretsmanager_secret.${id}.arn}`)
    .sort();
  const logs = refTo(json, "aws_cloudwatch_log_group", "arn");
  expect(granted(json, NAME)).toEqual([
    {
      actions: ["ssm:UpdateInstanceInformation"],
      effect: "Allow",
      resources: [`arn:${partition}:ec2:eu-central-1:${account}:instance/*`],
      sid: "SessionManagerRegistration",
    },
    { actions: [...SESSION_CHANNEL_ACTIONS, ...AGENT_MESSAGE_ACTIONS], effect: "Allow", resources: ["*"], sid: "SessionManagerChannels" },
    {
      actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      effect: "Allow",
      resources: [refTo(json, "aws_ecr_repository", "arn")],
    },
    { actions: ["ecr:GetAuthorizationToken"], effect: "Allow", resources: ["*"] },
    {
      actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
      effect: "Allow",
      resources: secrets,
    },
    { actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], effect: "Allow", resources: [KEY_ARN] },
    {
      actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      effect: "Allow",
      resources: [logs, `${logs}:log-stream:*`],
    },
  ]);
  expect(byId(json, "aws_iam_role_policy_attachment")).toEqual({});
  expect(checkSsmParameterScope(json)).toEqual([]);
});

test("the instance: the given type in the private subnet and group, IMDSv2 with one hop, encrypted root, user data that replaces it", () => {
  expect(checkInstances(json)).toEqual([]);
  const instance = only(json, "aws_instance");
  expect(instance).toMatchObject({
    ami: refTo(json, "aws_ssm_parameter", "insecure_value", "data"),
    instance_type: "t4g.small",
    subnet_id: "subnet-private-a",
    vpc_security_group_ids: ["sg-influx"],
    iam_instance_profile: refTo(json, "aws_iam_instance_profile", "name"),
    user_data_replace_on_change: true,
    metadata_options: { http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 },
    root_block_device: { volume_type: "gp3", volume_size: 16, encrypted: true, kms_key_id: KEY_ARN, delete_on_termination: true },
    tags: { Name: NAME },
    lifecycle: { ignore_changes: ["ami"] },
  });
  expect(String(instance.user_data_base64)).toMatch(
    /^\$\{base64gzip\(join\("", \["#!\/usr\/bin\/env bash\\n", "export VOLUME_ID='", "vol-0123", /,
  );
  expect(Object.values(json.data!.aws_ssm_parameter)).toEqual([{ name: AL2023_ARM64_PARAMETER }]);
});

test("a pinned AMI skips the lookup", () => {
  const pinned = build({ amiId: "ami-0abc" });
  expect(only(pinned, "aws_instance").ami).toBe("ami-0abc");
  expect(pinned.data?.aws_ssm_parameter).toBeUndefined();
});

test("the data volume is attached at the fixed device, and the host stops before it detaches", () => {
  expect(only(json, "aws_volume_attachment")).toEqual({
    device_name: DATA_DEVICE_NAME,
    volume_id: "vol-0123",
    instance_id: refTo(json, "aws_instance", "id"),
    stop_instance_before_detaching: true,
  });
});

test("registered as influxdb.<namespace> at its private IP", () => {
  expect(only(json, "aws_service_discovery_service")).toEqual({
    name: "influxdb",
    description: `${NAME} host`,
    dns_config: { namespace_id: "ns-1", routing_policy: "MULTIVALUE", dns_records: [{ type: "A", ttl: 10 }] },
  });
  expect(only(json, "aws_service_discovery_instance")).toEqual({
    service_id: refTo(json, "aws_service_discovery_service", "id"),
    instance_id: refTo(json, "aws_instance", "id"),
    attributes: { AWS_INSTANCE_IPV4: refTo(json, "aws_instance", "private_ip") },
  });
});

test("InfluxAccess: the port in from each client group only, HTTPS out, and the extra egress asked for", () => {
  const stack = moduleStack();
  new InfluxAccess(stack, "access", {
    name: NAME,
    securityGroupId: "sg-influx",
    port: 8086,
    clients: { ripples: "sg-ripples", backend: "sg-backend" },
    extraEgress: [{ name: "nfs", port: 2049, securityGroupId: "sg-efs", description: "NFS to the mount targets" }],
  });
  const access = synth(stack);
  expect(
    Object.values(byId(access, "aws_vpc_security_group_ingress_rule")).map((r) => [
      r.referenced_security_group_id,
      r.from_port,
      r.cidr_ipv4,
      (r.tags as { Name: string }).Name,
    ]),
  ).toEqual([
    ["sg-backend", 8086, undefined, `${NAME}-from-backend`],
    ["sg-ripples", 8086, undefined, `${NAME}-from-ripples`],
  ]);
  expect(
    Object.values(byId(access, "aws_vpc_security_group_egress_rule"))
      .map((r) => [r.from_port, r.referenced_security_group_id ?? r.cidr_ipv4])
      .sort(),
  ).toEqual([
    [2049, "sg-efs"],
    [443, "0.0.0.0/0"],
  ]);
});
