/**
 * The terraform tier's verdict cache: a group that validated once is not initialised and validated again
 * while nothing that decides its verdict has changed (the same idea as `eslint --cache` and `tsc --incremental`).
 * The key covers the group root exactly as written (the stacks' JSON after any null_resource stripping,
 * the module list, every linked asset's bytes), the terraform version and platform, the providers'
 * identity and the tier's own code. Only a group whose every stack was valid is stored.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../../config/repository";

/** Bumped when an entry's layout or the key's meaning changes, so older entries are never read. */
const CACHE_FORMAT = 1;

export const VALIDATE_CACHE_SETTING = "STREAMLINES_VALIDATE_CACHE";

export interface VerdictKeyInputs {
  /** The group root as written by writeGroupRoot, before `terraform init` adds `.terraform*`. */
  readonly rootDir: string;
  /** `terraform version -json` output: version and platform. */
  readonly terraform: string;
  /** From providerIdentity(). */
  readonly providers: string;
  /** From tierVersion(). */
  readonly tier: string;
}

interface Entry {
  readonly format: number;
  readonly key: string;
  readonly labels: readonly string[];
  readonly valid: true;
}

/** `node_modules/.cache/stream-lines/terraform-validate`, another directory, or null when STREAMLINES_VALIDATE_CACHE=off. */
export function verdictCacheDir(env: NodeJS.ProcessEnv = process.env, root = repoRoot()): string | null {
  const setting = env[VALIDATE_CACHE_SETTING];
  if (setting === "off") return null;
  return setting ? path.resolve(setting) : path.join(root, "node_modules", ".cache", "stream-lines", "terraform-validate");
}

export function verdictKey(inputs: VerdictKeyInputs): string {
  const hash = createHash("sha256");
  hash.update(`format ${CACHE_FORMAT}\nterraform ${inputs.terraform}\nproviders ${inputs.providers}\ntier ${inputs.tier}\n`);
  for (const [file, digest] of treeDigests(inputs.rootDir)) hash.update(`${file} ${digest}\n`);
  return hash.digest("hex");
}

/** Every file under the root by relative path and content hash, links followed; terraform's own `.terraform*` skipped. */
function treeDigests(root: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      if (rel === "" && name.startsWith(".terraform")) continue;
      const full = path.join(dir, name);
      const relName = rel ? `${rel}/${name}` : name;
      const stat = fs.statSync(full);
      if (stat.isDirectory()) walk(full, relName);
      else out.push([relName, sha256(fs.readFileSync(full))]);
    }
  };
  walk(root, "");
  return out;
}

/**
 * Which provider binaries init would install. From a filesystem mirror: each provider file's path, size
 * and modification time (hashing the 700 MB aws binary would cost more than the validate it saves). From
 * the registry: the CLI config in use; the versions are the stacks' own required_providers, in the key already.
 */
export function providerIdentity(mirror: string | undefined, env: NodeJS.ProcessEnv): string {
  const parts: string[] = [];
  if (mirror) {
    const walk = (dir: string) => {
      for (const name of fs.readdirSync(dir).sort()) {
        const full = path.join(dir, name);
        const stat = fs.statSync(full);
        if (stat.isDirectory()) walk(full);
        else parts.push(`${path.relative(mirror, full)} ${stat.size} ${stat.mtimeMs}`);
      }
    };
    parts.push(`mirror ${mirror}`);
    walk(mirror);
  }
  const cli = env.TF_CLI_CONFIG_FILE;
  parts.push(`cli ${cli && fs.existsSync(cli) ? sha256(fs.readFileSync(cli, "utf8").replace(/plugin_cache_dir\s*=.*\n/, "")) : "none"}`);
  return sha256(parts.join("\n"));
}

/** The tier's code: the compiled modules that prepare, group, run and judge the stacks. */
export function tierVersion(files: readonly string[]): string {
  return sha256(files.map((f) => `${path.basename(f)} ${sha256(fs.readFileSync(f))}`).join("\n"));
}

/** True when a valid verdict for exactly these stack labels is stored under `key`. A torn or foreign entry is a miss. */
export function hasValidVerdict(cacheDir: string | null, key: string, labels: readonly string[]): boolean {
  if (cacheDir === null) return false;
  try {
    const entry = JSON.parse(fs.readFileSync(path.join(cacheDir, `${key}.json`), "utf8")) as Entry;
    return (
      entry.format === CACHE_FORMAT && entry.key === key && entry.valid === true && JSON.stringify(entry.labels) === JSON.stringify(labels)
    );
  } catch {
    return false;
  }
}

/** Stores the verdict only when every stack was valid: a failure always runs again. Never throws. */
export function recordVerdict(
  cacheDir: string | null,
  key: string,
  labels: readonly string[],
  outcomes: readonly { ok: boolean }[],
): boolean {
  if (cacheDir === null || outcomes.length !== labels.length || !outcomes.every((o) => o.ok)) return false;
  const entry: Entry = { format: CACHE_FORMAT, key, labels, valid: true };
  const file = path.join(cacheDir, `${key}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(tmp, `${JSON.stringify(entry)}\n`);
    // By rename: a concurrent reader sees no entry or a whole one.
    fs.renameSync(tmp, file);
    return true;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    process.stderr.write(`warning: terraform verdict cache ${file} not written: ${(err as Error).message}\n`);
    return false;
  }
}

const sha256 = (bytes: string | Uint8Array) => createHash("sha256").update(bytes).digest("hex");
