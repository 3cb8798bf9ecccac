import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { EfsMountTarget } from "@cdktf/provider-aws/lib/efs-mount-target";
import { allowTcpIn } from "../security-group-rule";

export const NFS_PORT = 2049;

export interface EfsMountTargetsProps {
  /** `<app>-<env>-influx-efs-mounts`: the mount targets' security group. */
  readonly name: string;
  readonly vpcId: string;
  /** One mount target per subnet: the private subnets, one per availability zone. */
  readonly subnetIds: readonly string[];
  /** The data volume's EFS file system (foundations). */
  readonly fileSystemId: string;
  /** InfluxDB's security group: the one client admitted. */
  readonly clientSecurityGroupId: string;
}

/**
 * The InfluxDB EFS file system's mount targets and their security group: NFS in from the one client
 * group (InfluxDB's), nothing from a CIDR, no egress (the targets only answer). They need the VPC, so
 * the stack that owns the VPC creates them, on itself: ids `influx-efs-mounts` (group),
 * `influx-efs-mounts-from-influxdb` and `influx-efs-mount-<i>`, which are their Terraform addresses.
 * Returns the group's id, for InfluxDB's NFS egress.
 */
export function influxEfsMountTargets(scope: Construct, props: EfsMountTargetsProps): string {
  // A new name rather than the old VPC-wide group's, so Terraform can create it while the mount
  // targets still hold the old one.
  const group = new SecurityGroup(scope, "influx-efs-mounts", {
    name: props.name,
    description: "InfluxDB EFS mount targets: NFS from the InfluxDB security group only",
    vpcId: props.vpcId,
    tags: { Name: props.name },
  });
  allowTcpIn(scope, "influx-efs-mounts-from-influxdb", {
    securityGroupId: group.id,
    port: NFS_PORT,
    peer: { securityGroupId: props.clientSecurityGroupId },
    description: `NFS (TCP ${NFS_PORT}) from InfluxDB`,
    name: `${props.name}-from-influxdb`,
  });
  props.subnetIds.forEach(
    (subnetId, i) =>
      new EfsMountTarget(scope, `influx-efs-mount-${i}`, { fileSystemId: props.fileSystemId, subnetId, securityGroups: [group.id] }),
  );
  return group.id;
}
