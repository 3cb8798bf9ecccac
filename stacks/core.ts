import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { ServiceDiscoveryPrivateDnsNamespace } from "@cdktf/provider-aws/lib/service-discovery-private-dns-namespace";
import { EfsMountTarget } from "@cdktf/provider-aws/lib/efs-mount-target";
import { StreamLinesConfig } from "../config/schema";
import { StreamLinesStack } from "./base";
import { FoundationsStack } from "./foundations";
import { Network } from "../modules/network";
import { KinesisStream } from "../modules/kinesis-stream";

export interface CoreStackProps {
  readonly config: StreamLinesConfig;
  readonly foundations: FoundationsStack;
}

/** The app: network, cluster, service discovery, streams (services come later). */
export class CoreStack extends StreamLinesStack {
  readonly network: Network;
  readonly cluster: { readonly name: string; readonly arn: string };
  /** `<app>-<env>.internal`; InfluxDB registers as `influxdb.<namespaceName>`. */
  readonly namespaceName: string;
  readonly namespaceId: string;
  readonly upstream: KinesisStream;
  /** Only in the `full` profile: backend-only has no results path to browsers. */
  readonly downstream?: KinesisStream;

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

    const cluster = new EcsCluster(this, "cluster", {
      name: `${c.app}-${c.env}`,
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    new EcsClusterCapacityProviders(this, "capacity-providers", {
      clusterName: cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
      // Services opt in to FARGATE_SPOT explicitly; the default must not be interruptible.
      defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
    });
    this.cluster = { name: cluster.name, arn: cluster.arn };

    const namespace = new ServiceDiscoveryPrivateDnsNamespace(this, "namespace", {
      name: `${c.app}-${c.env}.internal`,
      description: `${c.app} ${c.env}: service discovery inside the VPC`,
      vpc: this.network.vpcId,
    });
    this.namespaceName = namespace.name;
    this.namespaceId = namespace.id;

    this.upstream = new KinesisStream(this, "upstream", { name: this.name("upstream"), ...c.kinesis.upstream, kmsKeyArn: key.arn });
    if (c.profile === "full") {
      this.downstream = new KinesisStream(this, "downstream", { name: this.name("downstream"), ...c.kinesis.downstream, kmsKeyArn: key.arn });
    }

    if (dataVolume.storage === "efs") {
      // Issue 2 puts this group in foundations, but a security group needs the VPC, which lives here.
      const efsSecurityGroupId = this.network.securityGroupFromVpc("influx-efs-sg", {
        name: this.name("influx-efs"),
        description: "InfluxDB EFS mount targets: NFS from inside the VPC",
        port: 2049,
      });
      this.network.privateSubnetIds.forEach(
        (subnetId, i) =>
          new EfsMountTarget(this, `influx-efs-mount-${i}`, { fileSystemId: dataVolume.id, subnetId, securityGroups: [efsSecurityGroupId] }),
      );
    }

    new TerraformOutput(this, "vpc_id", { value: this.network.vpcId });
    new TerraformOutput(this, "vpc_cidr", { value: this.network.vpcCidr });
    new TerraformOutput(this, "public_subnet_ids", { value: this.network.publicSubnetIds });
    new TerraformOutput(this, "private_subnet_ids", { value: this.network.privateSubnetIds });
    new TerraformOutput(this, "cluster_name", { value: this.cluster.name });
    new TerraformOutput(this, "namespace_name", { value: this.namespaceName });
    new TerraformOutput(this, "upstream_stream_name", { value: this.upstream.name });
    if (this.downstream) new TerraformOutput(this, "downstream_stream_name", { value: this.downstream.name });
  }
}
