import { Construct } from "constructs";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";

/** A TCP port out to another security group, with the reason it is needed. */
export interface EgressToGroup {
  /** Short name for ids and tags, e.g. `nfs`. */
  readonly name: string;
  readonly port: number;
  readonly securityGroupId: string;
  readonly description: string;
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
      new VpcSecurityGroupIngressRule(this, `from-${client}`, {
        securityGroupId: props.securityGroupId,
        description: `InfluxDB (TCP ${props.port}) from ${client}`,
        ipProtocol: "tcp",
        fromPort: props.port,
        toPort: props.port,
        referencedSecurityGroupId: groupId,
        tags: { Name: `${props.name}-from-${client}` },
      });
    }
    new VpcSecurityGroupEgressRule(this, "egress-https", {
      securityGroupId: props.securityGroupId,
      description: "HTTPS to AWS APIs (SSM, ECR, Secrets Manager, logs) and the package repositories",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
      tags: { Name: `${props.name}-https` },
    });
    for (const egress of props.extraEgress ?? []) {
      new VpcSecurityGroupEgressRule(this, `egress-${egress.name}`, {
        securityGroupId: props.securityGroupId,
        description: egress.description,
        ipProtocol: "tcp",
        fromPort: egress.port,
        toPort: egress.port,
        referencedSecurityGroupId: egress.securityGroupId,
        tags: { Name: `${props.name}-${egress.name}` },
      });
    }
  }
}
