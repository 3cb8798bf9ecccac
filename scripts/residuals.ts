/**
 * Lists what the selected environment left behind (after `npm run destroy`, or any time):
 *   STREAMLINES_ENV=dev npm run residuals
 * Only our names and tags count ("app" mode): the account may be shared.
 * Exit 0: nothing beyond the stateful resources kept on purpose; 1: something else is left; 2: a listing failed.
 */
import { loadConfigOrExit } from "../config/load";
import { StreamLinesConfig } from "../config/schema";
import { KeptEntry, Residual, ResidualReport, ResidualScope, formatResidualTable, listResiduals } from "./lib/residuals";
import { LineIo } from "./lib/io";
import { MONTHLY_PRICES } from "./lib/prices";

// The SDK nags about Node 20 on every run; the project supports Node 20 (package.json engines).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const EXIT_CLEAN = 0;
export const EXIT_LEFT = 1;
export const EXIT_LISTING_FAILED = 2;

const usd = (n: number) => `$${n < 10 ? n.toFixed(2) : n.toFixed(0)}`;

/** A cost hint for one residual: a number when size or count decides it, else the unit price. */
export function costHint(r: Residual): { monthly?: number; hint: string } {
  const p = MONTHLY_PRICES;
  const perMonth = (n: number) => ({ monthly: n, hint: `~${usd(n)}/month` });
  switch (`${r.service}/${r.kind}`) {
    case "ec2/nat-gateway":
      return perMonth(p.natGateway);
    case "ec2/elastic-ip":
      return perMonth(p.elasticIp);
    case "ec2/volume":
      return r.sizeGiB !== undefined ? perMonth(r.sizeGiB * p.gp3PerGiB) : { hint: `$${p.gp3PerGiB}/GiB-month (gp3)` };
    case "ec2/snapshot":
      return r.sizeGiB !== undefined ? perMonth(r.sizeGiB * p.snapshotPerGiB) : { hint: `$${p.snapshotPerGiB}/GiB-month` };
    case "ec2/vpc-endpoint":
      return { hint: `~${usd(p.interfaceEndpointPerAz)}/month per AZ if interface, free if gateway` };
    case "ec2/network-interface":
      return { hint: `${usd(p.elasticIp)}/month if it holds a public IPv4, else free; blocks subnet/VPC deletion` };
    case "logs/log-group":
      return { hint: `$${p.logStoragePerGB}/GB-month stored` };
    case "ecr/image":
      return r.bytes !== undefined ? perMonth((r.bytes / 1e9) * p.ecrPerGB) : { hint: `$${p.ecrPerGB}/GB-month` };
    case "ecr/repository":
      return { hint: `$${p.ecrPerGB}/GB-month of images` };
    case "efs/file-system":
      return { hint: `$${p.efsPerGB}/GB-month (standard)` };
    case "kinesis/stream":
      return { hint: `~${usd(p.kinesisShard)}/month per provisioned shard` };
    case "kms/key":
      return perMonth(p.kmsKey);
    case "secretsmanager/secret":
      return perMonth(p.secret);
    case "s3/bucket":
      return { hint: "$0.023/GB-month stored" };
    case "dynamodb/table":
      return { hint: "$0.25/GB-month stored; on-demand requests only when used" };
    default:
      return { hint: "free or usage-based" };
  }
}

/**
 * What a destroy keeps on purpose while `dataRetention` is on (FoundationsStack.keptResources): the
 * Influx data volume (or file system) with the snapshots Data Lifecycle Manager made of it, the
 * artifacts bucket, the connection table, and the KMS key and secrets they need, by the names the
 * stacks give them.
 */
export function keptFromConfig(config: StreamLinesConfig): KeptEntry[] {
  if (!config.dataRetention) return [];
  const reason = "dataRetention is on: kept by destroy, adopted again by the next deploy";
  const ours = `${config.app}-${config.env}`;
  const dataName = `${ours}-influx-data`;
  return [
    config.influx.storage === "efs"
      ? { service: "efs", kind: "file-system", id: dataName, reason }
      : { service: "ec2", kind: "volume", id: dataName, reason },
    // DLM copies the volume's tags, Name included, onto each snapshot; the EFS access point carries the Name too.
    config.influx.storage === "ebs"
      ? { service: "ec2", kind: "snapshot", id: dataName, reason: `${reason}; snapshots of the kept volume` }
      : { service: "efs", kind: "access-point", id: dataName, reason: `${reason}; the kept file system's entry point` },
    { service: "s3", kind: "bucket", id: config.artifacts.bucketName, reason },
    { service: "dynamodb", kind: "table", id: config.connectionTable.name, reason },
    { service: "kms", kind: "key", id: `alias/${ours}`, reason: `${reason}; it encrypts the kept data` },
    { service: "kms", kind: "alias", id: `alias/${ours}`, reason: `${reason}; it names the kept key` },
    { service: "secretsmanager", kind: "secret", id: `${ours}/*`, reason: `${reason}; the Influx tokens match the kept volume's database` },
  ];
}

/** Matches by id, or by Name tag for volumes and file systems, whose ids are not known in advance. */
export function isKept(r: Residual, kept: readonly KeptEntry[]): boolean {
  return kept.some((k) => {
    if (k.service !== r.service || k.kind !== r.kind) return false;
    if (k.id.endsWith("*")) return r.id.startsWith(k.id.slice(0, -1)) || (r.name ?? "").startsWith(k.id.slice(0, -1));
    return (
      k.id === r.id || (r.name !== undefined && k.id === r.name) || (r.kind === "file-system" && (r.detail ?? "").split(" ").includes(k.id))
    );
  });
}

export function scopeFromConfig(config: StreamLinesConfig): ResidualScope {
  return {
    app: config.app,
    env: config.env,
    region: config.region,
    stateBucket: config.state.bucket,
    endpoint: config.emulator?.endpoint,
    mode: "app",
  };
}

/** Per-kind summary: count and the summed monthly hint where it is known. */
export function costTable(rows: readonly Residual[]): string[] {
  const kinds = new Map<string, Residual[]>();
  for (const r of rows) kinds.set(`${r.service}/${r.kind}`, [...(kinds.get(`${r.service}/${r.kind}`) ?? []), r]);
  const lines: string[][] = [["KIND", "COUNT", "MONTHLY COST HINT"]];
  let total = 0;
  for (const [kind, rs] of [...kinds].sort(([a], [b]) => a.localeCompare(b))) {
    const hints = rs.map(costHint);
    const known = hints.filter((h) => h.monthly !== undefined);
    const sum = known.reduce((s, h) => s + (h.monthly ?? 0), 0);
    total += sum;
    lines.push([kind, String(rs.length), known.length === rs.length ? `~${usd(sum)}` : hints[0].hint]);
  }
  const w = [0, 1].map((i) => Math.max(...lines.map((l) => l[i].length)));
  const out = lines.map((l) => `${l[0].padEnd(w[0])}  ${l[1].padStart(w[1])}  ${l[2]}`);
  out.push(`at least ~${usd(total)}/month (rough, us-east-1 list prices; usage-based charges not included)`);
  return out;
}

export type Io = LineIo;

/** Renders a report and returns the exit code. */
export function report(result: ResidualReport, kept: readonly KeptEntry[], io: Io, label: string): number {
  const keptRows = result.residuals.filter((r) => isKept(r, kept));
  const left = result.residuals.filter((r) => !isKept(r, kept));
  if (left.length > 0) {
    io.out(`residuals of ${label}: ${left.length} resource(s) left behind`);
    formatResidualTable(left).forEach((l) => io.out(`  ${l}`));
    io.out("");
    io.out("cost per kind (rough, us-east-1 list prices):");
    costTable(left).forEach((l) => io.out(`  ${l}`));
  } else {
    io.out(`residuals of ${label}: nothing left behind${keptRows.length ? " beyond the kept resources" : ""}`);
  }
  if (keptRows.length > 0) {
    io.out("");
    io.out(`kept on purpose (dataRetention on; delete for real: set dataRetention false, deploy, then destroy):`);
    formatResidualTable(keptRows).forEach((l) => io.out(`  ${l}`));
    costTable(keptRows).forEach((l) => io.out(`  ${l}`));
  }
  if (result.errors.length > 0) {
    io.err("");
    io.err(`${result.errors.length} listing(s) failed, so the account cannot be proved clean:`);
    result.errors.forEach((e) => io.err(`  ${e}`));
    io.err("check credentials and permissions (read-only access to the listed services is enough), then run again");
    return EXIT_LISTING_FAILED;
  }
  return left.length > 0 ? EXIT_LEFT : EXIT_CLEAN;
}

export async function main(config: StreamLinesConfig, io: Io): Promise<number> {
  const scope = scopeFromConfig(config);
  const label = `${config.app}-${config.env} in ${config.region}${scope.endpoint ? ` (emulator ${scope.endpoint})` : ""}`;
  const result = await listResiduals(scope);
  return report(result, keptFromConfig(config), io, label);
}

if (require.main === module) {
  const config = loadConfigOrExit();
  main(config, { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) }).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`residuals: ${(err as Error).message}\n`);
      process.exitCode = EXIT_LISTING_FAILED;
    },
  );
}
