/**
 * The kept-resources record: which resources the last destroy took out of Terraform's management
 * (dataRetention on) and the ids to import them by. It lives next to the states in the state
 * bucket, `<prefix>/<app>/<env>/<region>/kept-resources.json`, because it belongs to the environment,
 * not to a checkout: whoever deploys next, from wherever, adopts the same volume. The record names
 * its app, env and region, and is refused by any other.
 *
 * Why a record rather than a search by name or tags before synth: the ids come from Terraform's
 * own state at the moment the resources leave it, so the next deploy adopts exactly those objects,
 * never a look-alike (a volume restored from a snapshot carries the same Name tag).
 */
import * as fs from "fs";
import * as path from "path";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { StreamLinesConfig } from "../../config/schema";
import { envStatePath } from "../../stacks/base";
import { KEPT_MANIFEST_FILE, KeptManifest, KeptRecord, KeptRecordEntry, KeptScope } from "../../stacks/kept";
import { StateBucket, notOursMessage } from "./state-bucket";

export function keptRecordKey(config: StreamLinesConfig): string {
  return `${envStatePath(config)}/kept-resources.json`;
}

export function keptScopeOf(config: StreamLinesConfig): KeptScope {
  return { app: config.app, env: config.env, region: config.region };
}

/** Why the record is not this config's to adopt or extend, or undefined when it is. */
export function keptScopeProblem(record: KeptRecord, config: StreamLinesConfig, url = keptRecordUrl(config)): string | undefined {
  const want = keptScopeOf(config);
  const has = record.scope;
  if (!has)
    return `${url} names no app, env and region (written before records carried them); check its entries are ${want.app}-${want.env} in ${want.region}'s, then add "scope" (help/state.md, "Moving to per-app keys")`;
  if (has.app !== want.app || has.env !== want.env || has.region !== want.region) {
    return `${url} belongs to ${has.app}-${has.env} in ${has.region}, not to ${want.app}-${want.env} in ${want.region}; refusing to adopt or change it`;
  }
  return undefined;
}

export function keptRecordUrl(config: StreamLinesConfig): string {
  return `s3://${config.state.bucket}/${keptRecordKey(config)}`;
}

/** Thrown when the record belongs to another app, env or region: the message is one line. */
export class KeptScopeError extends Error {}

/** The record, or undefined when the last destroy kept nothing (or none ran); refuses another env's record. */
export async function readKeptRecord(bucket: StateBucket, config: StreamLinesConfig): Promise<KeptRecord | undefined> {
  let record: KeptRecord;
  try {
    const out = await bucket.s3.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: keptRecordKey(config) }));
    record = JSON.parse(await out.Body!.transformToString()) as KeptRecord;
  } catch (err) {
    if ((err as Error).name === "NoSuchKey") return undefined;
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403)
      throw new Error(notOursMessage(bucket.bucket, bucket.owner), { cause: err });
    throw err;
  }
  const problem = keptScopeProblem(record, config);
  if (problem) throw new KeptScopeError(problem);
  return record;
}

export async function writeKeptRecord(bucket: StateBucket, config: StreamLinesConfig, record: KeptRecord): Promise<void> {
  await bucket.s3.send(
    new PutObjectCommand({
      Bucket: bucket.bucket,
      Key: keptRecordKey(config),
      Body: `${JSON.stringify({ ...record, scope: keptScopeOf(config) }, null, 2)}\n`,
      ContentType: "application/json",
      // The state bucket's default encryption applies, as for the states themselves.
    }),
  );
}

export async function deleteKeptRecord(bucket: StateBucket, config: StreamLinesConfig): Promise<void> {
  await bucket.s3.send(new DeleteObjectCommand({ Bucket: bucket.bucket, Key: keptRecordKey(config) }));
}

/** Entries of `next` replace those of `previous` at the same address; the rest of `previous` stays. */
export function mergeKeptRecords(previous: KeptRecord | undefined, next: readonly KeptRecordEntry[], now = new Date()): KeptRecord {
  const key = (e: KeptRecordEntry) => `${e.stack}/${e.address}`;
  const replaced = new Set(next.map(key));
  return {
    recordedAt: now.toISOString(),
    ...(previous?.scope && { scope: previous.scope }),
    resources: [...(previous?.resources ?? []).filter((e) => !replaced.has(key(e))), ...next],
  };
}

/** The addresses each stack keeps, as synth wrote them. */
export function readKeptManifest(outdir: string): KeptManifest {
  const file = path.join(outdir, KEPT_MANIFEST_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as KeptManifest) : { stacks: {} };
}

// ---- Terraform state as `terraform show -json` prints it ----

export interface StateResource {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly values: Record<string, unknown>;
}

interface StateModule {
  readonly resources?: readonly StateResource[];
  readonly child_modules?: readonly StateModule[];
}

export function stateResources(showJson: string): StateResource[] {
  const parsed = JSON.parse(showJson) as { values?: { root_module?: StateModule } };
  const out: StateResource[] = [];
  const visit = (m: StateModule | undefined) => {
    if (!m) return;
    out.push(...(m.resources ?? []).filter((r) => r.mode === "managed"));
    (m.child_modules ?? []).forEach(visit);
  };
  visit(parsed.values?.root_module);
  return out;
}

/** Types whose import id is not their `id` attribute (hashicorp/aws 5.x import docs). */
const IMPORT_IDS: Record<string, (v: Record<string, unknown>) => string> = {
  aws_s3_object: (v) => `${v.bucket}/${v.key}`,
};

export function importIdOf(resource: StateResource): string {
  const rule = IMPORT_IDS[resource.type];
  const id = rule ? rule(resource.values) : resource.values.id;
  if (typeof id !== "string" || id === "") throw new Error(`${resource.address}: no import id in state`);
  return id;
}

/** Record entries for the kept addresses present in a stack's state. */
export function keptEntries(stack: string, state: readonly StateResource[], keptAddresses: readonly string[]): KeptRecordEntry[] {
  const wanted = new Set(keptAddresses);
  return state.filter((r) => wanted.has(r.address)).map((r) => ({ stack, address: r.address, type: r.type, importId: importIdOf(r) }));
}
