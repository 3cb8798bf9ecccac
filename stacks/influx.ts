import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { StreamLinesConfig } from "../config/schema";
import { StreamLinesStack } from "./base";
import { FoundationsStack } from "./foundations";
import { CoreStack } from "./core";
import { influxUrlOf, resultsBucketOf } from "./core-services";
import { AL2023_ARM64_PARAMETER, InfluxHost, InfluxSettings, grantTokenSecrets } from "../modules/influx-host";
import { InfluxAccess } from "../modules/influx-host/access";
import { EgressToGroup } from "../modules/security-group-rule";
import { NFS_PORT } from "../modules/data-volume/mount-targets";
import { containerBootstrapEnvironment } from "../modules/influx-host/environment";
import { Bastion } from "../modules/bastion";
import { Grafana } from "../modules/grafana";
import { FargateService, ONE_TASK_AT_A_TIME } from "../modules/fargate-service";

export interface InfluxStackProps {
  readonly config: StreamLinesConfig;
  readonly foundations: FoundationsStack;
  readonly core: CoreStack;
}

/**
 * InfluxDB on the foundations volume (an EC2 host on EBS, or a Fargate service on EFS), its network
 * access, the optional bastion and, in the backend-only profile, Grafana.
 */
export class InfluxStack extends StreamLinesStack {
  /** EBS storage: the host. */
  readonly host?: InfluxHost;
  /** EFS storage: InfluxDB as a Fargate service. */
  readonly service?: FargateService;
  readonly bastion?: Bastion;
  /** Backend-only profile. */
  readonly grafana?: Grafana;

  constructor(scope: Construct, props: InfluxStackProps) {
    super(scope, "influx", props);
    this.addDependency(props.foundations);
    this.addDependency(props.core);
    const c = this.config;
    const { key, dataVolume, secrets } = props.foundations;
    const { network } = props.core;
    const influxGroupId = props.core.influxSecurityGroupId;
    const logs = (component: string) => ({
      groupName: `/${c.app}/${c.env}/${component}`,
      retentionDays: c.logRetentionDays,
      kmsKeyArn: key.arn,
    });
    const buckets = [c.influx.buckets.marketDataRealtime, c.influx.buckets.marketDataHistorical];
    const influx: InfluxSettings = { org: c.influx.org, buckets, retention: c.influx.retention, port: c.influx.port };
    const tokenSecrets = { admin: secrets["influx-admin-token"], read: secrets["influx-read-token"], write: secrets["influx-write-token"] };

    if (dataVolume.storage === "ebs") {
      const zone = c.network.availabilityZones.indexOf(c.influx.availabilityZone);
      this.host = new InfluxHost(this, "influx-host", {
        name: this.name("influxdb"),
        region: c.region,
        instanceType: c.influx.instanceType,
        amiId: c.influx.amiId,
        rootVolumeGiB: c.influx.rootVolumeGiB,
        kmsKeyArn: key.arn,
        subnetId: network.privateSubnetIds[zone],
        securityGroupId: influxGroupId,
        volumeId: dataVolume.id,
        image: props.foundations.image("influxdb", this),
        secrets: tokenSecrets,
        influx,
        logs: logs("influxdb"),
        namespaceId: props.core.namespaceId,
      });
    } else {
      this.service = this.efsService(props, influx, logs("influxdb"));
    }

    if (c.profile === "backend-only") {
      this.grafana = new Grafana(this, "grafana", {
        name: this.name("grafana"),
        region: c.region,
        cluster: props.core.cluster,
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        image: props.foundations.image("grafana", this),
        cpu: c.grafana.cpu,
        memory: c.grafana.memory,
        port: c.grafana.port,
        influx: {
          url: influxUrlOf(c),
          org: c.influx.org,
          bucket: resultsBucketOf(c),
          port: c.influx.port,
          securityGroupId: influxGroupId,
          readToken: secrets["influx-read-token"],
        },
        logs: logs("ecs/grafana"),
        adminSecret: {
          name: `${c.app}-${c.env}/grafana-admin-password`,
          kmsKeyArn: key.arn,
          recoveryWindowDays: c.secrets.recoveryWindowDays,
        },
        namespaceId: props.core.namespaceId,
      });
    }

    if (c.influx.bastion) {
      const tunnels: EgressToGroup[] = [
        {
          name: "influxdb",
          port: c.influx.port,
          securityGroupId: influxGroupId,
          description: `SSH tunnels to InfluxDB (TCP ${c.influx.port})`,
        },
      ];
      if (this.grafana)
        tunnels.push({
          name: "grafana",
          port: c.grafana.port,
          securityGroupId: this.grafana.securityGroupId,
          description: `SSH tunnels to Grafana (TCP ${c.grafana.port})`,
        });
      this.bastion = new Bastion(this, "bastion", {
        name: this.name("bastion"),
        region: c.region,
        vpcId: network.vpcId,
        subnetId: network.publicSubnetIds[0],
        allowedCidrs: c.influx.bastion.allowedCidrs,
        publicKey: c.influx.bastion.publicKey,
        kmsKeyArn: key.arn,
        ami: c.influx.amiId ? { id: c.influx.amiId } : { parameter: AL2023_ARM64_PARAMETER },
        tunnels,
      });
      if (this.grafana) this.grafana.admit("bastion", this.bastion.securityGroupId);
    }

    // 8086 in from exactly the services that use InfluxDB, and the bastion.
    const clients: Record<string, string> = {};
    for (const name of ["ripples", "backend"] as const) {
      const service = props.core.services[name];
      if (service) clients[name] = service.securityGroupId;
    }
    if (this.grafana) clients.grafana = this.grafana.securityGroupId;
    if (this.bastion) clients.bastion = this.bastion.securityGroupId;
    const extraEgress: EgressToGroup[] = [];
    if (dataVolume.storage === "efs") {
      // The tasks mount the file system over NFS (TLS inside, through the EFS mount helper) at the mount targets.
      extraEgress.push({
        name: "nfs",
        port: NFS_PORT,
        securityGroupId: props.core.efsSecurityGroupId!,
        description: `NFS (TCP ${NFS_PORT}) to the EFS mount targets`,
      });
    }
    new InfluxAccess(this, "influx-access", {
      name: this.name("influxdb"),
      securityGroupId: influxGroupId,
      port: c.influx.port,
      clients,
      extraEgress,
    });

    new TerraformOutput(this, "influx_url", { value: influxUrlOf(c) });
    if (this.host) {
      new TerraformOutput(this, "instance_id", { value: this.host.instanceId });
      new TerraformOutput(this, "private_ip", { value: this.host.privateIp });
      new TerraformOutput(this, "log_group", { value: this.host.logGroupName });
    }
    if (this.service) {
      new TerraformOutput(this, "service_name", { value: this.service.name });
      new TerraformOutput(this, "log_group", { value: this.service.logGroupName });
    }
    if (this.grafana) {
      new TerraformOutput(this, "grafana_service_name", { value: this.grafana.service.name });
      new TerraformOutput(this, "grafana_admin_secret", { value: this.grafana.adminSecret.name });
    }
    if (this.bastion) new TerraformOutput(this, "bastion_ip", { value: this.bastion.publicIp });
  }

  /**
   * EFS storage: InfluxDB as one Fargate task on the access point. The image's entrypoint wrapper
   * runs the host bootstrap's token logic (INFLUX_RUNTIME=container) once InfluxDB answers.
   */
  private efsService(
    props: InfluxStackProps,
    influx: InfluxSettings,
    logs: { groupName: string; retentionDays: number; kmsKeyArn: string },
  ): FargateService {
    const c = this.config;
    const { dataVolume, secrets } = props.foundations;
    const service = new FargateService(this, "influx-service", {
      name: this.name("influxdb"),
      containerName: "influxdb",
      region: c.region,
      cluster: props.core.cluster,
      vpcId: props.core.network.vpcId,
      subnetIds: props.core.network.privateSubnetIds,
      image: props.foundations.image("influxdb", this),
      cpu: c.influx.task.cpu,
      memory: c.influx.task.memory,
      // Two InfluxDB processes must never open the same files.
      ...ONE_TASK_AT_A_TIME,
      environment: containerBootstrapEnvironment({
        region: c.region,
        influx,
        secretIds: {
          admin: secrets["influx-admin-token"].name,
          read: secrets["influx-read-token"].name,
          write: secrets["influx-write-token"].name,
        },
      }),
      logs,
      port: c.influx.port,
      // The operator's way in (influx CLI, port forwarding), as SSM sessions are on the EBS host.
      executeCommand: true,
      serviceDiscovery: { namespaceId: props.core.namespaceId, name: "influxdb" },
      securityGroupId: props.core.influxSecurityGroupId,
      efsVolume: {
        fileSystemId: dataVolume.id,
        fileSystemArn: dataVolume.arn,
        accessPointId: dataVolume.accessPointId!,
        accessPointArn: dataVolume.accessPointArn!,
        containerPath: "/var/lib/influxdb2",
      },
      ignoreDesiredCount: false,
    });
    // The bootstrap in the task publishes and verifies tokens, as the host does.
    grantTokenSecrets(service.taskRole, {
      admin: secrets["influx-admin-token"],
      read: secrets["influx-read-token"],
      write: secrets["influx-write-token"],
    });
    return service;
  }
}
