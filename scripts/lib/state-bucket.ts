/**
 * The state bucket as every script reaches it: each request carries ExpectedBucketOwner (this
 * account), so a bucket of the same name that another account created first answers 403 instead of
 * receiving our states. Terraform's S3 backend has no such setting (terraform 1.11 rejects
 * `expected_bucket_owner` as an unknown argument), so every command that runs terraform against the
 * state (deploy, destroy, plan, drift, state, publish-dashboard reading edge's outputs) checks ownership
 * here first.
 */
import { GetObjectCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { StreamLinesConfig } from "../../config/schema";
import { stateKey } from "../../stacks/base";
import { emulatorClientConfig } from "./emulator";

/** Requests that name no existing bucket of ours, so take no owner condition. */
const WITHOUT_OWNER = new Set(["CreateBucketCommand", "ListBucketsCommand"]);

/** An S3 client whose every bucket request carries `ExpectedBucketOwner: owner`. */
export function ownerCheckedS3Client(config: StreamLinesConfig, owner: string): S3Client {
  const region = config.state.region;
  const client = new S3Client(config.emulator ? emulatorClientConfig(config.emulator.endpoint, region) : { region, maxAttempts: 3 });
  client.middlewareStack.add(
    (next, context) => (args) => {
      const input = args.input as { ExpectedBucketOwner?: string };
      if (!WITHOUT_OWNER.has(context.commandName ?? "")) input.ExpectedBucketOwner = owner;
      return next(args);
    },
    { step: "initialize", name: "streamlinesExpectedBucketOwner" },
  );
  return client;
}

/** This account's id, from STS GetCallerIdentity. */
export async function callerAccount(config: StreamLinesConfig): Promise<string> {
  const sts = new STSClient(
    config.emulator ? emulatorClientConfig(config.emulator.endpoint, config.region) : { region: config.region, maxAttempts: 2 },
  );
  try {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    if (!id.Account) throw new Error("STS GetCallerIdentity answered without an account id");
    return id.Account;
  } finally {
    sts.destroy();
  }
}

const httpStatus = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** One line for a state bucket that answered 403 to a request with our owner condition. */
export function notOursMessage(bucket: string, owner: string): string {
  return `state bucket ${bucket} is not owned by ${/^\d+$/.test(owner) ? `this account (${owner})` : owner}, or these credentials may not read it: refusing to read or write state there; use the owning account's credentials, or choose another state.bucket`;
}

export interface StateBucket {
  readonly s3: S3Client;
  readonly bucket: string;
  /** This account's id: every request carries it as ExpectedBucketOwner. */
  readonly owner: string;
  close(): void;
}

/**
 * Opens the config's state bucket after checking it exists and belongs to this account; throws one
 * line otherwise.
 */
export async function openStateBucket(config: StreamLinesConfig, owner?: string): Promise<StateBucket> {
  const account = owner ?? (await callerAccount(config));
  const s3 = ownerCheckedS3Client(config, account);
  const bucket = config.state.bucket;
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (err) {
    s3.destroy();
    const status = httpStatus(err);
    if (status === 403) throw new Error(notOursMessage(bucket, account), { cause: err });
    if (status === 404 || (err as Error).name === "NotFound") {
      throw new Error(`state bucket ${bucket} does not exist; make it with: STREAMLINES_ENV=${config.env} npm run bootstrap-state`, {
        cause: err,
      });
    }
    throw err;
  }
  return { s3, bucket, owner: account, close: () => s3.destroy() };
}

/** A check that the config's state bucket is this account's, run before terraform reads or locks state in it. */
export type StateBucketCheck = (config: StreamLinesConfig) => Promise<void>;

/** openStateBucket's checks alone: throws one line for a missing bucket or one another account owns. */
export const checkStateBucketIsOurs: StateBucketCheck = async (config) => (await openStateBucket(config)).close();

// ---- whose state is this? ----

type Json = Record<string, unknown>;

interface RawStateResource {
  readonly mode?: string;
  readonly type?: string;
  readonly name?: string;
  readonly provider?: string;
  readonly instances?: ReadonlyArray<{ readonly attributes?: Json }>;
}

const ARN_REGION = /^arn:[^:]+:[^:]+:([a-z0-9-]*):/;

/**
 * Why a stack's raw state (the S3 object Terraform writes) belongs to another app, env or region
 * than `config`, or undefined when nothing in it says so. Evidence: the app and env tags every
 * resource carries (provider default_tags), and the region in the ARNs of resources made through
 * the stack's default provider (aliased providers, such as edge's us-east-1 one, may be elsewhere).
 */
export function stateScopeProblem(raw: string, config: StreamLinesConfig): string | undefined {
  const state = JSON.parse(raw) as { resources?: RawStateResource[] };
  for (const r of state.resources ?? []) {
    if (r.mode !== "managed") continue;
    const aliased = /\]\.[A-Za-z0-9_-]+$/.test(r.provider ?? "");
    for (const i of r.instances ?? []) {
      const a = i.attributes ?? {};
      const tags = (a.tags_all ?? a.tags) as Record<string, string> | null | undefined;
      const where = `${r.type}.${r.name}`;
      if (tags?.app !== undefined && tags.app !== config.app)
        return `${where} is tagged app=${tags.app}, this config's app is ${config.app}`;
      if (tags?.env !== undefined && tags.env !== config.env)
        return `${where} is tagged env=${tags.env}, this config's env is ${config.env}`;
      const region = typeof a.arn === "string" ? ARN_REGION.exec(a.arn)?.[1] : undefined;
      if (!aliased && region && region !== config.region)
        return `${where} is in ${region} (${a.arn}), this config's region is ${config.region}`;
    }
  }
  return undefined;
}

/** The state object of `stack`, or undefined when none was written yet. */
export async function readRawState(bucket: StateBucket, config: StreamLinesConfig, stack: string): Promise<string | undefined> {
  try {
    const out = await bucket.s3.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: stateKey(config, stack) }));
    return await out.Body!.transformToString();
  } catch (err) {
    if ((err as Error).name === "NoSuchKey") return undefined;
    if (httpStatus(err) === 403) throw new Error(notOursMessage(bucket.bucket, bucket.owner), { cause: err });
    throw err;
  }
}

/**
 * Refuses (one line) when the state of any of `stacks` belongs to another app, env or region, so no
 * plan, apply or destroy starts from someone else's state.
 */
export async function checkStatesBelong(
  bucket: StateBucket,
  config: StreamLinesConfig,
  stacks: readonly string[],
): Promise<string | undefined> {
  for (const stack of stacks) {
    const raw = await readRawState(bucket, config, stack);
    const problem = raw === undefined ? undefined : stateScopeProblem(raw, config);
    if (problem) {
      return `state s3://${bucket.bucket}/${stateKey(config, stack)} is not ${config.app}-${config.env} in ${config.region}'s: ${problem}; refusing (help/state.md, "Whose state is this?")`;
    }
  }
  return undefined;
}
