import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";

export const NFS_PORT = 2049;

/**
 * The EFS mount targets' security group: NFS in from the one client group (InfluxDB's), nothing from
 * a CIDR, no egress (the targets only answer). A new name rather than the old VPC-wide group's, so
 * Terraform can create it while the mount targets still hold the old one.
 */
export function efsMountTargetGroup(scope: Construct, id: string, props: { readonly name: string; readonly vpcId: string; readonly clientSecurityGroupId: string }): string {
  const group = new SecurityGroup(scope, id, {
    name: props.name,
    description: "InfluxDB EFS mount targets: NFS from the InfluxDB security group only",
    vpcId: props.vpcId,
    tags: { Name: props.name },
  });
  new VpcSecurityGroupIngressRule(scope, `${id}-from-influxdb`, {
    securityGroupId: group.id,
    description: `NFS (TCP ${NFS_PORT}) from InfluxDB`,
    ipProtocol: "tcp",
    fromPort: NFS_PORT,
    toPort: NFS_PORT,
    referencedSecurityGroupId: props.clientSecurityGroupId,
    tags: { Name: `${props.name}-from-influxdb` },
  });
  return group.id;
}
