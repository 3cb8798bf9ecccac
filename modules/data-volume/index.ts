import { Construct } from "constructs";
import { Annotations } from "cdktf";
import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
import { DlmLifecyclePolicy } from "@cdktf/provider-aws/lib/dlm-lifecycle-policy";
import { EfsFileSystem } from "@cdktf/provider-aws/lib/efs-file-system";
import { EfsAccessPoint } from "@cdktf/provider-aws/lib/efs-access-point";
import { EfsBackupPolicy } from "@cdktf/provider-aws/lib/efs-backup-policy";
import { partitionOf } from "../aws-context";
import { EfsFileSystemPolicy } from "@cdktf/provider-aws/lib/efs-file-system-policy";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { StreamLinesRole } from "../iam-role";

/** InfluxDB's data directory owner inside the official image. */
export const INFLUX_UID = 1000;

export interface DataVolumeProps {
  /** `<app>-<env>-influx-data`. */
  readonly name: string;
  readonly kmsKeyArn: string;
  /** On: `prevent_destroy`, so Terraform refuses to delete the data. */
  readonly retain: boolean;
  readonly storage: "ebs" | "efs";
  readonly ebs: { readonly availabilityZone: string; readonly sizeGiB: number; readonly iops: number; readonly throughputMiBps: number };
  /** Daily EBS snapshots through Data Lifecycle Manager, or AWS Backup of the EFS file system; undefined for none. */
  readonly snapshots?: { readonly retainDays: number; readonly timeUtc: string; readonly roleName: string };
  readonly efs: { readonly throughputMode: "bursting" | "elastic" };
  /**
   * The EFS file-system policy (TLS and the access point required); default true. Off only against an
   * emulator without DeleteFileSystemPolicy (moto 5.2), which could not destroy it.
   */
  readonly efsFileSystemPolicy?: boolean;
}

/** What an NFS client may do on the file system; the policy below denies each of them unless TLS and the access point. */
export const EFS_CLIENT_ACTIONS = [
  "elasticfilesystem:ClientMount",
  "elasticfilesystem:ClientWrite",
  "elasticfilesystem:ClientRootAccess",
] as const;

/** The InfluxDB data volume: EBS gp3 (default) or EFS. It outlives the app stacks. */
export class DataVolume extends Construct {
  /** EBS volume id, or EFS file system id. */
  readonly id: string;
  readonly arn: string;
  readonly storage: "ebs" | "efs";
  /** EFS only. */
  readonly accessPointId?: string;
  readonly accessPointArn?: string;

  constructor(scope: Construct, id: string, props: DataVolumeProps) {
    super(scope, id);
    this.storage = props.storage;
    const lifecycle = { preventDestroy: props.retain };
    if (props.storage === "ebs") {
      const snapshotTag = { "snapshot-policy": props.name };
      const volume = new EbsVolume(this, "volume", {
        availabilityZone: props.ebs.availabilityZone,
        size: props.ebs.sizeGiB,
        type: "gp3",
        iops: props.ebs.iops,
        throughput: props.ebs.throughputMiBps,
        encrypted: true,
        kmsKeyId: props.kmsKeyArn,
        tags: { Name: props.name, ...snapshotTag },
        lifecycle,
      });
      this.id = volume.id;
      this.arn = volume.arn;
      if (props.snapshots) this.snapshotPolicy(props.name, props.snapshots, snapshotTag);
      return;
    }
    const fs = new EfsFileSystem(this, "file-system", {
      creationToken: props.name,
      encrypted: true,
      kmsKeyId: props.kmsKeyArn,
      performanceMode: "generalPurpose",
      throughputMode: props.efs.throughputMode,
      tags: { Name: props.name },
      lifecycle,
    });
    // influx.snapshots governs both storages: daily DLM snapshots for EBS, AWS Backup for EFS.
    if (props.snapshots) new EfsBackupPolicy(this, "backup", { fileSystemId: fs.id, backupPolicy: { status: "ENABLED" } });
    const accessPoint = new EfsAccessPoint(this, "access-point", {
      fileSystemId: fs.id,
      posixUser: { uid: INFLUX_UID, gid: INFLUX_UID },
      rootDirectory: { path: "/influxdb", creationInfo: { ownerUid: INFLUX_UID, ownerGid: INFLUX_UID, permissions: "0750" } },
      tags: { Name: props.name },
    });
    if (props.efsFileSystemPolicy ?? true) {
      // Deny-only: access stays with the client's IAM identity policy (the InfluxDB task role grants
      // ClientMount/ClientWrite on this access point). With a policy in place, a client mounting without
      // IAM is anonymous and has no allow, so it is refused too.
      const policy = new DataAwsIamPolicyDocument(this, "file-system-policy-document", {
        statement: [
          {
            sid: "DenyWithoutTls",
            effect: "Deny",
            principals: [{ type: "AWS", identifiers: ["*"] }],
            actions: [...EFS_CLIENT_ACTIONS],
            resources: [fs.arn],
            condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
          },
          {
            sid: "DenyOutsideTheAccessPoint",
            effect: "Deny",
            principals: [{ type: "AWS", identifiers: ["*"] }],
            actions: [...EFS_CLIENT_ACTIONS],
            resources: [fs.arn],
            // A mount without an access point has no AccessPointArn, and StringNotEquals holds for a missing key.
            condition: [{ test: "StringNotEquals", variable: "elasticfilesystem:AccessPointArn", values: [accessPoint.arn] }],
          },
        ],
      });
      new EfsFileSystemPolicy(this, "file-system-policy", { fileSystemId: fs.id, policy: policy.json });
    } else {
      Annotations.of(this).addWarning(
        `${props.name}: no EFS file-system policy (TLS and the access point are not enforced): efsFileSystemPolicy is off, which is only for an emulator.`,
      );
    }
    this.id = fs.id;
    this.arn = fs.arn;
    this.accessPointId = accessPoint.id;
    this.accessPointArn = accessPoint.arn;
  }

  private snapshotPolicy(name: string, snapshots: NonNullable<DataVolumeProps["snapshots"]>, targetTags: Record<string, string>) {
    const partition = partitionOf(this);
    const role = new StreamLinesRole(this, "dlm-role", {
      name: snapshots.roleName,
      assumedBy: ["dlm.amazonaws.com"],
      description: "Data Lifecycle Manager: daily snapshots of the InfluxDB volume",
      // AWS maintains the exact EC2 snapshot permissions DLM needs.
      managedPolicyArns: [`arn:${partition}:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole`],
    });
    new DlmLifecyclePolicy(this, "snapshots", {
      description: `daily snapshots of ${name}`,
      executionRoleArn: role.arn,
      state: "ENABLED",
      policyDetails: {
        resourceTypes: ["VOLUME"],
        targetTags,
        schedule: [
          {
            // DLM's ScheduleName allows only [0-9A-Za-z _-]: no comma.
            name: `daily kept ${snapshots.retainDays} days`,
            createRule: { interval: 24, intervalUnit: "HOURS", times: [snapshots.timeUtc] },
            retainRule: { count: snapshots.retainDays },
            copyTags: true,
          },
        ],
      },
    });
  }
}
