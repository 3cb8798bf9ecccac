/**
 * The kept-resources record: which resources the last destroy took out of Terraform's management
 * (dataRetention on) and the ids to import them by. It lives next to the states in the state
 * bucket, `<prefix>/<env>/kept-resources.json`, because it belongs to the environment, not to a
 * checkout: whoever deploys next, from wherever, adopts the same volume.
 *
 * Why a record rather than a search by name or tags before synth: the ids come from Terraform's
 * own state at the moment the resources leave it, so the next deploy adopts exactly those objects,
 * never a look-alike (a volume restored from a snapshot carries the same Name tag).
 */
import * as fs from "fs";
import * as path from "path";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { StreamLinesConfig } from "../../config/schema";
import { KEPT_MANIFEST_FILE, KeptManifest, KeptRecord, KeptRecordEntry } from "../../stacks/kept";
import { emulatorClientConfig } from "./emulator";

export function keptRecordKey(config: StreamLinesConfig): string {
  return `${config.state.prefix}/${config.env}/kept-resources.json`;
}

export function keptRecordUrl(config: StreamLinesConfig): string {
  return `s3://${config.state.bucket}/${keptRecordKey(config)}`;
}

function stateBucketClient(config: StreamLinesConfig): S3Client {
  return new S3Client(config.emulator ? emulatorClientConfig(config.emulator.endpoint, config.state.region) : { region: config.state.region });
}

/** The record, or undefined when the last destroy kept nothing (or none ran). */
export async function readKeptRecord(config: StreamLinesConfig): Promise<KeptRecord | undefined> {
  const s3 = stateBucketClient(config);
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: config.state.bucket, Key: keptRecordKey(config) }));
    return JSON.parse(await out.Body!.transformToString()) as KeptRecord;
  } catch (err) {
    if ((err as Error).name === "NoSuchKey") return undefined;
    throw err;
  } finally {
    s3.destroy();
  }
}

export async function writeKeptRecord(config: StreamLinesConfig, record: KeptRecord): Promise<void> {
  const s3 = stateBucketClient(config);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: config.state.bucket,
        Key: keptRecordKey(config),
        Body: `${JSON.stringify(record, null, 2)}\n`,
        ContentType: "application/json",
        // The state bucket's default encryption applies, as for the states themselves.
      }),
    );
  } finally {
    s3.destroy();
  }
}

export async function deleteKeptRecord(config: StreamLinesConfig): Promise<void> {
  const s3 = stateBucketClient(config);
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: config.state.bucket, Key: keptRecordKey(config) }));
  } finally {
    s3.destroy();
  }
}

/** Entries of `next` replace those of `previous` at the same address; the rest of `previous` stays. */
export function mergeKeptRecords(previous: KeptRecord | undefined, next: readonly KeptRecordEntry[], now = new Date()): KeptRecord {
  const key = (e: KeptRecordEntry) => `${e.stack}/${e.address}`;
  const replaced = new Set(next.map(key));
  return { recordedAt: now.toISOString(), resources: [...(previous?.resources ?? []).filter((e) => !replaced.has(key(e))), ...next] };
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
