/** SecureBucket alone: private, versioned, encrypted, TLS-only, and the exact grants it gives. */
import { TerraformStack } from "cdktf";
import { SecureBucket, SecureBucketProps } from "../../modules/secure-bucket";
import { checkBuckets } from "../helpers/policy";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, granted, granteeRole, moduleStack, only, refTo, synth, byId, dataById } from "./harness";

const BASE: SecureBucketProps = { bucketName: "app-dev-data", forceDestroy: false, noncurrentVersionExpirationDays: 30 };

function build(props: Partial<SecureBucketProps> = {}, use?: (bucket: SecureBucket, stack: TerraformStack) => void): StackJson {
  const stack = moduleStack();
  const bucket = new SecureBucket(stack, "bucket", { ...BASE, ...props });
  use?.(bucket, stack);
  return synth(stack);
}

const ARN = (json: StackJson) => refTo(json, "aws_s3_bucket", "arn");
const ID = (json: StackJson) => refTo(json, "aws_s3_bucket", "id");
const policyStatements = (json: StackJson) => Object.values(dataById(json, "aws_iam_policy_document"))[0].statement as unknown[];

describe("the bucket", () => {
  test("is named as asked and keeps its objects on destroy unless told otherwise", () => {
    expect(only(build(), "aws_s3_bucket")).toMatchObject({ bucket: "app-dev-data", force_destroy: false });
    expect(only(build({ forceDestroy: true }), "aws_s3_bucket")).toMatchObject({ force_destroy: true });
  });

  test("blocks every kind of public access, turns ACLs off and versions objects", () => {
    const json = build();
    expect(checkBuckets(json)).toEqual([]);
    expect(only(json, "aws_s3_bucket_public_access_block")).toEqual({
      bucket: ID(json),
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(only(json, "aws_s3_bucket_ownership_controls")).toEqual({ bucket: ID(json), rule: { object_ownership: "BucketOwnerEnforced" } });
    expect(only(json, "aws_s3_bucket_versioning")).toEqual({ bucket: ID(json), versioning_configuration: { status: "Enabled" } });
  });

  test("BucketOwnerPreferred only when asked (writers that deliver through ACLs)", () => {
    expect(only(build({ objectOwnership: "BucketOwnerPreferred" }), "aws_s3_bucket_ownership_controls")).toMatchObject({
      rule: { object_ownership: "BucketOwnerPreferred" },
    });
  });

  test("SSE-KMS with the bucket key when given a key, SSE-S3 without", () => {
    const kms = build({ kmsKeyArn: KEY_ARN });
    expect(only(kms, "aws_s3_bucket_server_side_encryption_configuration")).toEqual({
      bucket: ID(kms),
      rule: [
        { apply_server_side_encryption_by_default: { kms_master_key_id: KEY_ARN, sse_algorithm: "aws:kms" }, bucket_key_enabled: true },
      ],
    });
    const s3 = build();
    expect(only(s3, "aws_s3_bucket_server_side_encryption_configuration")).toEqual({
      bucket: ID(s3),
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" }, bucket_key_enabled: false }],
    });
  });

  test("expires noncurrent versions and stale uploads; current objects only with expirationDays", () => {
    const keep = only(build(), "aws_s3_bucket_lifecycle_configuration");
    expect(keep.rule).toEqual([
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: [{ prefix: "" }],
        noncurrent_version_expiration: [{ noncurrent_days: 30 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
    ]);
    expect(keep.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
    const expiring = only(build({ expirationDays: 90 }), "aws_s3_bucket_lifecycle_configuration");
    expect((expiring.rule as unknown[])[1]).toEqual({
      id: "expire-objects",
      status: "Enabled",
      filter: [{ prefix: "" }],
      expiration: [{ days: 90 }],
    });
  });

  test("creates folder markers, after the encryption exists", () => {
    const json = build({ prefixes: ["flink/", "raw/"] });
    const markers = Object.values(byId(json, "aws_s3_object"));
    expect(markers.map((m) => [m.key, m.content, m.content_type])).toEqual([
      ["flink/", "", "application/x-directory"],
      ["raw/", "", "application/x-directory"],
    ]);
    for (const m of markers) expect(m.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_server_side_encryption_configuration\./)]);
  });
});

describe("the bucket policy", () => {
  test("denies every request without TLS, and waits for the public access block and ownership", () => {
    const json = build();
    expect(policyStatements(json)).toEqual([
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        actions: ["s3:*"],
        principals: [{ type: "*", identifiers: ["*"] }],
        resources: [ARN(json), `${ARN(json)}/*`],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
    ]);
    const policy = only(json, "aws_s3_bucket_policy");
    expect(policy.bucket).toBe(ID(json));
    expect(policy.policy).toBe(refTo(json, "aws_iam_policy_document", "json", "data"));
    expect(policy.depends_on).toEqual([
      expect.stringMatching(/^aws_s3_bucket_public_access_block\./),
      expect.stringMatching(/^aws_s3_bucket_ownership_controls\./),
    ]);
  });

  test("no policy at all without the TLS rule and extra statements", () => {
    const json = build({ denyInsecureTransport: false });
    expect(byId(json, "aws_s3_bucket_policy")).toEqual({});
    expect(dataById(json, "aws_iam_policy_document")).toEqual({});
  });

  test("extra statements follow the TLS rule", () => {
    const extra = {
      sid: "LogDelivery",
      actions: ["s3:PutObject"],
      principals: [{ type: "Service", identifiers: ["logging.s3.amazonaws.com"] }],
      resources: ["arn:aws:s3:::app-dev-data/*"],
    };
    const statements = policyStatements(build({ extraPolicyStatements: [extra] })) as Array<{ sid: string }>;
    expect(statements.map((s) => s.sid)).toEqual(["DenyInsecureTransport", "LogDelivery"]);
    expect(statements[1]).toEqual(extra);
  });

  test("CloudFront reads objects of this one distribution through OAC, also on a bucket without a policy yet", () => {
    const distribution = "arn:aws:cloudfront::111122223333:distribution/E1";
    const json = build({ denyInsecureTransport: false }, (b) => b.grantCloudFrontRead(distribution));
    expect(policyStatements(json)).toEqual([
      {
        sid: "CloudFrontReadsThroughOriginAccessControl",
        effect: "Allow",
        actions: ["s3:GetObject"],
        principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
        resources: [`${ARN(json)}/*`],
        condition: [{ test: "StringEquals", variable: "AWS:SourceArn", values: [distribution] }],
      },
    ]);
    expect(Object.keys(byId(json, "aws_s3_bucket_policy"))).toHaveLength(1);
  });

  test("CloudFront reads are refused on a KMS bucket (the key policy would have to admit the distribution)", () => {
    expect(() => build({ kmsKeyArn: KEY_ARN }, (b) => b.grantCloudFrontRead("arn:aws:cloudfront::1:distribution/E1"))).toThrow(
      "module/bucket: CloudFront reads through OAC need the key policy to admit the distribution; use SSE-S3 for a site bucket",
    );
  });
});

describe("grants", () => {
  test("read, whole bucket, SSE-S3: objects and listing, nothing on a key", () => {
    const json = build({}, (b, stack) => b.grantRead(granteeRole(stack)));
    expect(granted(json)).toEqual([
      { actions: ["s3:GetObject", "s3:GetObjectVersion"], effect: "Allow", resources: [`${ARN(json)}/*`] },
      { actions: ["s3:ListBucket"], effect: "Allow", resources: [ARN(json)] },
    ]);
  });

  test("read under a prefix: objects under it, listing only of it, and decrypt on the key", () => {
    const json = build({ kmsKeyArn: KEY_ARN }, (b, stack) => b.grantRead(granteeRole(stack), "flink/"));
    expect(granted(json)).toEqual([
      { actions: ["s3:GetObject", "s3:GetObjectVersion"], effect: "Allow", resources: [`${ARN(json)}/flink/*`] },
      {
        actions: ["s3:ListBucket"],
        condition: [{ test: "StringLike", variable: "s3:prefix", values: ["flink/*"] }],
        effect: "Allow",
        resources: [ARN(json)],
      },
      { actions: ["kms:Decrypt"], effect: "Allow", resources: [KEY_ARN] },
    ]);
  });

  test("read-write under a prefix: object writes merged into the reads, data keys merged into decrypt", () => {
    const json = build({ kmsKeyArn: KEY_ARN }, (b, stack) => b.grantReadWrite(granteeRole(stack), "flink/"));
    expect(granted(json)).toEqual([
      {
        actions: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
        effect: "Allow",
        resources: [`${ARN(json)}/flink/*`],
      },
      {
        actions: ["s3:ListBucket"],
        condition: [{ test: "StringLike", variable: "s3:prefix", values: ["flink/*"] }],
        effect: "Allow",
        resources: [ARN(json)],
      },
      { actions: ["kms:Decrypt", "kms:GenerateDataKey"], effect: "Allow", resources: [KEY_ARN] },
    ]);
  });

  test("read-write, SSE-S3: no key statement", () => {
    const json = build({}, (b, stack) => b.grantReadWrite(granteeRole(stack)));
    expect(
      granted(json)
        .flatMap((s) => s.actions)
        .filter((a) => a.startsWith("kms:")),
    ).toEqual([]);
  });
});
