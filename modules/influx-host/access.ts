import { Construct } from "constructs";
import { EgressToGroup, allowEgressToGroup, allowTcpIn, allowTcpOut } from "../security-group-rule";

/** The egress an InfluxDB client needs: InfluxDB's port to InfluxDB's security group. */
export function influxClientEgress(port: number, influxSecurityGroupId: string): EgressToGroup {
  return { name: "influxdb", id: "influx", port, securityGroupId: influxSecurityGroupId, description: `InfluxDB (TCP ${port})` };
}

export interface InfluxAccessProps {
  /** `<app>-<env>-influxdb`; rule tags are `<name>-<client>`. */
  readonly name: string;
  /** InfluxDB's security group (core), attached to the host or the EFS variant's tasks. */
  readonly securityGroupId: string;
  readonly port: number;
  /** Client name -> its security group: the only sources admitted on `port`. */
  readonly clients: Readonly<Record<string, string>>;
  /** Egress besides HTTPS, only what the storage variant needs. */
  readonly extraEgress?: readonly EgressToGroup[];
}

/**
 * Every rule of InfluxDB's security group: the port in from each client group, nothing from a CIDR;
 * HTTPS out (SSM, ECR, Secrets Manager, CloudWatch Logs, the Amazon Linux package repositories).
 */
export class InfluxAccess extends Construct {
  constructor(scope: Construct, id: string, props: InfluxAccessProps) {
    super(scope, id);
    for (const [client, groupId] of Object.entries(props.clients).sort(([a], [b]) => a.localeCompare(b))) {
      allowTcpIn(this, `from-${client}`, {
        securityGroupId: props.securityGroupId,
        port: props.port,
        peer: { securityGroupId: groupId },
        description: `InfluxDB (TCP ${props.port}) from ${client}`,
        name: `${props.name}-from-${client}`,
      });
    }
    allowTcpOut(this, "egress-https", {
      securityGroupId: props.securityGroupId,
      port: 443,
      peer: { cidrIpv4: "0.0.0.0/0" },
      description: "HTTPS to AWS APIs (SSM, ECR, Secrets Manager, logs) and the package repositories",
      name: `${props.name}-https`,
    });
    for (const egress of props.extraEgress ?? []) {
      allowEgressToGroup(this, "egress", props, egress);
    }
  }
}
