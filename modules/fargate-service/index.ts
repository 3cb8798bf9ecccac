import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { ServiceDiscoveryService } from "@cdktf/provider-aws/lib/service-discovery-service";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { accountIdOf, partitionOf } from "../aws-context";
import { Grantable, StreamLinesRole } from "../iam-role";
import { StreamLinesLogGroup } from "../log-group";
import { EgressToGroup, allowEgressToGroup, allowTcpIn, allowTcpOut } from "../security-group-rule";

/** An Application Auto Scaling target and the capacity range it keeps while running. */
export interface ScalableTarget {
  readonly serviceNamespace: string;
  readonly resourceId: string;
  readonly scalableDimension: string;
  readonly min: number;
  readonly max: number;
}

/** An image repository that can grant pulls of its own images (`ImageRepository`). */
export interface PullableRepository {
  readonly url: string;
  grantPull(grantee: Grantable): void;
}

/** The cluster a service runs in; with ECS Exec, the log group the cluster sends exec sessions to. */
export interface EcsClusterRef {
  readonly arn: string;
  readonly name: string;
  /** The cluster logs exec sessions here (logging OVERRIDE): exec-enabled task roles must be able to write it. */
  readonly execSessionLog?: { readonly name: string; grantWrite(grantee: Grantable): void };
}

/** A Secrets Manager secret that can grant reads of itself (`EmptySecret`). */
export interface ReadableSecret {
  readonly arn: string;
  grantRead(grantee: Grantable): void;
}

/** One environment variable filled from a secret by ECS at task start. */
export interface SecretEnvironmentVariable {
  readonly secret: ReadableSecret;
  /** A key of the secret's JSON value; without it the whole value. */
  readonly jsonKey?: string;
}

/** Where a load balancer sends traffic to this service (see `LoadBalancer.targets`). */
export interface LoadBalancerAttachment {
  readonly targetGroupArn: string;
  /** The load balancer's security group: the only source allowed to reach the container port. */
  readonly sourceSecurityGroupId: string;
  /** Listener and rules that must exist first: ECS rejects a target group no load balancer uses yet. */
  readonly dependsOn: readonly ITerraformDependable[];
  /** Called with this service's security group so the load balancer can open its egress to it. */
  admit(serviceSecurityGroupId: string, port: number): void;
}

/** ECS `healthCheck` of a container definition; the command must be one the image can run. */
export interface ContainerHealthCheck {
  /** `["CMD", program, ...args]` or `["CMD-SHELL", "..."]`. */
  readonly command: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds: number;
}

/**
 * One on-demand Graviton task, and a deployment stops the old task before it starts the new one:
 * for single writers (InfluxDB on its file system, Grafana on its in-task database).
 */
export const ONE_TASK_AT_A_TIME = {
  architecture: "ARM64",
  desiredCount: 1,
  capacityProvider: "FARGATE",
  minHealthyPercent: 0,
  maxPercent: 100,
} as const;

export interface FargateServiceProps {
  /** `<app>-<env>-<service>`: service, task family, roles and security group are named after it. */
  readonly name: string;
  /** Container name, also the log stream prefix, e.g. `backend`. */
  readonly containerName: string;
  readonly region: string;
  readonly cluster: EcsClusterRef;
  /**
   * Capacity providers must be on the cluster before a service names them in its strategy. Only for
   * services in the cluster's own stack; a later stack's services find them in place.
   */
  readonly clusterCapacityProviders?: ITerraformDependable;
  readonly vpcId: string;
  /** Private subnets; tasks never get a public IP. */
  readonly subnetIds: readonly string[];
  /** The service's own repository and the immutable tag to run: the image is `<repository url>:<tag>`. */
  readonly image: { readonly repository: PullableRepository; readonly tag: string };
  /** Fargate CPU units and memory in MiB; config validation keeps the pair a valid Fargate size. */
  readonly cpu: number;
  readonly memory: number;
  readonly architecture: "X86_64" | "ARM64";
  readonly desiredCount: number;
  readonly capacityProvider: "FARGATE" | "FARGATE_SPOT";
  readonly minHealthyPercent: number;
  readonly maxPercent: number;
  /** Plain settings. Secret values never go here (the policy tests check task definitions for it). */
  readonly environment: Readonly<Record<string, string>>;
  /** Variables ECS fills from Secrets Manager; only the execution role can read these secrets. */
  readonly secrets?: Readonly<Record<string, SecretEnvironmentVariable>>;
  /** Terraform-owned log group for the awslogs driver. */
  readonly logs: { readonly groupName: string; readonly retentionDays: number; readonly kmsKeyArn: string };
  /** Port the container listens on; needed with a load balancer or service discovery. */
  readonly port?: number;
  /** Egress besides HTTPS, each one port to one security group (e.g. `influxClientEgress`); the rule is `egress-<id ?? name>`. */
  readonly egressTo?: readonly EgressToGroup[];
  /** ECS Exec; adds the SSM channel permissions to the task role. */
  readonly executeCommand: boolean;
  readonly loadBalancer?: LoadBalancerAttachment;
  /**
   * Registers tasks as `<name>.<namespace>` A records; with `vpcCidr`, also opens the port to it
   * (without, the callers' security groups must be admitted one by one).
   */
  readonly serviceDiscovery?: { readonly namespaceId: string; readonly name: string; readonly vpcCidr?: string };
  /**
   * An existing security group for the tasks instead of one of their own. Its owner manages every
   * rule, so the module adds none (no HTTPS, egress or VPC rules); `egressTo` is refused.
   */
  readonly securityGroupId?: string;
  /**
   * An EFS file system mounted through an access point, with TLS in transit and IAM authorization;
   * the task role gets mount (and write) permission on that access point only.
   */
  readonly efsVolume?: {
    readonly fileSystemId: string;
    readonly fileSystemArn: string;
    readonly accessPointId: string;
    readonly accessPointArn: string;
    readonly containerPath: string;
  };
  /** A container health check; ECS replaces a task whose container turns UNHEALTHY. */
  readonly healthCheck?: ContainerHealthCheck;
  /** Read-only root file system; `writablePaths` each get an empty volume on the task's own storage. */
  readonly readonlyRootFilesystem?: { readonly writablePaths: readonly string[] };
  /**
   * Terraform leaves desired_count alone after creation: the market-hours schedule or autoscaling
   * owns it, and an apply must not undo their work.
   */
  readonly ignoreDesiredCount: boolean;
}

/**
 * A Fargate service with its task definition, log group, execution and task roles and security group.
 * Resource modules grant the task role what the service needs: `stream.grantWrite(service.taskRole)`.
 */
export class FargateService extends Construct {
  readonly name: string;
  /** The service ARN. */
  readonly arn: string;
  readonly taskRole: StreamLinesRole;
  readonly executionRole: StreamLinesRole;
  readonly securityGroupId: string;
  readonly logGroupName: string;
  readonly taskDefinitionArn: string;
  readonly image: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: FargateServiceProps,
  ) {
    super(scope, id);
    if ((props.loadBalancer || props.serviceDiscovery) && props.port === undefined) {
      throw new Error(`FargateService ${props.name}: a load balancer or service discovery needs a port`);
    }
    if (props.securityGroupId && (props.egressTo?.length || props.loadBalancer)) {
      throw new Error(
        `FargateService ${props.name}: with an existing security group its owner adds the rules (no egressTo or load balancer)`,
      );
    }
    const accountId = accountIdOf(this);
    const partition = partitionOf(this);

    const logGroup = new StreamLinesLogGroup(this, "logs", {
      name: props.logs.groupName,
      retentionDays: props.logs.retentionDays,
      kmsKeyArn: props.logs.kmsKeyArn,
    });
    this.logGroupName = logGroup.name;

    // Execution role: ECS itself pulls the image, writes logs and resolves secrets with it.
    this.executionRole = new StreamLinesRole(this, "execution-role", {
      name: `${props.name}-execution`,
      description: `${props.name}: ECS pulls the image, writes logs and reads this service's secrets`,
      assumedBy: ["ecs-tasks.amazonaws.com"],
    });
    props.image.repository.grantPull(this.executionRole);
    logGroup.grantWrite(this.executionRole);
    const secrets = Object.entries(props.secrets ?? {}).sort(([a], [b]) => a.localeCompare(b));
    for (const secret of new Set(secrets.map(([, s]) => s.secret))) secret.grantRead(this.executionRole);

    // Task role: what the application may do. Starts empty; resource modules add grants.
    this.taskRole = new StreamLinesRole(this, "task-role", {
      name: `${props.name}-task`,
      description: `${props.name}: the application's own AWS access`,
      assumedBy: ["ecs-tasks.amazonaws.com"],
      // Confused-deputy guard, as AWS recommends for task roles: only ECS tasks of this account.
      trustConditions: {
        StringEquals: { "aws:SourceAccount": [accountId] },
        ArnLike: { "aws:SourceArn": [`arn:${partition}:ecs:${props.region}:${accountId}:*`] },
      },
    });
    if (props.executeCommand && props.readonlyRootFilesystem) {
      throw new Error(`FargateService ${props.name}: ECS Exec does not work with a read-only root file system (its agent writes there)`);
    }
    if (props.executeCommand) {
      // ssmmessages defines no resource types: "*" is the only value IAM accepts.
      this.taskRole.addToPolicy({
        actions: [
          "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel",
          "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel",
        ],
        resources: ["*"],
      });
      if (props.cluster.execSessionLog) {
        // The Exec agent in the task writes the session log itself, after checking the group is encrypted.
        props.cluster.execSessionLog.grantWrite(this.taskRole);
        this.taskRole.addToPolicy({
          actions: ["logs:DescribeLogGroups"],
          resources: [`arn:${partition}:logs:${props.region}:${accountId}:log-group:*`],
        });
      }
    }

    const volumeName = "data";
    const writable = (props.readonlyRootFilesystem?.writablePaths ?? []).map((containerPath, i) => ({
      name: `writable-${i}`,
      containerPath,
    }));
    if (props.healthCheck && !["CMD", "CMD-SHELL"].includes(props.healthCheck.command[0])) {
      throw new Error(
        `FargateService ${props.name}: a health check command starts with CMD or CMD-SHELL, not ${props.healthCheck.command[0]}`,
      );
    }
    if (props.efsVolume) {
      this.taskRole.addToPolicy({
        actions: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
        resources: [props.efsVolume.fileSystemArn],
        conditions: { StringEquals: { "elasticfilesystem:AccessPointArn": [props.efsVolume.accessPointArn] } },
      });
    }

    // ECS drops an empty value when it registers the task definition: the container would not see the
    // variable at all, and every plan would show a diff.
    const empty = Object.keys(props.environment).filter((name) => props.environment[name] === "");
    if (empty.length > 0)
      throw new Error(
        `fargate-service ${props.name}: empty environment value for ${empty.join(", ")}; ECS drops empty values, so leave the variable out or give it a value`,
      );
    this.image = `${props.image.repository.url}:${props.image.tag}`;
    const container = {
      name: props.containerName,
      image: this.image,
      essential: true,
      ...(props.port !== undefined && { portMappings: [{ containerPort: props.port, protocol: "tcp" }] }),
      environment: Object.keys(props.environment)
        .sort()
        .map((name) => ({ name, value: props.environment[name] })),
      secrets: secrets.map(([name, s]) => ({ name, valueFrom: s.jsonKey ? `${s.secret.arn}:${s.jsonKey}::` : s.secret.arn })),
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": logGroup.name, "awslogs-region": props.region, "awslogs-stream-prefix": props.containerName },
      },
      ...((props.efsVolume || writable.length > 0) && {
        mountPoints: [
          ...(props.efsVolume ? [{ sourceVolume: volumeName, containerPath: props.efsVolume.containerPath, readOnly: false }] : []),
          ...writable.map((w) => ({ sourceVolume: w.name, containerPath: w.containerPath, readOnly: false })),
        ],
      }),
      ...(props.readonlyRootFilesystem && { readonlyRootFilesystem: true }),
      ...(props.healthCheck && {
        healthCheck: {
          command: [...props.healthCheck.command],
          interval: props.healthCheck.intervalSeconds,
          timeout: props.healthCheck.timeoutSeconds,
          retries: props.healthCheck.retries,
          startPeriod: props.healthCheck.startPeriodSeconds,
        },
      }),
      // ECS Exec's agent needs an init process to reap the sessions it starts.
      ...(props.executeCommand && { linuxParameters: { initProcessEnabled: true } }),
    };
    const taskDefinition = new EcsTaskDefinition(this, "task-definition", {
      family: props.name,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(props.cpu),
      memory: String(props.memory),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: props.architecture },
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      // Literal JSON, not jsonencode: the policy tests read environment and secrets from it.
      containerDefinitions: JSON.stringify([container]),
      ...((props.efsVolume || writable.length > 0) && {
        volume: [
          ...(props.efsVolume
            ? [
                {
                  name: volumeName,
                  efsVolumeConfiguration: {
                    fileSystemId: props.efsVolume.fileSystemId,
                    transitEncryption: "ENABLED",
                    authorizationConfig: { accessPointId: props.efsVolume.accessPointId, iam: "ENABLED" },
                  },
                },
              ]
            : []),
          // No host path: Fargate gives each such volume empty space on the task's ephemeral storage.
          ...writable.map((w) => ({ name: w.name })),
        ],
      }),
    });
    this.taskDefinitionArn = taskDefinition.arn;

    this.securityGroupId = props.securityGroupId ?? this.ownSecurityGroup();

    let registry: ServiceDiscoveryService | undefined;
    if (props.serviceDiscovery) {
      registry = new ServiceDiscoveryService(this, "discovery", {
        name: props.serviceDiscovery.name,
        description: `${props.name} tasks`,
        dnsConfig: { namespaceId: props.serviceDiscovery.namespaceId, routingPolicy: "MULTIVALUE", dnsRecords: [{ type: "A", ttl: 10 }] },
        // ECS reports task health to Cloud Map; a stopped task leaves DNS at once.
        healthCheckCustomConfig: { failureThreshold: 1 },
        // Instances are ECS's to deregister; destroy must not wait for them.
        forceDestroy: true,
      });
      if (props.serviceDiscovery.vpcCidr !== undefined && !props.securityGroupId) {
        allowTcpIn(this, "ingress-vpc", {
          securityGroupId: this.securityGroupId,
          port: props.port!,
          peer: { cidrIpv4: props.serviceDiscovery.vpcCidr },
          description: `TCP ${props.port} from the VPC (service discovery clients)`,
          name: `${props.name}-from-vpc`,
        });
      }
    }

    const service = new EcsService(this, "service", {
      name: props.name,
      cluster: props.cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: props.desiredCount,
      capacityProviderStrategy: [{ capacityProvider: props.capacityProvider, weight: 1, base: 0 }],
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: props.minHealthyPercent,
      deploymentMaximumPercent: props.maxPercent,
      networkConfiguration: { subnets: [...props.subnetIds], securityGroups: [this.securityGroupId], assignPublicIp: false },
      enableExecuteCommand: props.executeCommand,
      // Tasks carry the service's tags (app, env, stack, owner) for cost allocation.
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      ...(props.loadBalancer && {
        loadBalancer: [
          { targetGroupArn: props.loadBalancer.targetGroupArn, containerName: props.containerName, containerPort: props.port! },
        ],
        healthCheckGracePeriodSeconds: 60,
      }),
      ...(registry && { serviceRegistries: { registryArn: registry.arn } }),
      dependsOn: [...(props.clusterCapacityProviders ? [props.clusterCapacityProviders] : []), ...(props.loadBalancer?.dependsOn ?? [])],
      ...(props.ignoreDesiredCount && { lifecycle: { ignoreChanges: ["desired_count"] } }),
    });
    this.name = service.name;
    this.arn = service.id;
  }

  /** The service's own group: HTTPS out, `egressTo` out, in from its load balancer. */
  private ownSecurityGroup(): string {
    const props = this.props;
    const group = new SecurityGroup(this, "security-group", {
      name: props.name,
      // Kept word for word: a new description replaces the group, and with it every running task's.
      description: `${props.name}: HTTPS and InfluxDB out; in only from its load balancer or the VPC`,
      vpcId: props.vpcId,
      tags: { Name: props.name },
    });
    // AWS APIs (Kinesis, S3, ECR, logs, Secrets Manager) and the market-data websocket are all HTTPS.
    allowTcpOut(this, "egress-https", {
      securityGroupId: group.id,
      port: 443,
      peer: { cidrIpv4: "0.0.0.0/0" },
      description: "HTTPS to AWS APIs and external market-data endpoints",
      name: `${props.name}-https`,
    });
    for (const egress of props.egressTo ?? []) allowEgressToGroup(this, "egress", { securityGroupId: group.id, name: props.name }, egress);
    if (props.loadBalancer) {
      allowTcpIn(this, "ingress-load-balancer", {
        securityGroupId: group.id,
        port: props.port!,
        peer: { securityGroupId: props.loadBalancer.sourceSecurityGroupId },
        description: `TCP ${props.port} from the load balancer`,
        name: `${props.name}-from-load-balancer`,
      });
      props.loadBalancer.admit(group.id, props.port!);
    }
    return group.id;
  }

  /**
   * Target tracking on the service's average CPU. Application Auto Scaling then owns desired_count
   * between min and max, so the service must be built with `ignoreDesiredCount`.
   */
  autoscaleOnCpu(opts: { readonly min: number; readonly max: number; readonly targetCpuPercent: number }): ScalableTarget {
    if (!this.props.ignoreDesiredCount) throw new Error(`FargateService ${this.props.name}: autoscaling needs ignoreDesiredCount`);
    const target = new AppautoscalingTarget(this, "scaling-target", {
      serviceNamespace: "ecs",
      resourceId: `service/${this.props.cluster.name}/${this.name}`,
      scalableDimension: "ecs:service:DesiredCount",
      minCapacity: opts.min,
      maxCapacity: opts.max,
    });
    new AppautoscalingPolicy(this, "scaling-cpu", {
      name: `${this.props.name}-cpu`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      resourceId: target.resourceId,
      scalableDimension: target.scalableDimension,
      targetTrackingScalingPolicyConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
        targetValue: opts.targetCpuPercent,
        // Out fast for a burst at the open; in slowly so one quiet minute does not drop a task.
        scaleOutCooldown: 60,
        scaleInCooldown: 300,
      },
    });
    return {
      serviceNamespace: target.serviceNamespace,
      resourceId: target.resourceId,
      scalableDimension: target.scalableDimension,
      min: opts.min,
      max: opts.max,
    };
  }
}
