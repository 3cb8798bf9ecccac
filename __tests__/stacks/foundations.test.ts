import * as path from "path";
import { ECR_REPOSITORIES } from "../../config/schema";
import { EMULATED_SERVICES } from "../../stacks/base";
import { ROOT, StackJson, Synthesized, configNamed, configWith, dataOf, resourcesOf, scrubbed, synthAll } from "../helpers/synth";

const only = (stack: StackJson, type: string): Record<string, unknown> => {
  const all = Object.values(resourcesOf(stack, type));
  expect(all).toHaveLength(1);
  return all[0];
};

describe("foundations (dev config)", () => {
  let synth: Synthesized;
  let stack: StackJson;
  beforeAll(() => {
    synth = synthAll(configNamed("dev"));
    stack = synth.stacks.foundations;
  });

  test("snapshot", () => {
    expect(scrubbed(stack)).toMatchSnapshot();
  });

  test("every stack keeps S3 remote state under its own key, encrypted, with S3-native locking", () => {
    for (const name of Object.keys(synth.stacks)) {
      expect(synth.stacks[name].terraform.backend).toEqual({
        s3: {
          bucket: "streamlines-tfstate-dev-eu-central-1",
          region: "eu-central-1",
          key: `streamlines/streamlines/dev/eu-central-1/${name}.tfstate`,
          encrypt: true,
          use_lockfile: true,
        },
      });
    }
  });

  test("provider carries the four default tags and no emulator settings", () => {
    expect(stack.provider?.aws).toEqual([
      {
        region: "eu-central-1",
        default_tags: [{ tags: { app: "streamlines", env: "dev", stack: "foundations", owner: "platform-team" } }],
      },
    ]);
  });

  test("KMS key rotates, has an alias and admits CloudWatch Logs for this account's log groups only", () => {
    const key = only(stack, "aws_kms_key");
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(only(stack, "aws_kms_alias")).toMatchObject({ name: "alias/streamlines-dev" });
    const policyRef = String(key.policy).match(/data\.aws_iam_policy_document\.([\w-]+)\.json/)![1];
    const statements = dataOf(stack, "aws_iam_policy_document")[policyRef].statement as Array<Record<string, unknown>>;
    const logs = statements.find((s) => s.sid === "CloudWatchLogsEncryptsThisAccountsLogGroups")!;
    expect(logs.principals).toEqual([{ type: "Service", identifiers: ["logs.eu-central-1.amazonaws.com"] }]);
    expect(logs.condition).toEqual([expect.objectContaining({ test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn" })]);
  });

  describe("artifacts bucket", () => {
    let bucketId: string;
    beforeAll(() => {
      const [id, bucket] = Object.entries(resourcesOf(stack, "aws_s3_bucket"))[0];
      bucketId = id;
      expect(bucket).toMatchObject({ bucket: "streamlines-dev-artifacts-eu-central-1", force_destroy: false });
    });
    const forBucket = (type: string) => {
      const matches = Object.values(resourcesOf(stack, type)).filter((r) => r.bucket === `\${aws_s3_bucket.${bucketId}.id}`);
      expect(matches).toHaveLength(1);
      return matches[0];
    };

    test("versioned, SSE-KMS with the stack key, bucket-owner-enforced, fully public-blocked", () => {
      expect(forBucket("aws_s3_bucket_versioning")).toMatchObject({ versioning_configuration: { status: "Enabled" } });
      const keyId = Object.keys(resourcesOf(stack, "aws_kms_key"))[0];
      expect(forBucket("aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
        {
          apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: `\${aws_kms_key.${keyId}.arn}` },
          bucket_key_enabled: true,
        },
      ]);
      expect(forBucket("aws_s3_bucket_ownership_controls")).toMatchObject({ rule: { object_ownership: "BucketOwnerEnforced" } });
      expect(forBucket("aws_s3_bucket_public_access_block")).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
    });

    test("policy denies every request without TLS", () => {
      const policyRef = String(forBucket("aws_s3_bucket_policy").policy).match(/data\.aws_iam_policy_document\.([\w-]+)\.json/)![1];
      const statements = dataOf(stack, "aws_iam_policy_document")[policyRef].statement as Array<Record<string, unknown>>;
      expect(statements).toContainEqual(
        expect.objectContaining({
          effect: "Deny",
          actions: ["s3:*"],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        }),
      );
    });

    test("noncurrent versions expire after the configured days", () => {
      expect(forBucket("aws_s3_bucket_lifecycle_configuration").rule).toEqual([
        expect.objectContaining({ status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 30 }] }),
      ]);
    });

    test("has the flink/ and lambdas/ prefixes", () => {
      const keys = Object.values(resourcesOf(stack, "aws_s3_object"))
        .map((o) => o.key)
        .sort();
      expect(keys).toEqual(["flink/", "lambdas/"]);
    });
  });

  test("six ECR repositories named <app>-<env>-<image>: immutable, scanned, KMS-encrypted, lifecycle-limited", () => {
    const repos = Object.values(resourcesOf(stack, "aws_ecr_repository"));
    expect(repos.map((r) => r.name).sort()).toEqual(ECR_REPOSITORIES.map((n) => `streamlines-dev-${n}`).sort());
    for (const repo of repos) {
      expect(repo).toMatchObject({
        image_tag_mutability: "IMMUTABLE",
        image_scanning_configuration: { scan_on_push: true },
        encryption_configuration: [{ encryption_type: "KMS" }],
        force_delete: false,
      });
    }
    const policies = Object.values(resourcesOf(stack, "aws_ecr_lifecycle_policy"));
    expect(policies).toHaveLength(6);
    // Count-based expiry touches only hook tags (ctx-*) and untagged images, never a pinned tag that may still run.
    for (const p of policies) {
      expect(JSON.parse(String(p.policy)).rules.map((r: { selection: unknown }) => r.selection)).toEqual([
        { tagStatus: "tagged", tagPrefixList: ["ctx-"], countType: "imageCountMoreThan", countNumber: 20 },
        { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 20 },
      ]);
    }
  });

  test("connection table: keys, a sparse keys-only GSI, on-demand, PITR, TTL, SSE with the stack key, deletion protection", () => {
    expect(only(stack, "aws_dynamodb_table")).toMatchObject({
      name: "StreamLinesWebsocketConnectionTable",
      hash_key: "connectionId",
      range_key: "symbol",
      billing_mode: "PAY_PER_REQUEST",
      attribute: [
        { name: "connectionId", type: "S" },
        { name: "symbol", type: "S" },
        { name: "subscribedSymbol", type: "S" },
      ],
      global_secondary_index: [
        {
          name: "StreamLinesWebsocketGetConnectionsBySymbolIndex",
          hash_key: "subscribedSymbol",
          range_key: "connectionId",
          projection_type: "KEYS_ONLY",
        },
      ],
      point_in_time_recovery: { enabled: true },
      ttl: { attribute_name: "expiresAt", enabled: true },
      server_side_encryption: { enabled: true },
      deletion_protection_enabled: true,
    });
  });

  test("Influx volume: gp3 in the configured AZ, encrypted with the key, prevent_destroy, daily DLM snapshots", () => {
    const keyId = Object.keys(resourcesOf(stack, "aws_kms_key"))[0];
    const volume = only(stack, "aws_ebs_volume");
    expect(volume).toMatchObject({
      availability_zone: "eu-central-1a",
      type: "gp3",
      size: 50,
      iops: 3000,
      throughput: 125,
      encrypted: true,
      kms_key_id: `\${aws_kms_key.${keyId}.arn}`,
      lifecycle: { prevent_destroy: true },
    });
    const dlm = only(stack, "aws_dlm_lifecycle_policy");
    const details = dlm.policy_details as Record<string, unknown>;
    // DLM finds the volume by this tag, so the two must agree.
    expect(volume.tags).toMatchObject({ "snapshot-policy": "streamlines-dev-influx-data" });
    expect(details.target_tags).toEqual({ "snapshot-policy": "streamlines-dev-influx-data" });
    expect(details.schedule).toEqual([
      expect.objectContaining({ create_rule: { interval: 24, interval_unit: "HOURS", times: ["03:00"] }, retain_rule: { count: 7 } }),
    ]);
    // DLM's ScheduleName and PolicyDescription: [0-9A-Za-z _-]+ (service-2.json); the emulator has no DLM to refuse them.
    const schedules = details.schedule as Array<{ name: string }>;
    expect([dlm.description, ...schedules.map((s) => s.name)].filter((v) => !/^[0-9A-Za-z _-]+$/.test(String(v)))).toEqual([]);
    expect(Object.values(resourcesOf(stack, "aws_iam_role_policy_attachment")).map((a) => a.policy_arn)).toEqual([
      expect.stringMatching(/:iam::aws:policy\/service-role\/AWSDataLifecycleManagerServiceRole$/),
    ]);
  });

  test("four secrets created without a value", () => {
    const secrets = Object.values(resourcesOf(stack, "aws_secretsmanager_secret"));
    expect(secrets.map((s) => s.name).sort()).toEqual([
      "streamlines-dev/influx-admin-token",
      "streamlines-dev/influx-read-token",
      "streamlines-dev/influx-write-token",
      "streamlines-dev/market-data-api",
    ]);
    for (const s of secrets) expect(s).toMatchObject({ recovery_window_in_days: 30, kms_key_id: expect.stringMatching(/aws_kms_key/) });
    expect(resourcesOf(stack, "aws_secretsmanager_secret_version")).toEqual({});
  });
});

describe("foundations variants", () => {
  test("data retention off: no prevent_destroy, no deletion protection, buckets and repos force-deletable", () => {
    const stack = synthAll(configWith("dev", { dataRetention: false, ecr: { forceDelete: true } })).stacks.foundations;
    expect(only(stack, "aws_ebs_volume").lifecycle).toEqual({ prevent_destroy: false });
    expect(only(stack, "aws_dynamodb_table").deletion_protection_enabled).toBe(false);
    expect(only(stack, "aws_s3_bucket").force_destroy).toBe(true);
    for (const repo of Object.values(resourcesOf(stack, "aws_ecr_repository"))) expect(repo.force_delete).toBe(true);
  });

  test("EFS storage: encrypted, protected, with an access point and backups; no EBS volume or DLM", () => {
    const stack = synthAll(configNamed(path.join(ROOT, "__tests__/fixtures/configs/efs-endpoints.json"))).stacks.foundations;
    expect(only(stack, "aws_efs_file_system")).toMatchObject({
      encrypted: true,
      throughput_mode: "elastic",
      creation_token: "streamlines-var-influx-data",
      lifecycle: { prevent_destroy: true },
    });
    expect(only(stack, "aws_efs_access_point")).toMatchObject({
      posix_user: { uid: 1000, gid: 1000 },
      root_directory: { path: "/influxdb" },
    });
    expect(only(stack, "aws_efs_backup_policy")).toMatchObject({ backup_policy: { status: "ENABLED" } });
    expect(resourcesOf(stack, "aws_ebs_volume")).toEqual({});

    // The file-system policy: no NFS access without TLS, none outside the access point (which also needs IAM).
    const fsId = Object.keys(resourcesOf(stack, "aws_efs_file_system"))[0];
    const apId = Object.keys(resourcesOf(stack, "aws_efs_access_point"))[0];
    const policy = only(stack, "aws_efs_file_system_policy");
    expect(policy.file_system_id).toBe(`\${aws_efs_file_system.${fsId}.id}`);
    const docId = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$/.exec(policy.policy as string)![1];
    const clientActions = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"];
    const everyone = [{ type: "AWS", identifiers: ["*"] }];
    expect((stack.data!.aws_iam_policy_document[docId] as { statement: unknown[] }).statement).toEqual([
      expect.objectContaining({
        effect: "Deny",
        principals: everyone,
        actions: clientActions,
        resources: [`\${aws_efs_file_system.${fsId}.arn}`],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      }),
      expect.objectContaining({
        effect: "Deny",
        principals: everyone,
        actions: clientActions,
        resources: [`\${aws_efs_file_system.${fsId}.arn}`],
        condition: [
          { test: "StringNotEquals", variable: "elasticfilesystem:AccessPointArn", values: [`\${aws_efs_access_point.${apId}.arn}`] },
        ],
      }),
    ]);
    expect(resourcesOf(stack, "aws_dlm_lifecycle_policy")).toEqual({});
  });

  test("EFS storage with snapshots off (acceptance-backend-only: moto has no PutBackupPolicy): no backup policy", () => {
    const stack = synthAll(configNamed("acceptance-backend-only")).stacks.foundations;
    expect(Object.keys(resourcesOf(stack, "aws_efs_file_system"))).toHaveLength(1);
    expect(resourcesOf(stack, "aws_efs_backup_policy")).toEqual({});
    // moto has no DeleteFileSystemPolicy: against the emulator the policy is off, with a synth warning.
    expect(resourcesOf(stack, "aws_efs_file_system_policy")).toEqual({});
  });

  test("emulator setting points every provider and the backend at the endpoint", () => {
    const { stacks } = synthAll(configNamed("acceptance"));
    for (const [name, stack] of Object.entries(stacks)) {
      for (const provider of stack.provider!.aws) {
        expect(provider).toMatchObject({
          access_key: "test",
          secret_key: "test",
          s3_use_path_style: true,
          skip_credentials_validation: true,
          skip_metadata_api_check: "true",
          max_retries: 2,
        });
        expect(provider).not.toHaveProperty("skip_requesting_account_id");
        const endpoints = (provider.endpoints as Array<Record<string, string>>)[0];
        expect(Object.keys(endpoints).sort()).toEqual([...EMULATED_SERVICES].sort());
        expect(new Set(Object.values(endpoints))).toEqual(new Set(["http://127.0.0.1:4566"]));
      }
      expect((stack.terraform.backend as Record<string, Record<string, unknown>>).s3).toMatchObject({
        key: `streamlines/streamlines/acc/us-east-1/${name}.tfstate`,
        use_lockfile: true,
        use_path_style: true,
        skip_credentials_validation: true,
        endpoints: { s3: "http://127.0.0.1:4566", sts: "http://127.0.0.1:4566", iam: "http://127.0.0.1:4566" },
      });
    }
    expect(resourcesOf(stacks.foundations, "aws_dlm_lifecycle_policy")).toEqual({});
  });
});
