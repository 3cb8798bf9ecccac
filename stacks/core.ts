import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { PROFILE_SERVICES, ServiceName, StreamLinesConfig } from "../config/schema";
import { StreamLinesStack, reachesAwsOverPlainHttp } from "./base";
import { FoundationsStack } from "./foundations";
import { Network } from "../modules/network";
import { appCluster } from "../modules/cluster";
import { influxEfsMountTargets } from "../modules/data-volume/mount-targets";
import { KinesisStream } from "../modules/kinesis-stream";
import { EcsClusterRef, FargateService, ScalableTarget } from "../modules/fargate-service";
import { LoadBalancer } from "../modules/load-balancer";
import { ServiceSchedule } from "../modules/service-schedule";
import { Alarms } from "../modules/alarms";
import { AppServices, namespaceNameOf } from "./core-services";
import { RealtimePath } from "./core-realtime";

/** The backend serves GraphQL under this path; everything else on the load balancer is the dashboard. */
export const BACKEND_PATHS = ["/graphql", "/graphql/*"] as const;

export interface CoreStackProps {
  readonly config: StreamLinesConfig;
  readonly foundations: FoundationsStack;
}

/**
 * The app: network, cluster and service discovery, streams, the real-time path to browsers, the load
 * balancer, the Fargate services, the market-hours schedule and the alarms.
 */
export class CoreStack extends StreamLinesStack {
  readonly network: Network;
  readonly cluster: EcsClusterRef;
  /** `<app>-<env>.internal`; InfluxDB registers as `influxdb.<namespaceName>`. */
  readonly namespaceName: string;
  readonly namespaceId: string;
  readonly upstream: KinesisStream;
  /** Every profile: ripples always writes its results there (KINESIS_DOWNSTREAM_NAME, help/app-contract.md). */
  readonly downstream: KinesisStream;
  /** The profile's services: ingest and ripples always, backend and dashboard in `full`. */
  readonly services: Partial<Record<ServiceName, FargateService>>;
  private readonly scalableTargets: Partial<Record<ServiceName, ScalableTarget>>;
  /** Only in the `full` profile. */
  readonly loadBalancer?: LoadBalancer;
  /** Only in the `full` profile, with the downstream stream. */
  readonly realtime?: RealtimePath;
  readonly alarms: Alarms;
  /**
   * InfluxDB's security group, empty here. It lives in core because the VPC does and because the
   * services' egress must name it; the influx stack attaches it to InfluxDB and adds every rule.
   */
  readonly influxSecurityGroupId: string;
  /** EFS storage only: the mount targets' group (NFS from InfluxDB's group only). */
  readonly efsSecurityGroupId?: string;

  constructor(scope: Construct, props: CoreStackProps) {
    super(scope, "core", props);
    this.addDependency(props.foundations);
    const c = this.config;
    const { key, dataVolume } = props.foundations;

    this.network = new Network(this, "network", {
      namePrefix: `${c.app}-${c.env}`,
      region: c.region,
      vpcCidr: c.network.vpcCidr,
      availabilityZones: c.network.availabilityZones,
      publicSubnetCidrs: c.network.publicSubnetCidrs,
      privateSubnetCidrs: c.network.privateSubnetCidrs,
      egress: c.network.egress,
      flowLogs: c.network.flowLogs
        ? { logGroupName: `/${c.app}/${c.env}/vpc-flow-logs`, retentionDays: c.logRetentionDays, kmsKeyArn: key.arn }
        : undefined,
    });

    const cluster = appCluster(this, {
      name: `${c.app}-${c.env}`,
      vpcId: this.network.vpcId,
      execSessionLog: { name: `/${c.app}/${c.env}/ecs/exec-sessions`, retentionDays: c.logRetentionDays, kmsKeyArn: key.arn },
      namespace: { name: namespaceNameOf(c), description: `${c.app} ${c.env}: service discovery inside the VPC` },
    });
    this.cluster = cluster.cluster;
    this.namespaceName = cluster.namespaceName;
    this.namespaceId = cluster.namespaceId;

    this.upstream = new KinesisStream(this, "upstream", { name: this.name("upstream"), ...c.kinesis.upstream, kmsKeyArn: key.arn });
    // backend-only too: ripples at e410d43 writes every result there and exits without the name.
    this.downstream = new KinesisStream(this, "downstream", { name: this.name("downstream"), ...c.kinesis.downstream, kmsKeyArn: key.arn });

    const influxGroup = new SecurityGroup(this, "influx-sg", {
      name: this.name("influxdb"),
      description: "InfluxDB: rules in the influx stack (8086 from its clients only, egress 443)",
      vpcId: this.network.vpcId,
      tags: { Name: this.name("influxdb") },
    });
    this.influxSecurityGroupId = influxGroup.id;

    if (dataVolume.storage === "efs") {
      // Issue 2 puts the mount targets in foundations, but they need the VPC, which lives here.
      this.efsSecurityGroupId = influxEfsMountTargets(this, {
        name: this.name("influx-efs-mounts"),
        vpcId: this.network.vpcId,
        subnetIds: this.network.privateSubnetIds,
        fileSystemId: dataVolume.id,
        clientSecurityGroupId: influxGroup.id,
      });
    }

    // ---- realtime: WebSocket API, connection handler, results pusher on the downstream stream ----
    if (c.profile === "full") this.realtime = new RealtimePath(this, { foundations: props.foundations, downstream: this.downstream });

    // ---- load balancer: the web services' one public entry ----
    const inProfile = PROFILE_SERVICES[c.profile];
    if (inProfile.includes("dashboard")) {
      // One ALB for both web services, routed by path: same origin for the browser (no CORS
      // preflights, one certificate, one DNS name), half the fixed cost of two, one public entry.
      this.loadBalancer = new LoadBalancer(this, "load-balancer", {
        name: `${c.app}-${c.env}`,
        region: c.region,
        vpcId: this.network.vpcId,
        subnetIds: this.network.publicSubnetIds,
        certificateArn: c.loadBalancer.certificateArn,
        domain: c.loadBalancer.domain,
        accessLogs: c.loadBalancer.accessLogs.enabled
          ? {
              bucketName: c.loadBalancer.accessLogs.bucketName,
              expirationDays: c.loadBalancer.accessLogs.expirationDays,
              noncurrentVersionExpirationDays: c.artifacts.noncurrentVersionExpirationDays,
              denyInsecureTransport: !reachesAwsOverPlainHttp(c),
            }
          : undefined,
        idleTimeoutSeconds: c.loadBalancer.idleTimeoutSeconds,
        deletionProtection: c.loadBalancer.deletionProtection,
        targets: {
          backend: {
            name: this.name("backend"),
            port: c.services.backend.port,
            healthCheckPath: c.services.backend.healthCheckPath,
            healthyCodes: "200",
            pathPatterns: BACKEND_PATHS,
          },
          dashboard: {
            name: this.name("dashboard"),
            port: c.services.dashboard.port,
            healthCheckPath: c.services.dashboard.healthCheckPath,
            healthyCodes: "200-399",
          },
        },
        // Edge applies after core and reads the header value from this secret (stacks/edge.ts). No
        // recovery window: a new value is generated with the secret, and a secret pending deletion
        // would block the next deploy's secret of the same name.
        onlyFromCloudFront:
          c.edge.enabled && c.edge.backendOrigins
            ? { secret: { name: `${c.app}-${c.env}/cloudfront-origin-header`, kmsKeyArn: key.arn, recoveryWindowDays: 0 } }
            : undefined,
      });
    }

    // ---- services: the predecessor's table, one FargateService each ----
    const appServices = new AppServices(this, {
      foundations: props.foundations,
      network: this.network,
      cluster: this.cluster,
      capacityProviders: cluster.capacityProviders,
      namespaceId: this.namespaceId,
      influxSecurityGroupId: this.influxSecurityGroupId,
    });
    this.services = appServices.services;
    this.scalableTargets = appServices.scalableTargets;

    appServices.ingest(this.upstream);
    appServices.ripples(this.upstream, this.downstream);
    if (this.loadBalancer) {
      appServices.backend(this.loadBalancer.targets.backend);
      appServices.dashboard(this.loadBalancer.targets.dashboard);
    }

    // ---- market hours: stop after the close, start before the open ----
    if (c.schedule.enabled) {
      new ServiceSchedule(this, "market-hours", {
        name: this.name("market-hours"),
        cluster: this.cluster,
        services: inProfile.map((name) => ({
          key: name,
          arn: this.services[name]!.arn,
          name: this.services[name]!.name,
          desiredCount: c.services[name].desiredCount,
          scalableTarget: this.scalableTargets[name],
        })),
        timeZone: c.schedule.timeZone,
        stop: c.schedule.stop,
        start: c.schedule.start,
      });
    }

    // ---- alarms ----
    this.alarms = new Alarms(this, "alarms", { name: `${c.app}-${c.env}`, kmsKeyArn: key.arn, email: c.alarms.email });
    this.alarms.streamIteratorAge(
      { key: "upstream", name: this.upstream.name },
      {
        name: "ripples",
        what: "the ripples service's logs and CPU",
        fanOutConsumer: c.kinesis.upstream.reader.mode === "fan-out" ? c.kinesis.upstream.reader.consumerName : undefined,
      },
      c.alarms.upstreamIteratorAgeMs,
    );
    for (const name of inProfile) {
      this.alarms.tasksBelowDesired(
        { key: name, name: this.services[name]!.name, clusterName: this.cluster.name },
        c.alarms.tasksBelowDesiredMinutes,
      );
    }
    if (this.loadBalancer) {
      for (const [name, target] of Object.entries(this.loadBalancer.targets)) {
        const dims = { key: name, loadBalancerArnSuffix: this.loadBalancer.arnSuffix, targetGroupArnSuffix: target.arnSuffix };
        this.alarms.targetErrors(dims, c.alarms.target5xxCount);
        this.alarms.unhealthyHosts(dims, c.alarms.unhealthyHosts);
      }
    }

    this.realtime?.addAlarms(this.alarms);

    new TerraformOutput(this, "vpc_id", { value: this.network.vpcId });
    new TerraformOutput(this, "vpc_cidr", { value: this.network.vpcCidr });
    new TerraformOutput(this, "public_subnet_ids", { value: this.network.publicSubnetIds });
    new TerraformOutput(this, "private_subnet_ids", { value: this.network.privateSubnetIds });
    new TerraformOutput(this, "cluster_name", { value: this.cluster.name });
    new TerraformOutput(this, "namespace_name", { value: this.namespaceName });
    new TerraformOutput(this, "upstream_stream_name", { value: this.upstream.name });
    new TerraformOutput(this, "downstream_stream_name", { value: this.downstream.name });
    new TerraformOutput(this, "service_names", { value: Object.fromEntries(inProfile.map((n) => [n, this.services[n]!.name])) });
    new TerraformOutput(this, "alarm_topic_arn", { value: this.alarms.topicArn });
    if (this.loadBalancer) {
      new TerraformOutput(this, "url", { value: this.loadBalancer.url });
      new TerraformOutput(this, "load_balancer_dns_name", { value: this.loadBalancer.dnsName });
    }
    if (this.realtime) {
      new TerraformOutput(this, "websocket_url", { value: this.realtime.api.url });
      new TerraformOutput(this, "results_pusher_dlq_url", { value: this.realtime.deadLetterQueue.url });
    }
  }
}
