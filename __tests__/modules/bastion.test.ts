/** Bastion alone: SSH in from the listed CIDRs, tunnels and HTTPS out, IMDSv2 and an encrypted root, and the Session Manager grants exact. */
import { Bastion, BastionProps, BASTION_INSTANCE_TYPE } from "../../modules/bastion";
import { SESSION_CHANNEL_ACTIONS, AGENT_MESSAGE_ACTIONS } from "../../modules/influx-host/session-manager";
import { checkIam, checkInstances, checkSsmParameterScope } from "../helpers/policy";
import { KEY_ARN, byId, granted, moduleStack, only, refTo, synth } from "./harness";

const PROPS: BastionProps = {
  name: "app-dev-bastion",
  region: "eu-central-1",
  vpcId: "vpc-1",
  subnetId: "subnet-public-a",
  allowedCidrs: ["203.0.113.7/32", "198.51.100.0/28"],
  publicKey: "ssh-ed25519 AAAA operator",
  kmsKeyArn: KEY_ARN,
  ami: { parameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" },
  tunnels: [{ name: "influxdb", port: 8086, securityGroupId: "sg-influx", description: "InfluxDB tunnels" }],
};

function build(props: Partial<BastionProps> = {}) {
  const stack = moduleStack();
  new Bastion(stack, "bastion", { ...PROPS, ...props });
  return synth(stack);
}

test("SSH in from each listed CIDR only", () => {
  const json = build();
  const group = refTo(json, "aws_security_group", "id");
  expect(Object.values(byId(json, "aws_vpc_security_group_ingress_rule"))).toEqual([
    {
      security_group_id: group,
      description: "SSH from 203.0.113.7/32",
      ip_protocol: "tcp",
      from_port: 22,
      to_port: 22,
      cidr_ipv4: "203.0.113.7/32",
      tags: { Name: "app-dev-bastion-ssh-0" },
    },
    {
      security_group_id: group,
      description: "SSH from 198.51.100.0/28",
      ip_protocol: "tcp",
      from_port: 22,
      to_port: 22,
      cidr_ipv4: "198.51.100.0/28",
      tags: { Name: "app-dev-bastion-ssh-1" },
    },
  ]);
});

test("out: the tunnel ports to their groups, and HTTPS for patching", () => {
  const json = build();
  const egress = Object.values(byId(json, "aws_vpc_security_group_egress_rule")).map((r) => [
    r.from_port,
    r.referenced_security_group_id ?? r.cidr_ipv4,
    (r.tags as { Name: string }).Name,
  ]);
  expect(egress.sort()).toEqual([
    [443, "0.0.0.0/0", "app-dev-bastion-https"],
    [8086, "sg-influx", "app-dev-bastion-influxdb"],
  ]);
});

test("the smallest Graviton, IMDSv2 only, KMS-encrypted root, an Elastic IP; a new AMI replaces it only on request", () => {
  const json = build();
  expect(checkInstances(json)).toEqual([]);
  expect(only(json, "aws_instance")).toEqual({
    ami: refTo(json, "aws_ssm_parameter", "insecure_value", "data"),
    instance_type: BASTION_INSTANCE_TYPE,
    subnet_id: "subnet-public-a",
    vpc_security_group_ids: [refTo(json, "aws_security_group", "id")],
    key_name: refTo(json, "aws_key_pair", "key_name"),
    iam_instance_profile: refTo(json, "aws_iam_instance_profile", "name"),
    metadata_options: { http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 },
    root_block_device: { volume_type: "gp3", volume_size: 8, encrypted: true, kms_key_id: KEY_ARN, delete_on_termination: true },
    tags: { Name: "app-dev-bastion" },
    lifecycle: { ignore_changes: ["ami"] },
  });
  expect(only(json, "aws_eip")).toEqual({ domain: "vpc", instance: refTo(json, "aws_instance", "id"), tags: { Name: "app-dev-bastion" } });
  expect(only(json, "aws_key_pair")).toEqual({ key_name: "app-dev-bastion", public_key: "ssh-ed25519 AAAA operator" });
});

test("a pinned AMI needs no parameter lookup", () => {
  const json = build({ ami: { id: "ami-0123456789abcdef0" } });
  expect(only(json, "aws_instance").ami).toBe("ami-0123456789abcdef0");
  expect(json.data?.aws_ssm_parameter).toBeUndefined();
});

test("its role: Session Manager only, registration scoped to this account's instances, no account-wide SSM reads", () => {
  const json = build();
  const account = refTo(json, "aws_caller_identity", "account_id", "data");
  const partition = refTo(json, "aws_partition", "partition", "data");
  expect(granted(json, "app-dev-bastion")).toEqual([
    {
      actions: ["ssm:UpdateInstanceInformation"],
      effect: "Allow",
      resources: [`arn:${partition}:ec2:eu-central-1:${account}:instance/*`],
      sid: "SessionManagerRegistration",
    },
    { actions: [...SESSION_CHANNEL_ACTIONS, ...AGENT_MESSAGE_ACTIONS], effect: "Allow", resources: ["*"], sid: "SessionManagerChannels" },
  ]);
  expect(byId(json, "aws_iam_role_policy_attachment")).toEqual({});
  expect(checkSsmParameterScope(json)).toEqual([]);
  expect(checkIam(json, new Set([...SESSION_CHANNEL_ACTIONS, ...AGENT_MESSAGE_ACTIONS]))).toEqual([]);
  expect(only(json, "aws_iam_instance_profile")).toEqual({ name: "app-dev-bastion", role: refTo(json, "aws_iam_role", "name") });
});
