import { ITerraformDependable } from "cdktf";
import { Annotations } from "cdktf";
import { ServiceName, StreamLinesConfig } from "../config/schema";
import { APP_CONTRACT } from "../config/app-contract";
import { missingOperatorSettings } from "../scripts/lib/operator-settings";
import { KinesisStream } from "../modules/kinesis-stream";
import {
  EcsClusterRef,
  FargateService,
  LoadBalancerAttachment,
  ScalableTarget,
  SecretEnvironmentVariable,
} from "../modules/fargate-service";
import { Network } from "../modules/network";
import { influxClientEgress } from "../modules/influx-host/access";
import { StreamLinesStack } from "./base";
import { FoundationsStack } from "./foundations";
import { containerHardening } from "./service-hardening";

const ENV = {
  ingest: APP_CONTRACT.ingest.variables,
  ripples: APP_CONTRACT.ripples.variables,
  backend: APP_CONTRACT.backend.variables,
  dashboard: APP_CONTRACT.dashboard.variables,
};

/** `<app>-<env>.internal`: the Cloud Map namespace, derived from config so URLs need no lookup. */
export function namespaceNameOf(config: StreamLinesConfig): string {
  return `${config.app}-${config.env}.internal`;
}

/** `http://influxdb.<namespace>:<port>`: the URL every InfluxDB client uses. InfluxDB registers itself in Cloud Map (influx stack). */
export function influxUrlOf(config: StreamLinesConfig): string {
  return `http://influxdb.${namespaceNameOf(config)}:${config.influx.port}`;
}

/** The bucket ripples writes its windowed results to, and so the one the backend and Grafana read. */
export function resultsBucketOf(config: StreamLinesConfig): string {
  return config.influx.buckets.marketDataRealtime;
}

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
  ripples: { [ENV.ripples.javaToolOptions.name]: RIPPLES_JAVA_TOOL_OPTIONS },
  // The app's own default (127.0.0.1) is unreachable from the ALB.
  backend: { [ENV.backend.serverAddress.name]: "0.0.0.0" },
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
 * The app's Fargate services (the predecessor's table), each built from its `services.<name>` config,
 * with the variables and grants it needs from the rest of the stack. They are created on the stack
 * itself as `service-<name>`, so their Terraform addresses do not depend on this factory.
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
      serviceDiscovery:
        s.serviceDiscovery && wiring.port !== undefined
          ? { namespaceId: this.props.namespaceId, name, vpcCidr: c.network.vpcCidr }
          : undefined,
      // The schedule and autoscaling both set the count outside Terraform; where both are on, the
      // schedule sets the scalable target's min and max, so autoscaling cannot bring tasks back at night.
      ignoreDesiredCount: c.schedule.enabled || autoscaled,
    });
    if (autoscaled) this.scalableTargets[name] = created.autoscaleOnCpu(c.autoscaling[name as "backend" | "dashboard"]);
    this.services[name] = created;
    return created;
  }
  /** ingest: market data websocket -> upstream. TOP_TICKERS_API comes from the operator (config). */
  ingest(upstream: KinesisStream): FargateService {
    const secrets = this.props.foundations.secrets;
    const ingest = this.add(
      "ingest",
      { [ENV.ingest.kinesisUpstream.name]: upstream.name },
      {
        // The market-data-api secret holds JSON: {"ALPACA_API_KEY": "...", "ALPACA_API_SECRET": "..."}.
        secrets: {
          [ENV.ingest.alpacaApiKey.name]: { secret: secrets["market-data-api"], jsonKey: "ALPACA_API_KEY" },
          [ENV.ingest.alpacaApiSecret.name]: { secret: secrets["market-data-api"], jsonKey: "ALPACA_API_SECRET" },
        },
      },
    );
    upstream.grantWrite(ingest.taskRole);
    for (const missing of missingOperatorSettings(this.stack.config)) Annotations.of(this.stack).addWarning(missing.message);
    return ingest;
  }

  /** ripples: upstream -> Flink -> InfluxDB and downstream; checkpoints under flink/ in the artifacts bucket. */
  ripples(upstream: KinesisStream, downstream: KinesisStream): FargateService {
    const c = this.stack.config;
    const { secrets, artifacts } = this.props.foundations;
    const ripples = this.add(
      "ripples",
      {
        [ENV.ripples.checkpointPath.name]: `s3://${c.artifacts.bucketName}/flink/ripples/checkpoints`,
        [ENV.ripples.influxUrl.name]: influxUrlOf(c),
        [ENV.ripples.influxOrg.name]: c.influx.org,
        [ENV.ripples.influxBucket.name]: resultsBucketOf(c),
        [ENV.ripples.kinesisUpstream.name]: upstream.name,
        [ENV.ripples.kinesisDownstream.name]: downstream.name,
      },
      { secrets: { [ENV.ripples.influxWriteToken.name]: { secret: secrets["influx-write-token"] } }, influxClient: true },
    );
    upstream.grantRead(ripples.taskRole, c.kinesis.upstream.reader.mode);
    downstream.grantWrite(ripples.taskRole);
    artifacts.grantReadWrite(ripples.taskRole, "flink/");
    return ripples;
  }

  /** backend: GraphQL over InfluxDB behind the ALB; its task role needs nothing (the token comes as a secret). */
  backend(target: LoadBalancerAttachment): FargateService {
    const c = this.stack.config;
    return this.add(
      "backend",
      {
        [ENV.backend.serverPort.name]: String(c.services.backend.port),
        [ENV.backend.influxUrl.name]: influxUrlOf(c),
        [ENV.backend.influxOrg.name]: c.influx.org,
        // It queries the windowed results: the bucket ripples writes.
        [ENV.backend.influxBucket.name]: resultsBucketOf(c),
      },
      {
        secrets: { [ENV.backend.influxReadToken.name]: { secret: this.props.foundations.secrets["influx-read-token"] } },
        port: c.services.backend.port,
        loadBalancer: target,
        influxClient: true,
      },
    );
  }

  /**
   * dashboard: the web UI; its task role needs nothing. At e410d43 its endpoints are literals in its
   * source, so the stack's URLs are outputs only (help/app-contract.md).
   */
  dashboard(target: LoadBalancerAttachment): FargateService {
    const port = this.stack.config.services.dashboard.port;
    return this.add("dashboard", { [ENV.dashboard.port.name]: String(port) }, { port, loadBalancer: target });
  }
}
