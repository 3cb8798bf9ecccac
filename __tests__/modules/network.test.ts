/** Network alone: VPC, subnets, routes, egress modes, the default group stripped, and the flow logs role's exact grants. */
import { Network, NetworkProps, INTERFACE_ENDPOINT_SERVICES } from "../../modules/network";
import { checkIngress } from "../helpers/policy";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, byId, granted, moduleStack, only, refTo, resolved, serviceTrust, synth, trustOf } from "./harness";

const PROPS: NetworkProps = {
  namePrefix: "app-dev",
  region: "eu-central-1",
  vpcCidr: "10.0.0.0/16",
  availabilityZones: ["eu-central-1a", "eu-central-1b"],
  publicSubnetCidrs: ["10.0.0.0/24", "10.0.1.0/24"],
  privateSubnetCidrs: ["10.0.10.0/24", "10.0.11.0/24"],
  egress: "nat",
};

function build(props: Partial<NetworkProps> = {}): { json: StackJson; network: Network; stack: ReturnType<typeof moduleStack> } {
  const stack = moduleStack();
  const network = new Network(stack, "network", { ...PROPS, ...props });
  return { json: synth(stack), network, stack };
}

const endpoints = (json: StackJson, type: string) =>
  Object.values(byId(json, "aws_vpc_endpoint")).filter((e) => e.vpc_endpoint_type === type);

test("a VPC with DNS, named; its default group adopted with no rules", () => {
  const { json } = build();
  expect(only(json, "aws_vpc")).toEqual({
    cidr_block: "10.0.0.0/16",
    enable_dns_support: true,
    enable_dns_hostnames: true,
    tags: { Name: "app-dev-vpc" },
  });
  expect(only(json, "aws_default_security_group")).toEqual({
    vpc_id: refTo(json, "aws_vpc", "id"),
    tags: { Name: "app-dev-default-deny-all" },
  });
});

test("one public and one private subnet per zone; no public IPs assigned", () => {
  const { json, network, stack } = build();
  const subnets = Object.values(byId(json, "aws_subnet"));
  expect(subnets.map((s) => [s.tags, s.cidr_block, s.availability_zone, s.map_public_ip_on_launch]).sort()).toEqual(
    [
      [{ Name: "app-dev-private-eu-central-1a", tier: "private" }, "10.0.10.0/24", "eu-central-1a", undefined],
      [{ Name: "app-dev-private-eu-central-1b", tier: "private" }, "10.0.11.0/24", "eu-central-1b", undefined],
      [{ Name: "app-dev-public-eu-central-1a", tier: "public" }, "10.0.0.0/24", "eu-central-1a", false],
      [{ Name: "app-dev-public-eu-central-1b", tier: "public" }, "10.0.1.0/24", "eu-central-1b", false],
    ].sort(),
  );
  expect((resolved(stack, network.privateSubnetIds) as string[]).every((id) => id.includes("private"))).toBe(true);
});

test("a subnet CIDR missing for a zone is refused", () => {
  expect(() => build({ privateSubnetCidrs: ["10.0.10.0/24"] })).toThrow(
    "Network: one public and one private subnet CIDR per availability zone",
  );
});

test("public subnets route to the internet gateway; each private table to the one NAT in the first public subnet", () => {
  const { json } = build();
  const routes = Object.values(byId(json, "aws_route"));
  expect(routes.filter((r) => r.gateway_id)).toEqual([
    {
      route_table_id: expect.stringContaining("public-rt"),
      destination_cidr_block: "0.0.0.0/0",
      gateway_id: refTo(json, "aws_internet_gateway", "id"),
    },
  ]);
  expect(routes.filter((r) => r.nat_gateway_id)).toHaveLength(2);
  const nat = only(json, "aws_nat_gateway");
  expect(nat).toMatchObject({
    allocation_id: refTo(json, "aws_eip", "allocation_id"),
    subnet_id: expect.stringContaining("public-0"),
    tags: { Name: "app-dev-nat" },
  });
  expect(only(json, "aws_eip")).toMatchObject({ domain: "vpc" });
});

test("nat mode: the free gateway endpoints only, on the private route tables", () => {
  const { json } = build();
  expect(endpoints(json, "Gateway").map((e) => e.service_name)).toEqual(
    ["com.amazonaws.eu-central-1.dynamodb", "com.amazonaws.eu-central-1.s3"].sort(),
  );
  for (const e of endpoints(json, "Gateway")) expect((e.route_table_ids as string[]).every((id) => id.includes("private-rt"))).toBe(true);
  expect(endpoints(json, "Interface")).toEqual([]);
  expect(byId(json, "aws_security_group")).toEqual({});
});

test("nat-and-endpoints: interface endpoints with private DNS behind a group that admits HTTPS from the VPC only", () => {
  const { json, network, stack } = build({ egress: "nat-and-endpoints" });
  const group = refTo(json, "aws_security_group", "id");
  expect(resolved(stack, network.endpointSecurityGroupId)).toBe(group);
  expect(
    endpoints(json, "Interface")
      .map((e) => e.service_name)
      .sort(),
  ).toEqual(INTERFACE_ENDPOINT_SERVICES.map((s) => `com.amazonaws.eu-central-1.${s}`).sort());
  for (const e of endpoints(json, "Interface")) expect(e).toMatchObject({ private_dns_enabled: true, security_group_ids: [group] });
  expect(only(json, "aws_vpc_security_group_ingress_rule")).toMatchObject({
    security_group_id: group,
    ip_protocol: "tcp",
    from_port: 443,
    to_port: 443,
    cidr_ipv4: refTo(json, "aws_vpc", "cidr_block"),
  });
  expect(byId(json, "aws_vpc_security_group_egress_rule")).toEqual({});
  expect(checkIngress("foundations", json, [])).toEqual([]);
});

test("flow logs: all traffic to an encrypted group through a role only this account's flow logs may assume", () => {
  const { json } = build({ flowLogs: { logGroupName: "/app/dev/vpc-flow-logs", retentionDays: 30, kmsKeyArn: KEY_ARN } });
  const account = refTo(json, "aws_caller_identity", "account_id", "data");
  const partition = refTo(json, "aws_partition", "partition", "data");
  const group = refTo(json, "aws_cloudwatch_log_group", "arn");
  expect(only(json, "aws_cloudwatch_log_group")).toEqual({ name: "/app/dev/vpc-flow-logs", retention_in_days: 30, kms_key_id: KEY_ARN });
  expect(only(json, "aws_flow_log")).toEqual({
    vpc_id: refTo(json, "aws_vpc", "id"),
    traffic_type: "ALL",
    log_destination_type: "cloud-watch-logs",
    log_destination: group,
    iam_role_arn: refTo(json, "aws_iam_role", "arn"),
    tags: { Name: "app-dev-vpc-flow-logs" },
  });
  expect(granted(json, "app-dev-vpc-flow-logs")).toEqual([
    {
      actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      effect: "Allow",
      resources: [group, `${group}:log-stream:*`],
    },
    { actions: ["logs:DescribeLogGroups"], effect: "Allow", resources: [`arn:${partition}:logs:eu-central-1:${account}:log-group:*`] },
  ]);
  expect(trustOf(json, "app-dev-vpc-flow-logs")).toEqual(
    serviceTrust(
      json,
      "vpc-flow-logs.amazonaws.com",
      (partition, account) => `arn:${partition}:ec2:eu-central-1:${account}:vpc-flow-log/*`,
    ),
  );
});

test("no flow logs, no role", () => {
  const { json } = build();
  expect(byId(json, "aws_iam_role")).toEqual({});
  expect(byId(json, "aws_flow_log")).toEqual({});
});
