/** FargateService alone: its two roles and their exact grants, the task definition, the security group and the service. */
import { TerraformStack } from "cdktf";
import { FargateService, FargateServiceProps } from "../../modules/fargate-service";
import { ImageRepository } from "../../modules/ecr-repository";
import { EmptySecret } from "../../modules/secret";
import { StreamLinesLogGroup } from "../../modules/log-group";
import { checkClearTextSecrets } from "../helpers/policy";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, byId, granted, moduleStack, only, refTo, resolved, serviceTrust, synth, trustOf } from "./harness";

const NAME = "app-dev-ingest";
const CLUSTER = { arn: "arn:aws:ecs:eu-central-1:111122223333:cluster/app-dev", name: "app-dev" };

function baseProps(stack: TerraformStack): FargateServiceProps {
  const repository = new ImageRepository(stack, "repository", {
    name: "app-dev-ingest",
    kmsKeyArn: KEY_ARN,
    keepLastImages: 5,
    forceDelete: true,
  });
  return {
    name: NAME,
    containerName: "ingest",
    region: "eu-central-1",
    cluster: CLUSTER,
    vpcId: "vpc-1",
    subnetIds: ["subnet-a", "subnet-b"],
    image: { repository, tag: "ctx-0123456789abcdef" },
    cpu: 512,
    memory: 1024,
    architecture: "ARM64",
    desiredCount: 1,
    capacityProvider: "FARGATE_SPOT",
    minHealthyPercent: 100,
    maxPercent: 200,
    environment: { B_SETTING: "b", A_SETTING: "a" },
    logs: { groupName: "/app/dev/ingest", retentionDays: 14, kmsKeyArn: KEY_ARN },
    executeCommand: false,
    ignoreDesiredCount: false,
  };
}

function build(
  props: (stack: TerraformStack) => Partial<FargateServiceProps> = () => ({}),
  use?: (s: FargateService, stack: TerraformStack) => void,
) {
  const stack = moduleStack();
  const service = new FargateService(stack, "service", { ...baseProps(stack), ...props(stack) });
  use?.(service, stack);
  return { json: synth(stack), service, stack };
}

const role = (json: StackJson, name: string) => Object.values(byId(json, "aws_iam_role")).find((r) => r.name === name)!;
const containers = (json: StackJson) =>
  JSON.parse(String(only(json, "aws_ecs_task_definition").container_definitions)) as Array<Record<string, unknown>>;
const secret = (stack: TerraformStack, id: string) =>
  new EmptySecret(stack, id, { name: `app-dev/${id}`, description: id, kmsKeyArn: KEY_ARN, recoveryWindowDays: 0 });
const logStatement = (json: StackJson) => {
  const arn = refTo(json, "aws_cloudwatch_log_group", "arn");
  return {
    actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
    effect: "Allow",
    resources: [arn, `${arn}:log-stream:*`],
  };
};

describe("the execution role", () => {
  test("pulls from the service's own repository and writes its own log group, nothing else", () => {
    const { json } = build();
    expect(granted(json, `${NAME}-execution`)).toEqual([
      {
        actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        effect: "Allow",
        resources: [refTo(json, "aws_ecr_repository", "arn")],
      },
      { actions: ["ecr:GetAuthorizationToken"], effect: "Allow", resources: ["*"] },
      logStatement(json),
    ]);
    expect(role(json, `${NAME}-execution`).description).toBe(`${NAME}: ECS pulls the image, writes logs and reads this service's secrets`);
  });

  test("reads each secret once however many variables it fills, and decrypts it with the key", () => {
    const { json } = build((stack) => {
      const db = secret(stack, "db");
      return {
        secrets: {
          DB_USER: { secret: db, jsonKey: "user" },
          DB_PASSWORD: { secret: db, jsonKey: "password" },
          API_TOKEN: { secret: secret(stack, "token") },
        },
      };
    });
    const statements = granted(json, `${NAME}-execution`);
    expect(statements.slice(3)).toEqual([
      {
        actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        effect: "Allow",
        resources: Object.keys(byId(json, "aws_secretsmanager_secret"))
          .map((id) => `\${aws_secretsmanager_secret.${id}.arn}`)
          .sort(),
      },
      { actions: ["kms:Decrypt"], effect: "Allow", resources: [KEY_ARN] },
    ]);
  });
});

describe("the task role", () => {
  test("trusts only ECS tasks of this account and region, and grants nothing by itself", () => {
    const { json } = build();
    expect(trustOf(json, `${NAME}-task`)).toEqual(
      serviceTrust(json, "ecs-tasks.amazonaws.com", (partition, account) => `arn:${partition}:ecs:eu-central-1:${account}:*`),
    );
    expect(trustOf(json, `${NAME}-execution`)).toEqual([
      { effect: "Allow", actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }] },
    ]);
    expect(granted(json, `${NAME}-task`)).toEqual([]);
    expect(Object.values(byId(json, "aws_iam_role_policy")).map((p) => p.name)).toEqual([`${NAME}-execution-policy`]);
  });

  test("ECS Exec: the SSM channels (no resource types exist), and the session log with its lookup", () => {
    const { json } = build((stack) => {
      const sessions = new StreamLinesLogGroup(stack, "exec-sessions", { name: "/app/dev/exec", retentionDays: 7, kmsKeyArn: KEY_ARN });
      return { executeCommand: true, cluster: { ...CLUSTER, execSessionLog: sessions } };
    });
    const account = refTo(json, "aws_caller_identity", "account_id", "data");
    const partition = refTo(json, "aws_partition", "partition", "data");
    const sessions = `\${aws_cloudwatch_log_group.${Object.keys(byId(json, "aws_cloudwatch_log_group")).find((id) => id.startsWith("exec-sessions"))}.arn}`;
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
      {
        actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        effect: "Allow",
        resources: [sessions, `${sessions}:log-stream:*`],
      },
      { actions: ["logs:DescribeLogGroups"], effect: "Allow", resources: [`arn:${partition}:logs:eu-central-1:${account}:log-group:*`] },
    ]);
    expect(containers(json)[0].linuxParameters).toEqual({ initProcessEnabled: true });
    expect(only(json, "aws_ecs_service").enable_execute_command).toBe(true);
  });

  test("an EFS volume: mount and write on the file system, only through its access point, over TLS with IAM", () => {
    const efsVolume = {
      fileSystemId: "fs-1",
      fileSystemArn: "arn:aws:elasticfilesystem:eu-central-1:1:file-system/fs-1",
      accessPointId: "fsap-1",
      accessPointArn: "arn:aws:elasticfilesystem:eu-central-1:1:access-point/fsap-1",
      containerPath: "/var/lib/influxdb2",
    };
    const { json } = build(() => ({ efsVolume }));
    expect(granted(json, `${NAME}-task`)).toEqual([
      {
        actions: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
        condition: [{ test: "StringEquals", variable: "elasticfilesystem:AccessPointArn", values: [efsVolume.accessPointArn] }],
        effect: "Allow",
        resources: [efsVolume.fileSystemArn],
      },
    ]);
    expect(only(json, "aws_ecs_task_definition").volume).toEqual([
      {
        name: "data",
        efs_volume_configuration: {
          file_system_id: "fs-1",
          transit_encryption: "ENABLED",
          authorization_config: { access_point_id: "fsap-1", iam: "ENABLED" },
        },
      },
    ]);
    expect(containers(json)[0].mountPoints).toEqual([{ sourceVolume: "data", containerPath: "/var/lib/influxdb2", readOnly: false }]);
  });
});

describe("the task definition", () => {
  test("Fargate, awsvpc, the asked size and platform, the two roles, and the container's settings", () => {
    const { json, stack, service } = build((stack) => ({ secrets: { TOKEN: { secret: secret(stack, "token"), jsonKey: "value" } } }));
    const definition = only(json, "aws_ecs_task_definition");
    expect(definition).toMatchObject({
      family: NAME,
      requires_compatibilities: ["FARGATE"],
      network_mode: "awsvpc",
      cpu: "512",
      memory: "1024",
      runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "ARM64" },
    });
    expect([definition.execution_role_arn, definition.task_role_arn]).toEqual([
      resolved(stack, service.executionRole.arn),
      resolved(stack, service.taskRole.arn),
    ]);
    expect(new Set([definition.execution_role_arn, definition.task_role_arn]).size).toBe(2);
    expect(definition.volume).toBeUndefined();
    const image = resolved(stack, service.image);
    expect(containers(json)).toEqual([
      {
        name: "ingest",
        image,
        essential: true,
        environment: [
          { name: "A_SETTING", value: "a" },
          { name: "B_SETTING", value: "b" },
        ],
        secrets: [{ name: "TOKEN", valueFrom: `${refTo(json, "aws_secretsmanager_secret", "arn")}:value::` }],
        logConfiguration: {
          logDriver: "awslogs",
          options: {
            "awslogs-group": refTo(json, "aws_cloudwatch_log_group", "name"),
            "awslogs-region": "eu-central-1",
            "awslogs-stream-prefix": "ingest",
          },
        },
      },
    ]);
    expect(image).toBe(`${refTo(json, "aws_ecr_repository", "repository_url")}:ctx-0123456789abcdef`);
    expect(checkClearTextSecrets(json)).toEqual([]);
  });

  test("its log group: named, retained and encrypted as asked", () => {
    expect(only(build().json, "aws_cloudwatch_log_group")).toEqual({ name: "/app/dev/ingest", retention_in_days: 14, kms_key_id: KEY_ARN });
  });

  test("a read-only root file system gets one task-storage volume per writable path", () => {
    const { json } = build(() => ({ readonlyRootFilesystem: { writablePaths: ["/tmp", "/var/cache"] } }));
    expect(only(json, "aws_ecs_task_definition").volume).toEqual([{ name: "writable-0" }, { name: "writable-1" }]);
    expect(containers(json)[0]).toMatchObject({
      readonlyRootFilesystem: true,
      mountPoints: [
        { sourceVolume: "writable-0", containerPath: "/tmp", readOnly: false },
        { sourceVolume: "writable-1", containerPath: "/var/cache", readOnly: false },
      ],
    });
  });

  test("a health check passes through in ECS's terms", () => {
    const healthCheck = { command: ["CMD", "/healthcheck"], intervalSeconds: 30, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 60 };
    expect(containers(build(() => ({ healthCheck })).json)[0].healthCheck).toEqual({
      command: ["CMD", "/healthcheck"],
      interval: 30,
      timeout: 5,
      retries: 3,
      startPeriod: 60,
    });
  });
});

describe("refused settings", () => {
  const lbAttachment = { targetGroupArn: "tg", sourceSecurityGroupId: "sg-alb", dependsOn: [], admit: () => undefined };
  test.each([
    [
      "a load balancer without a port",
      () => ({ loadBalancer: lbAttachment }),
      `FargateService ${NAME}: a load balancer or service discovery needs a port`,
    ],
    [
      "service discovery without a port",
      () => ({ serviceDiscovery: { namespaceId: "ns-1", name: "ingest" } }),
      `FargateService ${NAME}: a load balancer or service discovery needs a port`,
    ],
    [
      "a load balancer with an existing security group",
      () => ({ port: 80, loadBalancer: lbAttachment, securityGroupId: "sg-1" }),
      `FargateService ${NAME}: with an existing security group its owner adds the rules (no egressTo or load balancer)`,
    ],
    [
      "ECS Exec with a read-only root",
      () => ({ executeCommand: true, readonlyRootFilesystem: { writablePaths: [] } }),
      `FargateService ${NAME}: ECS Exec does not work with a read-only root file system (its agent writes there)`,
    ],
    [
      "a health check that is not CMD or CMD-SHELL",
      () => ({ healthCheck: { command: ["curl", "x"], intervalSeconds: 30, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 } }),
      `FargateService ${NAME}: a health check command starts with CMD or CMD-SHELL, not curl`,
    ],
    [
      "an empty environment value",
      () => ({ environment: { SET: "x", EMPTY: "" } }),
      `fargate-service ${NAME}: empty environment value for EMPTY; ECS drops empty values, so leave the variable out or give it a value`,
    ],
  ])("%s", (_, props, message) => {
    expect(() => build(props as () => Partial<FargateServiceProps>)).toThrow(message);
  });

  test("autoscaling without ignoreDesiredCount", () => {
    expect(() => build(undefined, (s) => s.autoscaleOnCpu({ min: 1, max: 2, targetCpuPercent: 60 }))).toThrow(
      `FargateService ${NAME}: autoscaling needs ignoreDesiredCount`,
    );
  });
});

describe("network", () => {
  test("its own group: HTTPS out only, no ingress, no public IP", () => {
    const { json } = build();
    const group = refTo(json, "aws_security_group", "id");
    expect(only(json, "aws_security_group")).toMatchObject({ name: NAME, vpc_id: "vpc-1", tags: { Name: NAME } });
    expect(Object.values(byId(json, "aws_vpc_security_group_egress_rule"))).toEqual([
      {
        security_group_id: group,
        description: "HTTPS to AWS APIs and external market-data endpoints",
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: "0.0.0.0/0",
        tags: { Name: `${NAME}-https` },
      },
    ]);
    expect(byId(json, "aws_vpc_security_group_ingress_rule")).toEqual({});
    expect(only(json, "aws_ecs_service").network_configuration).toEqual({
      subnets: ["subnet-a", "subnet-b"],
      security_groups: [group],
      assign_public_ip: false,
    });
  });

  test("behind a load balancer: in from its group on the container port, and the balancer admits the group", () => {
    const admitted: Array<[unknown, number]> = [];
    const { json, stack } = build(() => ({
      port: 8080,
      loadBalancer: {
        targetGroupArn: "arn:tg",
        sourceSecurityGroupId: "sg-alb",
        dependsOn: [],
        admit: (sg, port) => admitted.push([sg, port]),
      },
    }));
    const group = refTo(json, "aws_security_group", "id");
    expect(only(json, "aws_vpc_security_group_ingress_rule")).toEqual({
      security_group_id: group,
      description: "TCP 8080 from the load balancer",
      ip_protocol: "tcp",
      from_port: 8080,
      to_port: 8080,
      referenced_security_group_id: "sg-alb",
      tags: { Name: `${NAME}-from-load-balancer` },
    });
    expect(admitted.map(([sg, port]) => [resolved(stack, sg), port])).toEqual([[group, 8080]]);
    expect(only(json, "aws_ecs_service")).toMatchObject({
      load_balancer: [{ target_group_arn: "arn:tg", container_name: "ingest", container_port: 8080 }],
      health_check_grace_period_seconds: 60,
    });
    expect(containers(json)[0].portMappings).toEqual([{ containerPort: 8080, protocol: "tcp" }]);
  });

  test("service discovery: A records with ECS-reported health, and the port open to the VPC when given its CIDR", () => {
    const { json } = build(() => ({ port: 8086, serviceDiscovery: { namespaceId: "ns-1", name: "influxdb", vpcCidr: "10.0.0.0/16" } }));
    expect(only(json, "aws_service_discovery_service")).toEqual({
      name: "influxdb",
      description: `${NAME} tasks`,
      dns_config: { namespace_id: "ns-1", routing_policy: "MULTIVALUE", dns_records: [{ type: "A", ttl: 10 }] },
      health_check_custom_config: { failure_threshold: 1 },
      force_destroy: true,
    });
    expect(only(json, "aws_vpc_security_group_ingress_rule")).toMatchObject({
      from_port: 8086,
      to_port: 8086,
      cidr_ipv4: "10.0.0.0/16",
      tags: { Name: `${NAME}-from-vpc` },
    });
    expect(only(json, "aws_ecs_service").service_registries).toEqual({ registry_arn: refTo(json, "aws_service_discovery_service", "arn") });
  });

  test("an existing security group: none of its own, and no rules added to the given one", () => {
    const { json } = build(() => ({
      port: 8086,
      securityGroupId: "sg-shared",
      serviceDiscovery: { namespaceId: "ns-1", name: "influxdb", vpcCidr: "10.0.0.0/16" },
    }));
    expect(byId(json, "aws_security_group")).toEqual({});
    expect(byId(json, "aws_vpc_security_group_ingress_rule")).toEqual({});
    expect(byId(json, "aws_vpc_security_group_egress_rule")).toEqual({});
    expect(only(json, "aws_ecs_service").network_configuration).toMatchObject({ security_groups: ["sg-shared"] });
  });
});

describe("the service", () => {
  test("circuit breaker with rollback, tags propagated from the service, capacity provider and deployment limits as asked", () => {
    const { json } = build();
    expect(only(json, "aws_ecs_service")).toMatchObject({
      name: NAME,
      cluster: CLUSTER.arn,
      task_definition: refTo(json, "aws_ecs_task_definition", "arn"),
      desired_count: 1,
      capacity_provider_strategy: [{ capacity_provider: "FARGATE_SPOT", weight: 1, base: 0 }],
      deployment_circuit_breaker: { enable: true, rollback: true },
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      enable_execute_command: false,
      propagate_tags: "SERVICE",
      enable_ecs_managed_tags: true,
    });
    expect(only(json, "aws_ecs_service").lifecycle).toBeUndefined();
  });

  test("with ignoreDesiredCount, Terraform leaves the count to the schedule or autoscaling, which targets CPU", () => {
    const { json } = build(
      () => ({ ignoreDesiredCount: true }),
      (s) => s.autoscaleOnCpu({ min: 1, max: 4, targetCpuPercent: 60 }),
    );
    expect(only(json, "aws_ecs_service").lifecycle).toEqual({ ignore_changes: ["desired_count"] });
    expect(only(json, "aws_appautoscaling_target")).toEqual({
      service_namespace: "ecs",
      resource_id: `service/app-dev/${refTo(json, "aws_ecs_service", "name")}`,
      scalable_dimension: "ecs:service:DesiredCount",
      min_capacity: 1,
      max_capacity: 4,
    });
    expect(only(json, "aws_appautoscaling_policy")).toMatchObject({
      name: `${NAME}-cpu`,
      policy_type: "TargetTrackingScaling",
      target_tracking_scaling_policy_configuration: {
        predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
        target_value: 60,
        scale_out_cooldown: 60,
        scale_in_cooldown: 300,
      },
    });
  });
});
