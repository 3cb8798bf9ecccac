import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { Grantable } from "../iam-role";
import { keyFromArn } from "../kms-key";

export interface SecureBucketProps {
  readonly bucketName: string;
  /** SSE-KMS with this key; without it, SSE-S3 (needed where a service cannot use a CMK, e.g. ALB logs). */
  readonly kmsKeyArn?: string;
  /** Empty the bucket on destroy. Off for buckets whose data outlives the app. */
  readonly forceDestroy: boolean;
  /** Days a noncurrent object version is kept. */
  readonly noncurrentVersionExpirationDays: number;
  /** Days a current object is kept; unset keeps it until deleted. Log buckets set it, or they grow forever. */
  readonly expirationDays?: number;
  /** Folder markers created up front, e.g. `flink/`. */
  readonly prefixes?: readonly string[];
  /** Extra bucket policy statements (service access). */
  readonly extraPolicyStatements?: readonly DataAwsIamPolicyDocumentStatement[];
  /** Deny requests without TLS; default true. Off only where every client speaks plain HTTP (an emulator). */
  readonly denyInsecureTransport?: boolean;
  /**
   * BucketOwnerEnforced (default) turns ACLs off. BucketOwnerPreferred only for writers that still
   * deliver through ACLs (CloudFront standard logs); the bucket owner still owns every object.
   */
  readonly objectOwnership?: "BucketOwnerEnforced" | "BucketOwnerPreferred";
}

/** A private, versioned, encrypted bucket that refuses plain HTTP. */
export class SecureBucket extends Construct {
  readonly arn: string;
  readonly name: string;
  readonly bucket: S3Bucket;
  private readonly kmsKeyArn?: string;
  private readonly policyStatements: DataAwsIamPolicyDocumentStatement[];
  private policyDocument?: DataAwsIamPolicyDocument;
  private readonly policyDependsOn: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.kmsKeyArn = props.kmsKeyArn;
    const bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, forceDestroy: props.forceDestroy });
    this.bucket = bucket;
    this.arn = bucket.arn;
    this.name = bucket.bucket;

    const ownership = new S3BucketOwnershipControls(this, "ownership", {
      bucket: bucket.id,
      rule: { objectOwnership: props.objectOwnership ?? "BucketOwnerEnforced" },
    });
    const publicBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    const encryption = new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.kmsKeyArn
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }
            : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: props.kmsKeyArn !== undefined,
        },
      ],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
        ...(props.expirationDays === undefined
          ? []
          : [{ id: "expire-objects", status: "Enabled", filter: [{ prefix: "" }], expiration: [{ days: props.expirationDays }] }]),
      ],
      dependsOn: [versioning],
    });
    this.policyStatements = [
      ...(props.denyInsecureTransport === false
        ? []
        : [
            {
              sid: "DenyInsecureTransport",
              effect: "Deny",
              actions: ["s3:*"],
              principals: [{ type: "*", identifiers: ["*"] }],
              resources: [bucket.arn, `${bucket.arn}/*`],
              condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
            },
          ]),
      ...(props.extraPolicyStatements ?? []),
    ];
    // The public access block must exist first, or AWS may judge the policy public mid-apply.
    this.policyDependsOn = [publicBlock, ownership];
    if (this.policyStatements.length > 0) this.writePolicy();

    for (const prefix of props.prefixes ?? []) {
      new S3Object(this, `prefix-${prefix.replace(/\W/g, "")}`, {
        bucket: bucket.id,
        key: prefix,
        content: "",
        contentType: "application/x-directory",
        dependsOn: [encryption],
      });
    }
  }

  /** Creates the bucket policy, or rewrites its document with the current statements. */
  private writePolicy(): void {
    if (this.policyDocument) {
      this.policyDocument.putStatement(this.policyStatements);
      return;
    }
    this.policyDocument = new DataAwsIamPolicyDocument(this, "policy-document", { statement: this.policyStatements });
    new S3BucketPolicy(this, "policy", { bucket: this.bucket.id, policy: this.policyDocument.json, dependsOn: this.policyDependsOn });
  }

  /**
   * Object reads by CloudFront through Origin Access Control, for this one distribution only
   * (AWS:SourceArn); a bucket policy, because the reader is a service principal, not a role.
   */
  grantCloudFrontRead(distributionArn: string): void {
    if (this.kmsKeyArn)
      throw new Error(
        `${this.node.path}: CloudFront reads through OAC need the key policy to admit the distribution; use SSE-S3 for a site bucket`,
      );
    this.policyStatements.push({
      sid: "CloudFrontReadsThroughOriginAccessControl",
      effect: "Allow",
      actions: ["s3:GetObject"],
      principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
      resources: [`${this.arn}/*`],
      condition: [{ test: "StringEquals", variable: "AWS:SourceArn", values: [distributionArn] }],
    });
    this.writePolicy();
  }

  /** Read objects under `prefix` (e.g. `flink/`), or the whole bucket. */
  grantRead(grantee: Grantable, prefix = ""): void {
    grantee.addToPolicy({ actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: [`${this.arn}/${prefix}*`] });
    grantee.addToPolicy({
      actions: ["s3:ListBucket"],
      resources: [this.arn],
      ...(prefix && { conditions: { StringLike: { "s3:prefix": [`${prefix}*`] } } }),
    });
    if (this.kmsKeyArn) keyFromArn(this.kmsKeyArn).grantDecrypt(grantee);
  }

  grantReadWrite(grantee: Grantable, prefix = ""): void {
    this.grantRead(grantee, prefix);
    grantee.addToPolicy({ actions: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], resources: [`${this.arn}/${prefix}*`] });
    if (this.kmsKeyArn) keyFromArn(this.kmsKeyArn).grantEncrypt(grantee);
  }
}
