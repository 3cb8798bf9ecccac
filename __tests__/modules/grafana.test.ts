/** Grafana alone: its admin password never in state, its service's exact grants, and the one way in. */
import { TerraformStack } from "cdktf";
import { Grafana, GrafanaProps, ADMIN_PASSWORD_VERSION } from "../../modules/grafana";
import { ImageRepository } from "../../modules/ecr-repository";
import { EmptySecret } from "../../modules/secret";
import { checkClearTextSecrets } from "../helpers/policy";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, byId, granted, moduleStack, only, refTo, synth } from "./harness";

const NAME = "app-dev-grafana";

function build(use?: (grafana: Grafana) => void): StackJson {
  const stack: TerraformStack = moduleStack();
  const props: GrafanaProps = {
    name: NAME,
    region: "eu-central-1",
    cluster: { arn: "arn:aws:ecs:eu-central-1:111122223333:cluster/app-dev", name: "app-dev" },
    vpcId: "vpc-1",
    subnetIds: ["subnet-a"],
    image: {
      repository: new ImageRepository(stack, "repository", {
        name: "app-dev-grafana",
        kmsKeyArn: KEY_ARN,
        keepLastImages: 5,
        forceDelete: true,
      }),
      tag: "ctx-0123456789abcdef",
    },
    cpu: 256,
    memory: 512,
    port: 3000,
    influx: {
      url: "http://influxdb.app-dev.local:8086",
      org: "stream-lines",
      bucket: "ripples",
      port: 8086,
      securityGroupId: "sg-influx",
      readToken: new EmptySecret(stack, "read-token", {
        name: "app-dev/influxdb-read-token",
        description: "read",
        kmsKeyArn: KEY_ARN,
        recoveryWindowDays: 0,
      }),
    },
    logs: { groupName: "/app/dev/grafana", retentionDays: 14, kmsKeyArn: KEY_ARN },
    adminSecret: { name: "app-dev/grafana-admin-password", kmsKeyArn: KEY_ARN, recoveryWindowDays: 7 },
    namespaceId: "ns-1",
  };
  const grafana = new Grafana(stack, "grafana", props);
  use?.(grafana);
  return synth(stack);
}

let json: StackJson;
beforeAll(() => {
  json = build();
});

const secretArn = (json: StackJson, name: string) =>
  `\${aws_secretsmanager_secret.${Object.entries(byId(json, "aws_secretsmanager_secret")).find(([, s]) => s.name === name)![0]}.arn}`;

test("the admin password: generated into its secret through the write-only attribute, never in state", () => {
  const admin = secretArn(json, "app-dev/grafana-admin-password");
  const version = only(json, "aws_secretsmanager_secret_version");
  expect(version).toEqual({
    secret_id: admin,
    secret_string_wo: expect.stringMatching(/^\$\{ephemeral\.aws_secretsmanager_random_password\.\w+\.random_password\}$/),
    secret_string_wo_version: ADMIN_PASSWORD_VERSION,
  });
  expect(Object.values((json.ephemeral as Record<string, Record<string, unknown>>).aws_secretsmanager_random_password)).toEqual([
    { password_length: 32, exclude_punctuation: true },
  ]);
  expect(Object.values(byId(json, "aws_secretsmanager_secret")).find((s) => s.name === "app-dev/grafana-admin-password")).toMatchObject({
    kms_key_id: KEY_ARN,
    recovery_window_in_days: 7,
  });
  expect(checkClearTextSecrets(json)).toEqual([]);
});

test("the execution role reads exactly the admin password and the InfluxDB read token", () => {
  const statements = granted(json, `${NAME}-execution`);
  expect(statements.filter((s) => s.actions.some((a) => a.startsWith("secretsmanager:")))).toEqual([
    {
      actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
      effect: "Allow",
      resources: [secretArn(json, "app-dev/grafana-admin-password"), secretArn(json, "app-dev/influxdb-read-token")].sort(),
    },
  ]);
  expect(statements.filter((s) => s.actions.some((a) => a.startsWith("kms:")))).toEqual([
    { actions: ["kms:Decrypt"], effect: "Allow", resources: [KEY_ARN] },
  ]);
});

test("the task role: ECS Exec channels only (operators port-forward to the UI)", () => {
  expect(granted(json, `${NAME}-task`)).toEqual([
    {
      actions: [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ],
      effect: "Allow",
      resources: ["*"],
    },
  ]);
});

test("one task, no anonymous access, the data source settings, and secrets by reference", () => {
  const [container] = JSON.parse(String(only(json, "aws_ecs_task_definition").container_definitions));
  expect(container.environment).toEqual([
    { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
    { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
    { name: "GF_AUTH_ANONYMOUS_ENABLED", value: "false" },
    { name: "GF_SECURITY_ADMIN_USER", value: "admin" },
    { name: "GF_SERVER_HTTP_PORT", value: "3000" },
    { name: "INFLUX_BUCKET", value: "ripples" },
    { name: "INFLUX_ORG", value: "stream-lines" },
    { name: "INFLUX_URL", value: "http://influxdb.app-dev.local:8086" },
  ]);
  expect(container.secrets).toEqual([
    { name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: secretArn(json, "app-dev/grafana-admin-password") },
    { name: "INFLUX_READ_TOKEN", valueFrom: secretArn(json, "app-dev/influxdb-read-token") },
  ]);
  expect(only(json, "aws_ecs_service")).toMatchObject({
    desired_count: 1,
    deployment_minimum_healthy_percent: 0,
    deployment_maximum_percent: 100,
    enable_execute_command: true,
  });
});

test("no ingress until a client is admitted; then its group on the UI port only", () => {
  expect(byId(json, "aws_vpc_security_group_ingress_rule")).toEqual({});
  const admitted = build((g) => g.admit("bastion", "sg-bastion"));
  expect(only(admitted, "aws_vpc_security_group_ingress_rule")).toEqual({
    security_group_id: refTo(admitted, "aws_security_group", "id"),
    description: "Grafana (TCP 3000) from bastion",
    ip_protocol: "tcp",
    from_port: 3000,
    to_port: 3000,
    referenced_security_group_id: "sg-bastion",
    tags: { Name: `${NAME}-from-bastion` },
  });
});
