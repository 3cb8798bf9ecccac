/**
 * Lists what an environment left behind, through the AWS SDK: the Resource Groups Tagging API
 * filtered by the app and env tags, plus the per-service listers of residual-listers.ts, each
 * matching this app and env exactly (tags, or exact names for what cannot be tagged).
 */
import * as fs from "fs";
import { S3Client } from "@aws-sdk/client-s3";
import { ECRClient } from "@aws-sdk/client-ecr";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { EC2Client } from "@aws-sdk/client-ec2";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient, DescribeServicesCommand, DescribeTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { IAMClient } from "@aws-sdk/client-iam";
import { EFSClient } from "@aws-sdk/client-efs";
import { emulatorClientConfig } from "./emulator";
import { Clients, CredentialSource, LISTERS, Lister, ListerContext, arnKey, kinesisJson, taggedResources } from "./residual-listers";

export interface Residual {
  /** e.g. `s3`, `ec2`, `tagging`. */
  readonly service: string;
  /** e.g. `bucket`, `vpc`, `resource`. */
  readonly kind: string;
  readonly id: string;
  readonly detail?: string;
  readonly arn?: string;
  /** Billed size where the listing knows it (volumes, snapshots: GiB; ECR images: bytes in `bytes`). */
  readonly sizeGiB?: number;
  readonly bytes?: number;
  /** The Name tag, for kept entries derived from config names (a volume id is not known in advance). */
  readonly name?: string;
}

export interface ResidualScope {
  readonly app: string;
  readonly env: string;
  readonly region: string;
  /** Never reported: it holds the state of every stack. */
  readonly stateBucket: string;
  /** Emulator endpoint; absent means real AWS with the default credential chain. */
  readonly endpoint?: string;
  /**
   * Account: everything the listings see counts (a fresh emulator holds only what the run made).
   * App: only what carries our names or tags (a shared real account).
   */
  readonly mode: "account" | "app";
}

export interface ResidualReport {
  readonly residuals: readonly Residual[];
  /** Listings that failed: without them nothing can be proved. */
  readonly errors: readonly string[];
}

export interface KeptEntry {
  readonly service: string;
  readonly kind: string;
  /** Exact id, or a prefix ending in `*`. */
  readonly id: string;
  readonly reason: string;
}

export interface KeptList {
  readonly kept: readonly KeptEntry[];
}

export function loadKeptList(file: string): KeptList {
  const list = JSON.parse(fs.readFileSync(file, "utf8")) as KeptList;
  for (const [i, k] of (list.kept ?? []).entries()) {
    if (!k.service || !k.kind || !k.id || !k.reason?.trim()) throw new Error(`${file}: kept[${i}] needs service, kind, id and a reason`);
  }
  return list;
}

function keptMatch(entry: KeptEntry, r: Residual): boolean {
  if (entry.service !== r.service || entry.kind !== r.kind) return false;
  return entry.id.endsWith("*") ? r.id.startsWith(entry.id.slice(0, -1)) : entry.id === r.id;
}

/** Splits residuals into those kept on purpose and those left behind by mistake. */
export function partitionKept(residuals: readonly Residual[], kept: KeptList): { kept: Residual[]; left: Residual[] } {
  const out = { kept: [] as Residual[], left: [] as Residual[] };
  for (const r of residuals) (kept.kept.some((k) => keptMatch(k, r)) ? out.kept : out.left).push(r);
  return out;
}

export function formatResidualTable(rows: readonly Residual[]): string[] {
  const header: Residual = { service: "SERVICE", kind: "KIND", id: "ID", detail: "DETAIL" };
  const all = [header, ...rows];
  const w = (f: (r: Residual) => string) => Math.max(...all.map((r) => f(r).length));
  const ws = w((r) => r.service);
  const wk = w((r) => r.kind);
  const wi = w((r) => r.id);
  return all.map((r) => `${r.service.padEnd(ws)}  ${r.kind.padEnd(wk)}  ${r.id.padEnd(wi)}  ${r.detail ?? ""}`.trimEnd());
}

// ---- the listing: the table of listers in residual-listers.ts, then what only the tagging API sees ----

/** Real clients for the scope: its emulator, or AWS with the default credential chain. */
function clientsFor(scope: ResidualScope): { clients: Clients; close: () => void } {
  const cfg = scope.endpoint ? emulatorClientConfig(scope.endpoint, scope.region) : { region: scope.region };
  const s3 = new S3Client(cfg);
  const sdk = {
    s3,
    ecr: new ECRClient(cfg),
    ddb: new DynamoDBClient(cfg),
    kms: new KMSClient(cfg),
    sm: new SecretsManagerClient(cfg),
    ec2: new EC2Client(cfg),
    logs: new CloudWatchLogsClient(cfg),
    ecs: new ECSClient(cfg),
    sd: new ServiceDiscoveryClient(cfg),
    tagging: new ResourceGroupsTaggingAPIClient(cfg),
    efs: new EFSClient(cfg),
    // IAM is global: one endpoint, signed for us-east-1.
    iam: new IAMClient({ ...cfg, region: "us-east-1" }),
  };
  const credentials: CredentialSource = async () => {
    const c = await s3.config.credentials();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
  };
  return {
    clients: { ...sdk, kinesis: kinesisJson(credentials, scope.region, scope.endpoint) },
    close: () => Object.values(sdk).forEach((c) => c.destroy()),
  };
}

/**
 * Deleted ECS services and deregistered task definitions stay listed (INACTIVE) for a while, or
 * for good, with their tags, in AWS as in the emulator; they run and cost nothing.
 */
async function inactiveEcs(ecs: Clients["ecs"], arn: string): Promise<boolean> {
  try {
    const service = /^arn:[^:]+:ecs:[^:]+:\d+:service\/([^/]+)\/.+$/.exec(arn);
    if (service)
      return (await ecs.send(new DescribeServicesCommand({ cluster: service[1], services: [arn] }))).services?.[0]?.status === "INACTIVE";
    if (/^arn:[^:]+:ecs:[^:]+:\d+:task-definition\//.test(arn))
      return (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition?.status === "INACTIVE";
    return false;
  } catch {
    // Not describable: report it rather than hide it.
    return false;
  }
}

/**
 * Lists every leftover the scope can see: first what the tagging API has tagged app=<app>,
 * env=<env>, then each lister of the table, then what only the tagging API saw. Each listing that
 * fails is reported, not thrown.
 */
export async function listResiduals(scope: ResidualScope, listers: readonly Lister[] = LISTERS, given?: Clients): Promise<ResidualReport> {
  const own = given ? undefined : clientsFor(scope);
  const clients = given ?? own!.clients;
  const errors: string[] = [];
  const attempt = async <T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      errors.push(`${what}: ${(err as Error).name}: ${(err as Error).message}`);
      return fallback;
    }
  };
  try {
    const tagged = await attempt("tagging GetResources app/env", () => taggedResources(clients, scope.app, scope.env), undefined);
    const ctx: ListerContext = {
      scope,
      clients,
      tagged: new Set((tagged ?? []).map((t) => arnKey(t.ResourceARN ?? ""))),
      leaving: new Set<string>(),
    };
    // Without the tagging API's answer app mode misses our buckets, tables, keys and log groups; the error says so (exit 2).
    const residuals = (await Promise.all(listers.map((l) => attempt(l.what, () => l.list(ctx), [] as Residual[])))).flat();

    // Last, so the listers have told which tagged ARNs are already leaving.
    const seen = new Set(residuals.flatMap((r) => (r.arn ? [arnKey(r.arn), r.id] : [r.id])));
    for (const t of tagged ?? []) {
      const arn = t.ResourceARN!;
      const resourceId = arn.split(/[:/]/).pop() ?? arn;
      if (
        ctx.leaving.has(arn) ||
        ctx.leaving.has(resourceId) ||
        seen.has(arnKey(arn)) ||
        seen.has(resourceId) ||
        arnKey(arn) === `s3:${scope.stateBucket}`
      )
        continue;
      if (await inactiveEcs(clients.ecs, arn)) continue;
      const stack = t.Tags?.find((x) => x.Key === "stack")?.Value;
      residuals.push({ service: "tagging", kind: "resource", id: arn, detail: stack ? `stack=${stack}` : undefined, arn });
    }
    return { residuals, errors };
  } finally {
    own?.close();
  }
}
