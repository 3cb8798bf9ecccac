import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../../config/repository";

/** Where a provider lives in a filesystem mirror, e.g. `registry.terraform.io/hashicorp/aws`. */
export const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";
export const NULL_PROVIDER = "registry.terraform.io/hashicorp/null";

/**
 * The one setting that points the scripts at a filesystem provider mirror (the directory above
 * registry.terraform.io). Nothing else on disk is searched: a binary planted in a guessed
 * directory would run with the operator's deploy credentials.
 */
export const PROVIDER_MIRROR_SETTING = "STREAMLINES_PROVIDER_MIRROR";

export { repoRoot };

/** Every config the test tiers cover: config/*.json, then __tests__/fixtures/configs/*.json. */
export function configFilesUnderTest(root = repoRoot()): string[] {
  const list = (dir: string) =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith(".json"))
          .sort()
          .map((f) => path.join(dir, f))
      : [];
  const own = list(path.join(root, "config"));
  // dev first: it is the default environment and the unlabelled one in reports.
  own.sort((a, b) => Number(configLabel(b) === "dev") - Number(configLabel(a) === "dev"));
  return [...own, ...list(path.join(root, "__tests__", "fixtures", "configs"))];
}

export function configLabel(file: string): string {
  return path.basename(file, ".json");
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** True when `root` holds the provider at `address`, unpacked (`<v>/<os_arch>/terraform-provider-*`) or packed (`terraform-provider-*.zip`). */
export function mirrorHas(root: string, address: string): boolean {
  const dir = path.join(root, ...address.split("/"));
  if (!isDir(dir)) return false;
  const type = address.split("/").pop() as string;
  const binary = (name: string) => name.startsWith(`terraform-provider-${type}`);
  for (const entry of fs.readdirSync(dir)) {
    if (binary(entry) && entry.endsWith(".zip")) return true;
    const version = path.join(dir, entry);
    if (!isDir(version)) continue;
    for (const platform of fs.readdirSync(version)) {
      const pdir = path.join(version, platform);
      if (isDir(pdir) && fs.readdirSync(pdir).some(binary)) return true;
    }
  }
  return false;
}

/** Provider addresses (`host/namespace/type`) present in a mirror. */
export function mirrorProviders(root: string): string[] {
  const out: string[] = [];
  const sub = (dir: string) => (isDir(dir) ? fs.readdirSync(dir).filter((e) => isDir(path.join(dir, e))) : []);
  for (const host of sub(root)) {
    for (const ns of sub(path.join(root, host))) {
      for (const type of sub(path.join(root, host, ns))) {
        const address = `${host}/${ns}/${type}`;
        if (mirrorHas(root, address)) out.push(address);
      }
    }
  }
  return out.sort();
}

/** Accepts the directory above registry.terraform.io, or registry.terraform.io itself. */
function asMirrorRoot(candidate: string): string | undefined {
  const root = path.basename(candidate) === "registry.terraform.io" ? path.dirname(candidate) : candidate;
  return mirrorHas(root, AWS_PROVIDER) ? root : undefined;
}

/**
 * The provider mirror named by STREAMLINES_PROVIDER_MIRROR, or undefined when it is not set (then
 * the operator's own Terraform CLI config, or the public registry, provides the providers).
 * Throws one line when the setting names a directory without hashicorp/aws.
 */
export function findProviderMirror(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env[PROVIDER_MIRROR_SETTING];
  if (!explicit) return undefined;
  const found = asMirrorRoot(path.resolve(explicit));
  if (!found) {
    throw new Error(
      `${PROVIDER_MIRROR_SETTING}=${explicit}: no ${AWS_PROVIDER} under it; expected a filesystem mirror (the directory above registry.terraform.io), or unset it to use the registry`,
    );
  }
  return found;
}

/** The CLI config terraform itself reads (TF_CLI_CONFIG_FILE, else ~/.terraformrc), when that file exists. */
export function userCliConfig(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.TF_CLI_CONFIG_FILE || path.join(env.HOME || os.homedir(), ".terraformrc");
  return fs.existsSync(file) ? file : undefined;
}

/** One line for when terraform could not install the providers, naming the settings that fix it. */
export function providerInstallHint(): string {
  return `terraform could not install the providers: with no registry access, set ${PROVIDER_MIRROR_SETTING} to a filesystem mirror (the directory above registry.terraform.io), or give a provider_installation block in TF_CLI_CONFIG_FILE (help/acceptance.md, "Offline")`;
}

/** True when init's output says a provider could not be found or fetched. */
export function isProviderInstallFailure(output: string): boolean {
  return /Failed to (query available provider packages|install provider|resolve provider packages)|could not connect to registry|Failed to retrieve .*provider/i.test(
    output,
  );
}

function hcl(value: string): string {
  return JSON.stringify(value);
}

/**
 * For operator commands (plan, state, deploy, destroy): the mirror STREAMLINES_PROVIDER_MIRROR names;
 * otherwise the operator's own CLI config and registry access, unchanged.
 */
export function operatorTerraformEnv(dir: string): { env: NodeJS.ProcessEnv; mirror?: string } {
  const mirror = findProviderMirror();
  return { mirror, env: mirror ? writeCliConfig(dir, mirror) : { ...process.env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" } };
}

/**
 * Writes a Terraform CLI config into `dir`: the mirror for the providers it holds, the registry for
 * the rest. Init links mirrored providers into `.terraform` rather than copying them. Without a
 * mirror, the operator's own CLI config (TF_CLI_CONFIG_FILE or ~/.terraformrc) is used as it is when
 * there is one; else one plugin cache under `dir` means the registry download happens once per run.
 * Returns the environment for terraform child processes.
 */
export function writeCliConfig(dir: string, mirror: string | undefined, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!mirror && userCliConfig(base)) return { ...base, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_INPUT: "0" };
  fs.mkdirSync(dir, { recursive: true });
  const mirrored = mirror ? mirrorProviders(mirror) : [];
  const lines = ["provider_installation {"];
  if (mirror && mirrored.length > 0) {
    lines.push("  filesystem_mirror {", `    path    = ${hcl(mirror)}`, `    include = [${mirrored.map(hcl).join(", ")}]`, "  }");
    lines.push("  direct {", `    exclude = [${mirrored.map(hcl).join(", ")}]`, "  }");
  } else {
    lines.push("  direct {}");
  }
  lines.push("}");
  if (mirrored.length === 0) {
    const cache = path.join(dir, "plugin-cache");
    fs.mkdirSync(cache, { recursive: true });
    // Without this, an init with no lock file re-installs into the cache and briefly removes the
    // entry other working directories link to, so a concurrent validate finds no provider.
    lines.push(`plugin_cache_dir = ${hcl(cache)}`, "plugin_cache_may_break_dependency_lock_file = true");
  }
  lines.push("");
  const file = path.join(dir, "terraform.rc");
  fs.writeFileSync(file, lines.join("\n"));
  const env: NodeJS.ProcessEnv = { ...base, TF_CLI_CONFIG_FILE: file, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_INPUT: "0" };
  // A caller's own cache would bring back the same re-install race and copy the provider into it.
  delete env.TF_PLUGIN_CACHE_DIR;
  return env;
}

export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TerraformOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Kills terraform after this long; the result then has code 124. */
  readonly timeoutMs?: number;
}

/** Runs `terraform <args>` and collects its output; never rejects on a non-zero exit. */
export function runTerraform(args: readonly string[], opts: TerraformOptions): Promise<TerraformResult> {
  return new Promise((resolve) => {
    const child = spawn("terraform", [...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill("SIGTERM");
        }, opts.timeoutMs)
      : undefined;
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      resolve({ code: 127, stdout: "", stderr: `cannot run terraform: ${e.message}` });
    });
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      const stderr = Buffer.concat(err).toString("utf8") + (timedOut ? `\nterraform ${args[0]} timed out after ${opts.timeoutMs} ms` : "");
      resolve({ code: timedOut ? 124 : (code ?? 1), stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
  });
}

/** Synchronous twin of runTerraform, for simple sequential callers. */
export function runTerraformSync(args: readonly string[], opts: TerraformOptions): TerraformResult {
  const r = spawnSync("terraform", [...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeoutMs,
  });
  if (r.error && !r.stdout) return { code: 127, stdout: "", stderr: `cannot run terraform: ${r.error.message}` };
  return { code: r.status ?? 124, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

export function terraformInit(cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<TerraformResult> {
  return runTerraform(["init", "-backend=false", "-input=false", "-no-color"], { cwd, env, timeoutMs });
}

export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail?: string;
  readonly address?: string;
  readonly range?: { filename: string; start: { line: number; column: number } };
}

export interface ValidateResult {
  readonly valid: boolean;
  readonly diagnostics: readonly Diagnostic[];
  /** Raw output, for when terraform did not answer with JSON. */
  readonly raw: TerraformResult;
}

export async function terraformValidate(cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<ValidateResult> {
  const raw = await runTerraform(["validate", "-json", "-no-color"], { cwd, env, timeoutMs });
  try {
    const parsed = JSON.parse(raw.stdout) as { valid: boolean; diagnostics?: Diagnostic[] };
    return { valid: parsed.valid && raw.code === 0, diagnostics: parsed.diagnostics ?? [], raw };
  } catch {
    return {
      valid: false,
      diagnostics: [{ severity: "error", summary: "terraform validate gave no JSON", detail: (raw.stderr || raw.stdout).trim() }],
      raw,
    };
  }
}

/** One diagnostic as indented text lines: summary, detail, address (or file and line). */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.address ?? (d.range ? `${d.range.filename}:${d.range.start.line}` : undefined);
  const lines = [`  ${d.severity}: ${d.summary}`];
  if (d.detail)
    lines.push(
      ...d.detail
        .trim()
        .split("\n")
        .map((l) => `    ${l}`),
    );
  if (where) lines.push(`    at ${where}`);
  return lines.join("\n");
}

// ---- null provider stripping (offline, when no hashicorp/null binary exists) ----

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Types owned by the null provider: `null_resource` and the `null_data_source` data source. */
const isNullType = (type: string) => type === "null" || type.startsWith("null_");

/** True when a stack's Terraform JSON uses the null provider at all. */
export function usesNullProvider(json: Json): boolean {
  const terraform = isObject(json.terraform) ? json.terraform : {};
  const required = isObject(terraform.required_providers) ? terraform.required_providers : {};
  const providers = isObject(json.provider) ? json.provider : {};
  const types = (block: unknown) => (isObject(block) ? Object.keys(block) : []);
  return "null" in required || "null" in providers || [...types(json.resource), ...types(json.data)].some(isNullType);
}

export interface StripResult {
  /** A copy of the input without the null provider, its resources and data sources, and references to them in depends_on / replace_triggered_by. */
  readonly json: Json;
  /** Addresses removed, e.g. `null_resource.image_backend`, `data.null_data_source.x`. */
  readonly removed: readonly string[];
  /** True when anything (blocks or provider settings) was taken out. */
  readonly changed: boolean;
}

/**
 * Takes the null provider out of a stack's Terraform JSON so the rest can be validated where no
 * null provider binary can be installed. Pure: the input is not modified.
 */
export function stripNullResources(input: Json): StripResult {
  const json = JSON.parse(JSON.stringify(input)) as Json;
  const removed: string[] = [];
  let changed = false;

  for (const [kind, prefix] of [
    ["resource", ""],
    ["data", "data."],
  ] as const) {
    const blocks = json[kind];
    if (!isObject(blocks)) continue;
    for (const type of Object.keys(blocks)) {
      if (!isNullType(type)) continue;
      const instances = blocks[type];
      removed.push(...(isObject(instances) ? Object.keys(instances) : []).map((id) => `${prefix}${type}.${id}`));
      delete blocks[type];
      changed = true;
    }
    if (Object.keys(blocks).length === 0) delete json[kind];
  }

  const terraform = json.terraform;
  if (isObject(terraform) && isObject(terraform.required_providers) && "null" in terraform.required_providers) {
    delete terraform.required_providers.null;
    changed = true;
  }
  if (isObject(json.provider) && "null" in json.provider) {
    delete json.provider.null;
    if (Object.keys(json.provider).length === 0) delete json.provider;
    changed = true;
  }

  const gone = new Set(removed);
  // `null_resource.x` or `null_resource.x.triggers` in depends_on / replace_triggered_by.
  const pointsAtRemoved = (ref: unknown) => {
    if (typeof ref !== "string") return false;
    const bare = ref.replace(/^\$\{(.*)\}$/, "$1");
    return [...gone].some((addr) => bare === addr || bare.startsWith(`${addr}.`) || bare.startsWith(`${addr}[`));
  };
  const prune = (block: unknown) => {
    if (!isObject(block)) return;
    if (Array.isArray(block.depends_on)) {
      block.depends_on = block.depends_on.filter((r) => !pointsAtRemoved(r));
      if ((block.depends_on as unknown[]).length === 0) delete block.depends_on;
    }
    const lifecycle = block.lifecycle;
    if (isObject(lifecycle) && Array.isArray(lifecycle.replace_triggered_by)) {
      lifecycle.replace_triggered_by = lifecycle.replace_triggered_by.filter((r) => !pointsAtRemoved(r));
      if ((lifecycle.replace_triggered_by as unknown[]).length === 0) delete lifecycle.replace_triggered_by;
      if (Object.keys(lifecycle).length === 0) delete block.lifecycle;
    }
  };
  if (gone.size > 0) {
    for (const kind of ["resource", "data"]) {
      const blocks = json[kind];
      if (!isObject(blocks)) continue;
      for (const instances of Object.values(blocks)) {
        if (isObject(instances)) Object.values(instances).forEach(prune);
      }
    }
    for (const kind of ["output", "module"]) {
      const blocks = json[kind];
      if (isObject(blocks)) Object.values(blocks).forEach(prune);
    }
  }
  return { json, removed, changed };
}

/**
 * For validation where no null provider can be installed: each `null_resource` becomes Terraform's
 * built-in `terraform_data` (same provisioners, depends_on and lifecycle; `triggers` as
 * `triggers_replace`), so their expressions are still checked instead of dropped. Pure.
 */
export function nullResourcesAsTerraformData(input: Json): StripResult {
  const resources = isObject(input.resource) ? input.resource : {};
  const hooks = isObject(resources.null_resource) ? resources.null_resource : {};
  if (Object.keys(hooks).length === 0) return stripNullResources(input);
  // References are rewritten textually: `null_resource.<id>` only ever appears as an address.
  const json = JSON.parse(JSON.stringify(input).replace(/\bnull_resource\./g, "terraform_data.")) as Json;
  const blocks = json.resource as Json;
  const converted: Json = {};
  for (const [id, body] of Object.entries(blocks.null_resource as Json)) {
    const { triggers, ...rest } = body as Json;
    converted[id] = { ...rest, ...(triggers !== undefined && { triggers_replace: triggers }) };
  }
  delete blocks.null_resource;
  blocks.terraform_data = { ...(isObject(blocks.terraform_data) ? blocks.terraform_data : {}), ...converted };
  const rest = stripNullResources(json);
  return { json: rest.json, removed: rest.removed, changed: true };
}

/** Minimal config that requires only the null provider, to learn whether `terraform init` can install it. */
export async function canInstallNullProvider(
  workDir: string,
  env: NodeJS.ProcessEnv,
  requirement: unknown = { source: "hashicorp/null" },
  timeoutMs = 60_000,
): Promise<boolean> {
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(path.join(workDir, "main.tf.json"), JSON.stringify({ terraform: { required_providers: { null: requirement } } }));
  const r = await terraformInit(workDir, env, timeoutMs);
  return r.code === 0;
}
