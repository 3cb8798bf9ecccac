import { ITerraformDependable } from "cdktf";
import { ServiceName } from "../config/schema";
import { APP_CONTRACT } from "../config/app-contract";
import { EcsClusterRef, FargateService, LoadBalancerAttachment, ScalableTarget, SecretEnvironmentVariable } from "../modules/fargate-service";
import { Network } from "../modules/network";
import { influxClientEgress } from "../modules/influx-host/access";
import { StreamLinesStack } from "./base";
import { FoundationsStack } from "./foundations";
import { containerHardening } from "./service-hardening";

/** Flink on Java 17 needs these opens for its reflection-based serializers (the predecessor's setting). */
export const RIPPLES_JAVA_TOOL_OPTIONS = [
  "--add-opens=java.base/java.lang=ALL-UNNAMED",
  "--add-opens=java.base/java.math=ALL-UNNAMED",
  "--add-opens=java.base/java.time=ALL-UNNAMED",
  "--add-opens=java.base/java.util=ALL-UNNAMED",
].join(" ");

/** The stack's own defaults (the app contract's `default` supply); config's `services.<name>.environment` overrides them. */
export const DEFAULT_ENVIRONMENT: Readonly<Record<ServiceName, Readonly<Record<string, string>>>> = {
  ingest: {},
  ripples: { [APP_CONTRACT.ripples.variables.javaToolOptions.name]: RIPPLES_JAVA_TOOL_OPTIONS },
  // The app's own default (127.0.0.1) is unreachable from the ALB.
  backend: { [APP_CONTRACT.backend.variables.serverAddress.name]: "0.0.0.0" },
  dashboard: {},
};

/** What a service needs beyond config: values only the stack knows, and its network wiring. */
export interface ServiceWiring {
  readonly secrets?: Record<string, SecretEnvironmentVariable>;
  readonly port?: number;
  readonly loadBalancer?: LoadBalancerAttachment;
  /** Reads or writes InfluxDB: egress to its port and security group. */
  readonly influxClient?: boolean;
}

export interface AppServicesProps {
  readonly foundations: FoundationsStack;
  readonly network: Network;
  readonly cluster: EcsClusterRef;
  readonly capacityProviders: ITerraformDependable;
  readonly namespaceId: string;
  readonly influxSecurityGroupId: string;
}

/**
 * The app's Fargate services, each built from its `services.<name>` config. They are created on the
 * stack itself as `service-<name>`, so their Terraform addresses do not depend on this factory.
 */
export class AppServices {
  readonly services: Partial<Record<ServiceName, FargateService>> = {};
  /** Services that Application Auto Scaling scales, by name. */
  readonly scalableTargets: Partial<Record<ServiceName, ScalableTarget>> = {};

  constructor(
    private readonly stack: StreamLinesStack,
    private readonly props: AppServicesProps,
  ) {}

  /** `derived`: variables from other resources; they override config's `environment`, which overrides the defaults. */
  add(name: ServiceName, derived: Record<string, string>, wiring: ServiceWiring = {}): FargateService {
    const c = this.stack.config;
    const s = c.services[name];
    const autoscaled = c.autoscaling.enabled && (name === "backend" || name === "dashboard");
    const created = new FargateService(this.stack, `service-${name}`, {
      name: this.stack.name(name),
      containerName: name,
      region: c.region,
      cluster: this.props.cluster,
      clusterCapacityProviders: this.props.capacityProviders,
      vpcId: this.props.network.vpcId,
      subnetIds: this.props.network.privateSubnetIds,
      image: this.props.foundations.image(name, this.stack),
      cpu: s.cpu,
      memory: s.memory,
      architecture: s.architecture,
      desiredCount: s.desiredCount,
      capacityProvider: s.capacityProvider,
      minHealthyPercent: s.minHealthyPercent,
      maxPercent: s.maxPercent,
      environment: { ...DEFAULT_ENVIRONMENT[name], ...s.environment, ...derived },
      secrets: wiring.secrets,
      logs: { groupName: `/${c.app}/${c.env}/ecs/${name}`, retentionDays: c.logRetentionDays, kmsKeyArn: this.props.foundations.key.arn },
      port: wiring.port,
      egressTo: wiring.influxClient ? [influxClientEgress(c.influx.port, this.props.influxSecurityGroupId)] : undefined,
      executeCommand: s.executeCommand,
      ...containerHardening(this.stack, c, name),
      loadBalancer: wiring.loadBalancer,
      serviceDiscovery: s.serviceDiscovery && wiring.port !== undefined ? { namespaceId: this.props.namespaceId, name, vpcCidr: c.network.vpcCidr } : undefined,
      // The schedule and autoscaling both set the count outside Terraform; where both are on, the
      // schedule sets the scalable target's min and max, so autoscaling cannot bring tasks back at night.
      ignoreDesiredCount: c.schedule.enabled || autoscaled,
    });
    if (autoscaled) this.scalableTargets[name] = created.autoscaleOnCpu(c.autoscaling[name as "backend" | "dashboard"]);
    this.services[name] = created;
    return created;
  }
}
