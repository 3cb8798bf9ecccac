import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { AL2023_ARM64_PARAMETER, BOOTSTRAP_SCRIPT, bootstrapEnvironment } from "../../modules/influx-host";
import { AGENT_MESSAGE_ACTIONS, SESSION_CHANNEL_ACTIONS } from "../../modules/influx-host/session-manager";
import { ROOT, StackJson, Synthesized, configNamed, dataOf, resourcesOf, scrubbed, synthAll } from "../helpers/synth";

const FIXTURES = path.join(ROOT, "__tests__", "fixtures", "configs");

type Json = Record<string, unknown>;
const values = (stack: StackJson, type: string): Json[] => Object.values(resourcesOf(stack, type));
const only = (stack: StackJson, type: string): Json => {
  const all = values(stack, type);
  expect(all).toHaveLength(1);
  return all[0];
};
const idOf = (stack: StackJson, type: string, match: (r: Json) => boolean): string => {
  const ids = Object.entries(resourcesOf(stack, type))
    .filter(([, r]) => match(r))
    .map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0];
};
/** The policy document data source behind `${data.aws_iam_policy_document.<id>.json}`. */
const statementsBehind = (stack: StackJson, ref: unknown): Json[] => {
  const id = String(ref).match(/data\.aws_iam_policy_document\.([\w-]+)\.json/)![1];
  return dataOf(stack, "aws_iam_policy_document")[id].statement as Json[];
};
/** Allowed actions of a role's inline policy, sorted and unique. */
const roleActions = (stack: StackJson, roleName: string): string[] => {
  const roleId = idOf(stack, "aws_iam_role", (r) => r.name === roleName);
  const policy = values(stack, "aws_iam_role_policy").find((p) => p.role === `\${aws_iam_role.${roleId}.name}`)!;
  return [...new Set(statementsBehind(stack, policy.policy).flatMap((s) => s.actions as string[]))].sort();
};
/** `<protocol> <from>-<to> <cidr or group>` for every rule of one type on one group. */
const rulesOn = (stack: StackJson, type: string, group: string): string[] =>
  values(stack, type)
    .filter((r) => r.security_group_id === group)
    .map((r) => `${r.ip_protocol} ${r.from_port}-${r.to_port} ${r.cidr_ipv4 ?? r.cidr_ipv6 ?? r.referenced_security_group_id}`)
    .sort();

/** How the influx stack names a core output (cdktf cross-stack reference). */
const coreOutput = (pattern: string) =>
  new RegExp(`^\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-core\\.outputs\\.cross-stack-output-${pattern}\\}$`);
const coreGroup = (synth: Synthesized, name: string): RegExp => {
  const id = idOf(synth.stacks.core, "aws_security_group", (g) => g.name === name);
  return coreOutput(`aws_security_group${id.replace(/_[0-9A-F]{8}$/, "")}[_0-9A-F]*id`);
};
const influxGroupRef = (synth: Synthesized): string => {
  const refs = new Set(
    values(synth.stacks.influx, "aws_vpc_security_group_ingress_rule")
      .filter((r) => r.from_port === synth.config.influx.port)
      .map((r) => r.security_group_id as string),
  );
  expect(refs.size).toBe(1);
  return [...refs][0];
};

describe("influx (dev config: EBS host, full profile, no bastion)", () => {
  let synth: Synthesized;
  let stack: StackJson;
  beforeAll(() => {
    synth = synthAll(configNamed("dev"));
    stack = synth.stacks.influx;
  });

  test("snapshot", () => {
    expect(scrubbed(stack)).toMatchSnapshot();
  });

  test("core holds InfluxDB's security group with no rules; ripples and backend egress targets it, not a CIDR", () => {
    const core = synth.stacks.core;
    const groupId = idOf(core, "aws_security_group", (g) => g.name === "streamlines-dev-influxdb");
    const ref = `\${aws_security_group.${groupId}.id}`;
    expect(rulesOn(core, "aws_vpc_security_group_ingress_rule", ref)).toEqual([]);
    expect(rulesOn(core, "aws_vpc_security_group_egress_rule", ref)).toEqual([]);
    const to8086 = values(core, "aws_vpc_security_group_egress_rule").filter((r) => r.from_port === 8086);
    expect(to8086).toHaveLength(2);
    for (const rule of to8086) expect(rule).toMatchObject({ referenced_security_group_id: ref, ip_protocol: "tcp", to_port: 8086 });
    expect(to8086.some((r) => "cidr_ipv4" in r)).toBe(false);
  });

  test("8086 in only from ripples and backend, by security group; nothing else in; 443 the only way out", () => {
    const group = influxGroupRef(synth);
    expect(group).toMatch(coreGroup(synth, "streamlines-dev-influxdb"));
    const ingress = values(stack, "aws_vpc_security_group_ingress_rule");
    expect(ingress.every((r) => r.security_group_id === group)).toBe(true);
    expect(ingress.map((r) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4, r.cidr_ipv6])).toEqual([
      ["tcp", 8086, 8086, undefined, undefined],
      ["tcp", 8086, 8086, undefined, undefined],
    ]);
    const sources = ingress.map((r) => r.referenced_security_group_id as string);
    expect(sources).toEqual(
      expect.arrayContaining([
        expect.stringMatching(coreGroup(synth, "streamlines-dev-ripples")),
        expect.stringMatching(coreGroup(synth, "streamlines-dev-backend")),
      ]),
    );
    expect(rulesOn(stack, "aws_vpc_security_group_egress_rule", group)).toEqual(["tcp 443-443 0.0.0.0/0"]);
  });

  test("the host: Graviton type from config, private subnet of the volume's AZ, InfluxDB's group, IMDSv2 only, KMS-encrypted root", () => {
    const host = only(stack, "aws_instance");
    expect(host).toMatchObject({
      instance_type: "t4g.medium",
      metadata_options: { http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 },
      root_block_device: {
        encrypted: true,
        volume_type: "gp3",
        volume_size: 20,
        kms_key_id: expect.stringMatching(/foundations.*aws_kms_key.*arn/),
      },
      tags: { Name: "streamlines-dev-influxdb" },
    });
    // influx.availabilityZone is eu-central-1a, the first zone: private-0.
    expect(host.subnet_id).toMatch(coreOutput("aws_subnetnetwork_private-0_[0-9A-F]+id"));
    expect(host.vpc_security_group_ids).toEqual([expect.stringMatching(coreGroup(synth, "streamlines-dev-influxdb"))]);
    expect(host).not.toHaveProperty("associate_public_ip_address");
    expect(host).not.toHaveProperty("key_name");
  });

  test("AMI: the AL2023 arm64 public SSM parameter through a data source, ignored after creation, never resolve:ssm", () => {
    const host = only(stack, "aws_instance");
    const [paramId, param] = Object.entries(dataOf(stack, "aws_ssm_parameter"))[0];
    expect(Object.keys(dataOf(stack, "aws_ssm_parameter"))).toHaveLength(1);
    expect(param.name).toBe(AL2023_ARM64_PARAMETER);
    expect(AL2023_ARM64_PARAMETER).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
    expect(host.ami).toBe(`\${data.aws_ssm_parameter.${paramId}.insecure_value}`);
    expect(host.lifecycle).toEqual({ ignore_changes: ["ami"] });
    expect(JSON.stringify(stack)).not.toContain("resolve:ssm:");
  });

  test("the foundations volume is attached at /dev/sdf, stopping the host before a detach", () => {
    const hostId = Object.keys(resourcesOf(stack, "aws_instance"))[0];
    expect(only(stack, "aws_volume_attachment")).toMatchObject({
      device_name: "/dev/sdf",
      instance_id: `\${aws_instance.${hostId}.id}`,
      volume_id: expect.stringMatching(/foundations.*aws_ebs_volume.*id\}$/),
      stop_instance_before_detaching: true,
    });
  });

  test("Cloud Map: service influxdb in the core namespace, an A record for the host's private IP", () => {
    const hostId = Object.keys(resourcesOf(stack, "aws_instance"))[0];
    const [serviceId, service] = Object.entries(resourcesOf(stack, "aws_service_discovery_service"))[0];
    expect(service).toMatchObject({
      name: "influxdb",
      dns_config: {
        namespace_id: expect.stringMatching(coreOutput("aws_service_discovery_private_dns_namespacenamespace[_0-9A-F]*id")),
        dns_records: [{ type: "A", ttl: 10 }],
      },
    });
    expect(only(stack, "aws_service_discovery_instance")).toMatchObject({
      service_id: `\${aws_service_discovery_service.${serviceId}.id}`,
      instance_id: `\${aws_instance.${hostId}.id}`,
      attributes: { AWS_INSTANCE_IPV4: `\${aws_instance.${hostId}.private_ip}` },
    });
  });

  test("the host role: exactly Session Manager's minimum, pull of the influxdb repo, its three token secrets, their key, its log group", () => {
    expect(roleActions(stack, "streamlines-dev-influxdb")).toEqual([
      "ec2messages:AcknowledgeMessage",
      "ec2messages:DeleteMessage",
      "ec2messages:FailMessage",
      "ec2messages:GetEndpoint",
      "ec2messages:GetMessages",
      "ec2messages:SendReply",
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetAuthorizationToken",
      "ecr:GetDownloadUrlForLayer",
      "kms:Decrypt",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue",
      "ssm:UpdateInstanceInformation",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]);
    const roleId = idOf(stack, "aws_iam_role", (r) => r.name === "streamlines-dev-influxdb");
    const policy = values(stack, "aws_iam_role_policy").find((p) => p.role === `\${aws_iam_role.${roleId}.name}`)!;
    const statements = statementsBehind(stack, policy.policy);
    const resourcesFor = (prefix: string) =>
      [
        ...new Set(
          statements.filter((s) => (s.actions as string[]).some((a) => a.startsWith(prefix))).flatMap((s) => s.resources as string[]),
        ),
      ].sort();
    expect(resourcesFor("secretsmanager:")).toEqual([
      expect.stringMatching(/secret-influx-admin-token_secret_\w+arn\}$/),
      expect.stringMatching(/secret-influx-read-token_secret_\w+arn\}$/),
      expect.stringMatching(/secret-influx-write-token_secret_\w+arn\}$/),
    ]);
    expect(resourcesFor("kms:")).toEqual([expect.stringMatching(/aws_kms_keykey_\w+arn\}$/)]);
    expect(resourcesFor("ecr:Batch")).toEqual([expect.stringMatching(/ecr-influxdb_repository_\w+arn\}$/)]);
    expect(
      statements
        .filter((s) => (s.resources as string[]).includes("*"))
        .flatMap((s) => s.actions)
        .sort(),
    ).toEqual(["ecr:GetAuthorizationToken", ...AGENT_MESSAGE_ACTIONS, ...SESSION_CHANNEL_ACTIONS].sort());
    expect(resourcesFor("ssm:")).toEqual([
      expect.stringMatching(
        /^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:ec2:eu-central-1:\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}:instance\/\*$/,
      ),
    ]);
    const trust = statementsBehind(stack, only(stack, "aws_iam_role").assume_role_policy);
    expect(trust[0].principals).toEqual([{ type: "Service", identifiers: ["ec2.amazonaws.com"] }]);
    // AmazonSSMManagedInstanceCore would add ssm:GetParameter* on "*": every parameter of the account.
    expect(values(stack, "aws_iam_role_policy_attachment")).toEqual([]);
    expect(only(stack, "aws_iam_instance_profile").role).toBe(`\${aws_iam_role.${roleId}.name}`);
  });

  test("log group /<app>/<env>/influxdb, KMS-encrypted, with the configured retention", () => {
    expect(only(stack, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/streamlines/dev/influxdb",
      retention_in_days: 30,
      kms_key_id: expect.stringMatching(/aws_kms_key/),
    });
  });

  test("user data: gzipped header of exports plus the unchanged script file, replaced on change, no secret in it", () => {
    const host = only(stack, "aws_instance");
    const userData = host.user_data_base64 as string;
    expect(userData).toMatch(/^\$\{base64gzip\(join\("", \["#!\/usr\/bin\/env bash\\n", /);
    expect(userData).toMatch(/file\("assets\/[^"]+\/bootstrap\.sh"\)\]\)\)\}$/);
    const exported = [...userData.matchAll(/"export ([A-Z_]+)='"/g)].map((m) => m[1]);
    expect(exported).toEqual([
      "VOLUME_ID",
      "DEVICE_NAME",
      "AWS_REGION",
      "INFLUX_IMAGE",
      "INFLUX_ORG",
      "INFLUX_BUCKETS",
      "INFLUX_RETENTION",
      "INFLUX_PORT",
      "ADMIN_SECRET_ID",
      "READ_SECRET_ID",
      "WRITE_SECRET_ID",
      "LOG_GROUP",
    ]);
    // Every variable the script requires is in the header.
    const script = fs.readFileSync(BOOTSTRAP_SCRIPT, "utf8");
    const hostOnly = script.match(/host\) required=\(([A-Z_ ]+)\)/)![1];
    const common = script.match(/for name in "\$\{required\[@\]\}" ([A-Z_ \\\n]+); do/)![1];
    const required = `${hostOnly} ${common}`.split(/[\s\\]+/).filter(Boolean);
    expect(required).toHaveLength(9);
    expect(required.filter((v) => !exported.includes(v))).toEqual([]);
    expect(userData).toContain(`"export INFLUX_BUCKETS='", "market-data-realtime market-data-historical"`);
    expect(userData).toMatch(
      /"export INFLUX_IMAGE='", join\(":", \[[^\]]*ecr-influxdb_repository_\w+repository_url, "ctx-[0-9a-f]{16}"\]\)/,
    );
    expect(userData).not.toMatch(/secret_string|SecretString|password/i);
    expect(host.user_data_replace_on_change).toBe(true);
  });

  test("the script gzipped stays under EC2's 16 KB user data limit, with room for the header", () => {
    const script = fs.readFileSync(BOOTSTRAP_SCRIPT);
    expect(script.length).toBeGreaterThan(16 * 1024);
    expect(zlib.gzipSync(script, { level: 9 }).length).toBeLessThan(12 * 1024);
  });

  test("a second synth is byte-identical (the user data is gzipped by Terraform, which writes no timestamp)", () => {
    expect(JSON.stringify(synthAll(configNamed("dev")).stacks.influx)).toBe(JSON.stringify(stack));
  });

  test("outputs: InfluxDB URL, instance id, private IP, log group; no bastion output without a bastion", () => {
    expect(Object.keys(stack.output ?? {}).sort()).toEqual(["influx_url", "instance_id", "log_group", "private_ip"]);
    expect((stack.output!.influx_url as Json).value).toBe("http://influxdb.streamlines-dev.internal:8086");
  });
});

describe("bootstrapEnvironment", () => {
  test("one export line per input, in order; quotes and newlines refused", () => {
    expect(bootstrapEnvironment({ A: "1", B_C: "x y" }).join("")).toBe("#!/usr/bin/env bash\nexport A='1'\nexport B_C='x y'\n");
    expect(() => bootstrapEnvironment({ A: "it's" })).toThrow("the value of A holds a quote or a newline");
    expect(() => bootstrapEnvironment({ a: "1" })).toThrow("a is not a shell variable name");
  });
});

describe("influx (efs-endpoints fixture: EFS on Fargate, bastion, full profile)", () => {
  let synth: Synthesized;
  let stack: StackJson;
  beforeAll(() => {
    synth = synthAll(configNamed(path.join(FIXTURES, "efs-endpoints.json")));
    stack = synth.stacks.influx;
  });

  test("snapshot", () => {
    expect(scrubbed(stack)).toMatchSnapshot();
  });

  test("no EC2 host: InfluxDB is one Fargate task in InfluxDB's group, registered as influxdb", () => {
    expect(values(stack, "aws_instance").filter((i) => i.instance_type !== "t4g.nano")).toEqual([]);
    expect(values(stack, "aws_volume_attachment")).toEqual([]);
    const service = values(stack, "aws_ecs_service").find((s) => s.name === "streamlines-var-influxdb")!;
    expect(service).toMatchObject({
      desired_count: 1,
      deployment_minimum_healthy_percent: 0,
      deployment_maximum_percent: 100,
      enable_execute_command: true,
    });
    expect((service.network_configuration as Json).security_groups).toEqual([
      expect.stringMatching(coreGroup(synth, "streamlines-var-influxdb")),
    ]);
    expect(values(stack, "aws_security_group").map((g) => g.name)).toEqual(["streamlines-var-bastion"]);
    expect(only(stack, "aws_service_discovery_service").name).toBe("influxdb");
  });

  test("the EFS volume: access point, TLS in transit, IAM authorization, mounted at InfluxDB's data path", () => {
    const definition = values(stack, "aws_ecs_task_definition").find((t) => t.family === "streamlines-var-influxdb")!;
    expect(definition.volume).toEqual([
      {
        name: "data",
        efs_volume_configuration: {
          file_system_id: expect.stringMatching(/aws_efs_file_systeminflux-data_file-system_\w+id\}$/),
          transit_encryption: "ENABLED",
          authorization_config: {
            access_point_id: expect.stringMatching(/aws_efs_access_pointinflux-data_access-point_\w+id\}$/),
            iam: "ENABLED",
          },
        },
      },
    ]);
    const [container] = JSON.parse(definition.container_definitions as string);
    expect(container.mountPoints).toEqual([{ sourceVolume: "data", containerPath: "/var/lib/influxdb2", readOnly: false }]);
    expect(container.environment).toEqual(
      expect.arrayContaining([
        { name: "INFLUX_RUNTIME", value: "container" },
        { name: "INFLUX_BUCKETS", value: "market-data-realtime market-data-historical" },
      ]),
    );
    expect(container.secrets).toEqual([]);
    expect(definition.cpu).toBe("512");
    expect(definition.memory).toBe("2048");
  });

  test("the task role: mount and write through the access point only, the three token secrets, their key, ECS Exec channels and its session log", () => {
    expect(roleActions(stack, "streamlines-var-influxdb-task")).toEqual([
      "elasticfilesystem:ClientMount",
      "elasticfilesystem:ClientWrite",
      "kms:Decrypt",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]);
    const roleId = idOf(stack, "aws_iam_role", (r) => r.name === "streamlines-var-influxdb-task");
    const policy = values(stack, "aws_iam_role_policy").find((p) => p.role === `\${aws_iam_role.${roleId}.name}`)!;
    const efs = statementsBehind(stack, policy.policy).find((s) => (s.actions as string[]).includes("elasticfilesystem:ClientMount"))!;
    expect(efs.resources).toEqual([expect.stringMatching(/aws_efs_file_systeminflux-data_file-system_\w+arn\}$/)]);
    expect(efs.condition).toEqual([
      {
        test: "StringEquals",
        variable: "elasticfilesystem:AccessPointArn",
        values: [expect.stringMatching(/aws_efs_access_pointinflux-data_access-point_\w+arn\}$/)],
      },
    ]);
  });

  test("8086 in from ripples, backend and the bastion only; out: 443 and NFS to the mount targets' group", () => {
    const group = influxGroupRef(synth);
    const bastionId = idOf(stack, "aws_security_group", (g) => g.name === "streamlines-var-bastion");
    const influxIngress = values(stack, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === group);
    expect(
      influxIngress.every(
        (r) => r.from_port === 8086 && r.to_port === 8086 && r.ip_protocol === "tcp" && !("cidr_ipv4" in r) && !("cidr_ipv6" in r),
      ),
    ).toBe(true);
    expect(influxIngress.map((r) => r.referenced_security_group_id)).toEqual(
      expect.arrayContaining([
        `\${aws_security_group.${bastionId}.id}`,
        expect.stringMatching(coreGroup(synth, "streamlines-var-ripples")),
        expect.stringMatching(coreGroup(synth, "streamlines-var-backend")),
      ]),
    );
    expect(influxIngress).toHaveLength(3);
    const egress = rulesOn(stack, "aws_vpc_security_group_egress_rule", group);
    expect(egress).toHaveLength(2);
    expect(egress[1]).toBe("tcp 443-443 0.0.0.0/0");
    expect(egress[0]).toMatch(new RegExp(`^tcp 2049-2049 ${coreGroup(synth, "streamlines-var-influx-efs-mounts").source.slice(1, -1)}$`));
  });

  test("bastion: t4g.nano with an Elastic IP in a public subnet, IMDSv2, encrypted root, the imported key, SSH only from the config's CIDRs", () => {
    const bastion = only(stack, "aws_instance");
    const bastionGroup = `\${aws_security_group.${idOf(stack, "aws_security_group", (g) => g.name === "streamlines-var-bastion")}.id}`;
    expect(bastion).toMatchObject({
      instance_type: "t4g.nano",
      metadata_options: { http_tokens: "required" },
      root_block_device: { encrypted: true, kms_key_id: expect.stringMatching(/aws_kms_key/) },
      vpc_security_group_ids: [bastionGroup],
      lifecycle: { ignore_changes: ["ami"] },
    });
    expect(bastion.subnet_id).toMatch(coreOutput("aws_subnetnetwork_public-0_[0-9A-F]+id"));
    expect(only(stack, "aws_key_pair")).toMatchObject({
      key_name: "streamlines-var-bastion",
      public_key: synth.config.influx.bastion!.publicKey,
    });
    expect(bastion.key_name).toMatch(/^\$\{aws_key_pair\.[\w-]+\.key_name\}$/);
    expect(rulesOn(stack, "aws_vpc_security_group_ingress_rule", bastionGroup)).toEqual([
      "tcp 22-22 198.51.100.0/24",
      "tcp 22-22 203.0.113.7/32",
    ]);
    expect(rulesOn(stack, "aws_vpc_security_group_egress_rule", bastionGroup)).toEqual(
      ["tcp 443-443 0.0.0.0/0", `tcp 8086-8086 ${influxGroupRef(synth)}`].sort(),
    );
  });

  test("bastion: patchable through Session Manager, with the InfluxDB host's scoped policy and nothing else", () => {
    const bastion = only(stack, "aws_instance");
    const profile = Object.entries(resourcesOf(stack, "aws_iam_instance_profile")).find(([, p]) => p.name === "streamlines-var-bastion")!;
    expect(bastion.iam_instance_profile).toBe(`\${aws_iam_instance_profile.${profile[0]}.name}`);
    expect(roleActions(stack, "streamlines-var-bastion")).toEqual(
      [...AGENT_MESSAGE_ACTIONS, ...SESSION_CHANNEL_ACTIONS, "ssm:UpdateInstanceInformation"].sort(),
    );
    const roleId = idOf(stack, "aws_iam_role", (r) => r.name === "streamlines-var-bastion");
    expect(values(stack, "aws_iam_role_policy_attachment").filter((a) => a.role === `\${aws_iam_role.${roleId}.name}`)).toEqual([]);
    expect(bastion).not.toHaveProperty("associate_public_ip_address");
    const [eipId, eip] = Object.entries(resourcesOf(stack, "aws_eip"))[0];
    expect(eip).toMatchObject({ domain: "vpc", instance: `\${aws_instance.${Object.keys(resourcesOf(stack, "aws_instance"))[0]}.id}` });
    expect((stack.output!.bastion_ip as Json).value).toBe(`\${aws_eip.${eipId}.public_ip}`);
  });
});

describe("influx (backend-only fixture: EBS host with a pinned AMI, Grafana, no bastion)", () => {
  let synth: Synthesized;
  let stack: StackJson;
  beforeAll(() => {
    synth = synthAll(configNamed(path.join(FIXTURES, "backend-only.json")));
    stack = synth.stacks.influx;
  });

  test("snapshot", () => {
    expect(scrubbed(stack)).toMatchSnapshot();
  });

  test("a pinned AMI from config: no SSM data source", () => {
    expect(only(stack, "aws_instance").ami).toBe("ami-0123456789abcdef0");
    expect(dataOf(stack, "aws_ssm_parameter")).toEqual({});
  });

  test("8086 in from ripples and Grafana only (no backend in this profile)", () => {
    const group = influxGroupRef(synth);
    const grafanaGroup = `\${aws_security_group.${idOf(stack, "aws_security_group", (g) => g.name === "streamlines-bko-grafana")}.id}`;
    const sources = values(stack, "aws_vpc_security_group_ingress_rule")
      .filter((r) => r.security_group_id === group)
      .map((r) => r.referenced_security_group_id);
    expect(sources).toHaveLength(2);
    expect(sources).toEqual(expect.arrayContaining([grafanaGroup, expect.stringMatching(coreGroup(synth, "streamlines-bko-ripples"))]));
  });

  test("Grafana: its own image, the read token and admin password as secrets, no load balancer, no ingress at all", () => {
    const definition = values(stack, "aws_ecs_task_definition").find((t) => t.family === "streamlines-bko-grafana")!;
    const [container] = JSON.parse(definition.container_definitions as string);
    expect(container.image).toMatch(/ecr-grafana_repository_\w+repository_url\}:11\.3\.0$/);
    expect(container.secrets).toEqual([
      {
        name: "GF_SECURITY_ADMIN_PASSWORD",
        valueFrom: expect.stringMatching(/^\$\{aws_secretsmanager_secret\.grafana_admin-password_secret_\w+\.arn\}$/),
      },
      { name: "INFLUX_READ_TOKEN", valueFrom: expect.stringMatching(/secret-influx-read-token_secret_\w+arn\}$/) },
    ]);
    const env = Object.fromEntries((container.environment as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      INFLUX_URL: "http://influxdb.streamlines-bko.internal:8086",
      INFLUX_ORG: "streamlines",
      INFLUX_BUCKET: "market-data-realtime",
      GF_AUTH_ANONYMOUS_ENABLED: "false",
    });
    const service = values(stack, "aws_ecs_service").find((s) => s.name === "streamlines-bko-grafana")!;
    expect(service).not.toHaveProperty("load_balancer");
    expect(service.enable_execute_command).toBe(true);
    expect((service.network_configuration as Json).assign_public_ip).toBe(false);
    const grafanaGroup = `\${aws_security_group.${idOf(stack, "aws_security_group", (g) => g.name === "streamlines-bko-grafana")}.id}`;
    expect(rulesOn(stack, "aws_vpc_security_group_ingress_rule", grafanaGroup)).toEqual([]);
    expect(rulesOn(stack, "aws_vpc_security_group_egress_rule", grafanaGroup)).toEqual([
      "tcp 443-443 0.0.0.0/0",
      `tcp 8086-8086 ${influxGroupRef(synth)}`,
    ]);
  });

  test("the admin password: generated by an ephemeral resource into a write-only argument, never in state", () => {
    const version = only(stack, "aws_secretsmanager_secret_version");
    expect(version).not.toHaveProperty("secret_string");
    expect(version).not.toHaveProperty("secret_binary");
    expect(version.secret_string_wo).toMatch(/^\$\{ephemeral\.aws_secretsmanager_random_password\.(\w+)\.random_password\}$/);
    expect(version.secret_string_wo_version).toBe(1);
    const name = (version.secret_string_wo as string).match(/random_password\.(\w+)\./)![1];
    const ephemeral = (stack as Json).ephemeral as Record<string, Record<string, Json>>;
    expect(ephemeral.aws_secretsmanager_random_password[name]).toEqual({ password_length: 32, exclude_punctuation: true });
    expect(resourcesOf(stack, "random_password")).toEqual({});
    expect(only(stack, "aws_secretsmanager_secret")).toMatchObject({
      name: "streamlines-bko/grafana-admin-password",
      kms_key_id: expect.stringMatching(/aws_kms_key/),
    });
  });

  test("outputs: Grafana's service and admin secret next to the host's", () => {
    expect(Object.keys(stack.output ?? {}).sort()).toEqual([
      "grafana_admin_secret",
      "grafana_service_name",
      "influx_url",
      "instance_id",
      "log_group",
      "private_ip",
    ]);
  });
});
