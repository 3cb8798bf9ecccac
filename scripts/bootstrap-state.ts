/**
 * Creates the Terraform state bucket named in the selected config, once per account:
 *   STREAMLINES_ENV=<env> npm run bootstrap-state      (or STREAMLINES_CONFIG=<path>)
 * Idempotent: a second run only verifies, and repairs any setting that drifted.
 */
import {
  BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { loadConfigOrExit } from "../config/load";
import { StreamLinesConfig } from "../config/schema";
import { reachesAwsOverPlainHttp } from "../stacks/base";
import { callerAccount, notOursMessage, ownerCheckedS3Client } from "./lib/state-bucket";

// The SDK warns about Node 20 on every run; the project supports Node 20 (package.json engines).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/**
 * SSE-S3 (AES256), not a KMS key: the project's key lives in the foundations stack, whose own
 * state sits in this bucket, so a CMK would be a chicken-and-egg dependency, and scheduling that
 * key's deletion would lock every stack out of its state. Access control is the bucket policy and IAM.
 */
export const STATE_BUCKET_SSE = "AES256";

function bucketArn(bucket: string, region: string): string {
  const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  return `arn:${partition}:s3:::${bucket}`;
}

function denyInsecureTransport(bucket: string, region: string): Record<string, unknown> {
  const arn = bucketArn(bucket, region);
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [arn, `${arn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** The policy a new state bucket gets; an existing policy keeps its statements and gains the deny. */
export function stateBucketPolicy(bucket: string, region: string, existing?: string): string {
  const doc = existing ? (JSON.parse(existing) as { Version?: string; Statement?: unknown }) : {};
  const current = doc.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return JSON.stringify({ ...doc, Version: doc.Version ?? "2012-10-17", Statement: [...current, denyInsecureTransport(bucket, region)] });
}

export interface BootstrapResult {
  readonly bucket: string;
  readonly created: boolean;
  /** Steps that changed something; empty on a run that only verified. */
  readonly changed: readonly string[];
}

function errorName(err: unknown): string {
  return err instanceof S3ServiceException ? err.name : err instanceof Error ? err.name : String(err);
}

/** Runs `read`; a "not configured" error (by name) counts as absent. */
async function readOrAbsent<T>(read: () => Promise<T>, absentErrors: readonly string[]): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (absentErrors.includes(errorName(err))) return undefined;
    throw err;
  }
}

function policyDeniesInsecureTransport(policy: string | undefined, bucket: string, region: string): boolean {
  if (!policy) return false;
  const arn = bucketArn(bucket, region);
  const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  try {
    const doc = JSON.parse(policy) as { Statement?: Array<Record<string, unknown>> | Record<string, unknown> };
    return list(doc.Statement).some((s) => {
      const principal = s.Principal as unknown;
      const anyone = principal === "*" || list((principal as { AWS?: string | string[] })?.AWS).includes("*");
      const actions = list(s.Action as string | string[]);
      const resources = list(s.Resource as string | string[]);
      const cond = (s.Condition as Record<string, Record<string, unknown>> | undefined)?.Bool?.["aws:SecureTransport"];
      return (
        s.Effect === "Deny" &&
        anyone &&
        actions.some((a) => a === "s3:*" || a === "*") &&
        resources.includes(arn) &&
        resources.includes(`${arn}/*`) &&
        list(cond as string | string[])
          .map(String)
          .includes("false")
      );
    });
  } catch {
    return false;
  }
}

/**
 * Makes sure the state bucket exists with versioning, default encryption, all four public
 * access blocks, BucketOwnerEnforced and a TLS-only policy. `log` gets one line per step.
 * Every request after the create carries ExpectedBucketOwner (this account), so a bucket of that
 * name owned by another account is refused, never configured or written to.
 */
export async function bootstrapStateBucket(
  config: StreamLinesConfig,
  log: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  client?: S3Client,
): Promise<BootstrapResult> {
  if (client) return bootstrapWith(config, log, client, "this account");
  // Without an emulator: the default credential chain (env, profile, SSO, instance role).
  const owner = await callerAccount(config);
  const s3 = ownerCheckedS3Client(config, owner);
  try {
    return await bootstrapWith(config, log, s3, owner);
  } finally {
    s3.destroy();
  }
}

async function bootstrapWith(
  config: StreamLinesConfig,
  log: (line: string) => void,
  client: S3Client,
  owner: string,
): Promise<BootstrapResult> {
  const Bucket = config.state.bucket;
  const region = config.state.region;
  const changed: string[] = [];
  const step = (name: string, didChange: boolean, what: string) => {
    if (didChange) changed.push(name);
    log(`  ${name}: ${what}`);
  };
  log(`state bucket ${Bucket} (${region})${config.emulator ? ` on emulator ${config.emulator.endpoint}` : ""}`);

  let created = false;
  try {
    await client.send(new HeadBucketCommand({ Bucket }));
  } catch (err) {
    const status = (err as S3ServiceException).$metadata?.httpStatusCode;
    if (status === 403) throw new Error(notOursMessage(Bucket, owner), { cause: err });
    if (status !== 404 && errorName(err) !== "NotFound") throw err;
    await client.send(
      new CreateBucketCommand({
        Bucket,
        ObjectOwnership: "BucketOwnerEnforced",
        // us-east-1 is the one region that rejects an explicit LocationConstraint.
        ...(region !== "us-east-1" && { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
    created = true;
  }
  step("bucket", created, created ? "created" : "exists");

  const versioning = await client.send(new GetBucketVersioningCommand({ Bucket }));
  const versioned = versioning.Status === "Enabled";
  if (!versioned) await client.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
  step("versioning", !versioned, versioned ? "Enabled (verified)" : "set to Enabled");

  const encryption = await readOrAbsent(
    () => client.send(new GetBucketEncryptionCommand({ Bucket })),
    ["ServerSideEncryptionConfigurationNotFoundError"],
  );
  const sse = encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
  // aws:kms set by an operator is at least as strong; keep it rather than downgrade.
  const encrypted = sse === STATE_BUCKET_SSE || sse === "aws:kms" || sse === "aws:kms:dsse";
  if (!encrypted) {
    await client.send(
      new PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: STATE_BUCKET_SSE } }] },
      }),
    );
  }
  step("default encryption", !encrypted, encrypted ? `${sse} (verified)` : `set to ${STATE_BUCKET_SSE} (SSE-S3)`);

  const pab = await readOrAbsent(() => client.send(new GetPublicAccessBlockCommand({ Bucket })), ["NoSuchPublicAccessBlockConfiguration"]);
  const c = pab?.PublicAccessBlockConfiguration;
  const blocked = !!(c?.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets);
  if (!blocked) {
    await client.send(
      new PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
  }
  step("public access block", !blocked, blocked ? "all four on (verified)" : "all four turned on");

  const ownership = await readOrAbsent(
    () => client.send(new GetBucketOwnershipControlsCommand({ Bucket })),
    ["OwnershipControlsNotFoundError"],
  );
  const enforced = ownership?.OwnershipControls?.Rules?.[0]?.ObjectOwnership === "BucketOwnerEnforced";
  if (!enforced) {
    await client.send(
      new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } }),
    );
  }
  step("object ownership", !enforced, enforced ? "BucketOwnerEnforced (verified)" : "set to BucketOwnerEnforced");

  if (config.emulator && reachesAwsOverPlainHttp(config)) {
    // Over plain HTTP this policy denies every request, as AWS would; moto even denies on any transport.
    step("bucket policy", false, `skipped: emulator ${config.emulator.endpoint} is plain HTTP, which a TLS-only policy denies`);
    return finish(Bucket, created, changed, log);
  }
  const policy = await readOrAbsent(() => client.send(new GetBucketPolicyCommand({ Bucket })), ["NoSuchBucketPolicy"]);
  const tlsOnly = policyDeniesInsecureTransport(policy?.Policy, Bucket, region);
  if (!tlsOnly) await client.send(new PutBucketPolicyCommand({ Bucket, Policy: stateBucketPolicy(Bucket, region, policy?.Policy) }));
  const how = policy?.Policy ? "added to the existing policy" : "set";
  step("bucket policy", !tlsOnly, tlsOnly ? "denies aws:SecureTransport=false (verified)" : `${how}: deny aws:SecureTransport=false`);

  return finish(Bucket, created, changed, log);
}

function finish(bucket: string, created: boolean, changed: string[], log: (line: string) => void): BootstrapResult {
  log(
    created
      ? `state bucket ${bucket}: created, settings applied`
      : changed.length === 0
        ? `state bucket ${bucket}: exists, settings verified`
        : `state bucket ${bucket}: exists, repaired ${changed.join(", ")}`,
  );
  return { bucket, created, changed };
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  try {
    await bootstrapStateBucket(config);
  } catch (err) {
    process.stderr.write(`bootstrap-state failed: ${errorName(err)}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main();
