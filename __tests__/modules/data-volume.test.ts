/** DataVolume alone: encrypted EBS with daily snapshots, or EFS behind an access point with a deny-only policy. */
import { TerraformStack } from "cdktf";
import { DataVolume, DataVolumeProps, EFS_CLIENT_ACTIONS, INFLUX_UID } from "../../modules/data-volume";
import { checkInstances } from "../helpers/policy";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, byId, dataById, granted, moduleStack, only, refTo, synth, warnings } from "./harness";

const PROPS: DataVolumeProps = {
  name: "app-dev-influx-data",
  kmsKeyArn: KEY_ARN,
  retain: true,
  storage: "ebs",
  ebs: { availabilityZone: "eu-central-1a", sizeGiB: 50, iops: 3000, throughputMiBps: 125 },
  efs: { throughputMode: "bursting" },
};

function build(props: Partial<DataVolumeProps> = {}): { json: StackJson; stack: TerraformStack } {
  const stack = moduleStack();
  new DataVolume(stack, "data", { ...PROPS, ...props });
  return { json: synth(stack), stack };
}

describe("EBS", () => {
  test("gp3, KMS-encrypted, tagged for its snapshot policy, and Terraform refuses to destroy it when retained", () => {
    const { json } = build();
    expect(checkInstances(json)).toEqual([]);
    expect(only(json, "aws_ebs_volume")).toEqual({
      availability_zone: "eu-central-1a",
      size: 50,
      type: "gp3",
      iops: 3000,
      throughput: 125,
      encrypted: true,
      kms_key_id: KEY_ARN,
      tags: { Name: "app-dev-influx-data", "snapshot-policy": "app-dev-influx-data" },
      lifecycle: { prevent_destroy: true },
    });
    expect(only(build({ retain: false }).json, "aws_ebs_volume").lifecycle).toEqual({ prevent_destroy: false });
  });

  test("no snapshots: no policy and no role", () => {
    const { json } = build();
    expect(byId(json, "aws_dlm_lifecycle_policy")).toEqual({});
    expect(byId(json, "aws_iam_role")).toEqual({});
  });

  test("daily snapshots of exactly this volume's tag, kept N days, by a DLM role with AWS's DLM policy only", () => {
    const { json } = build({ snapshots: { retainDays: 7, timeUtc: "03:00", roleName: "app-dev-dlm" } });
    expect(only(json, "aws_dlm_lifecycle_policy")).toEqual({
      description: "daily snapshots of app-dev-influx-data",
      execution_role_arn: refTo(json, "aws_iam_role", "arn"),
      state: "ENABLED",
      policy_details: {
        resource_types: ["VOLUME"],
        target_tags: { "snapshot-policy": "app-dev-influx-data" },
        schedule: [
          {
            name: "daily kept 7 days",
            create_rule: { interval: 24, interval_unit: "HOURS", times: ["03:00"] },
            retain_rule: { count: 7 },
            copy_tags: true,
          },
        ],
      },
    });
    const partition = refTo(json, "aws_partition", "partition", "data");
    expect(only(json, "aws_iam_role_policy_attachment")).toEqual({
      role: refTo(json, "aws_iam_role", "name"),
      policy_arn: `arn:${partition}:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole`,
    });
    expect(granted(json, "app-dev-dlm")).toEqual([]);
  });
});

describe("EFS", () => {
  const efs = { storage: "efs" as const, efs: { throughputMode: "elastic" as const } };

  test("an encrypted file system, retained, with an access point owned by InfluxDB's user", () => {
    const { json } = build(efs);
    expect(only(json, "aws_efs_file_system")).toEqual({
      creation_token: "app-dev-influx-data",
      encrypted: true,
      kms_key_id: KEY_ARN,
      performance_mode: "generalPurpose",
      throughput_mode: "elastic",
      tags: { Name: "app-dev-influx-data" },
      lifecycle: { prevent_destroy: true },
    });
    expect(only(json, "aws_efs_access_point")).toEqual({
      file_system_id: refTo(json, "aws_efs_file_system", "id"),
      posix_user: { uid: INFLUX_UID, gid: INFLUX_UID },
      root_directory: { path: "/influxdb", creation_info: { owner_uid: INFLUX_UID, owner_gid: INFLUX_UID, permissions: "0750" } },
      tags: { Name: "app-dev-influx-data" },
    });
    expect(byId(json, "aws_ebs_volume")).toEqual({});
    expect(byId(json, "aws_efs_backup_policy")).toEqual({});
  });

  test("the file-system policy denies every client action without TLS or outside the access point", () => {
    const { json } = build(efs);
    const fs = refTo(json, "aws_efs_file_system", "arn");
    const deny = (sid: string, condition: unknown) => ({
      sid,
      effect: "Deny",
      principals: [{ type: "AWS", identifiers: ["*"] }],
      actions: [...EFS_CLIENT_ACTIONS],
      resources: [fs],
      condition,
    });
    expect(Object.values(dataById(json, "aws_iam_policy_document"))[0].statement).toEqual([
      deny("DenyWithoutTls", [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }]),
      deny("DenyOutsideTheAccessPoint", [
        { test: "StringNotEquals", variable: "elasticfilesystem:AccessPointArn", values: [refTo(json, "aws_efs_access_point", "arn")] },
      ]),
    ]);
    expect(only(json, "aws_efs_file_system_policy")).toEqual({
      file_system_id: refTo(json, "aws_efs_file_system", "id"),
      policy: refTo(json, "aws_iam_policy_document", "json", "data"),
    });
  });

  test("snapshots on EFS mean AWS Backup", () => {
    const { json } = build({ ...efs, snapshots: { retainDays: 7, timeUtc: "03:00", roleName: "app-dev-dlm" } });
    expect(only(json, "aws_efs_backup_policy")).toEqual({
      file_system_id: refTo(json, "aws_efs_file_system", "id"),
      backup_policy: { status: "ENABLED" },
    });
    expect(byId(json, "aws_dlm_lifecycle_policy")).toEqual({});
  });

  test("the emulator switch drops the policy, with a warning", () => {
    const { json, stack } = build({ ...efs, efsFileSystemPolicy: false });
    expect(byId(json, "aws_efs_file_system_policy")).toEqual({});
    expect(warnings(stack)).toEqual([
      "app-dev-influx-data: no EFS file-system policy (TLS and the access point are not enforced): efsFileSystemPolicy is off, which is only for an emulator.",
    ]);
  });
});
