/**
 * Tier 4: `terraform init` (from the mirror STREAMLINES_PROVIDER_MIRROR names, else the CLI config or the registry) and `terraform validate`
 * for every stack of every config under test, stacks with the same providers validated together as
 * modules of one root (scripts/lib/validate-groups.ts). One line per stack, then a summary; non-zero exit on failure.
 * A group whose inputs are unchanged since it last validated is not run again: its lines say "(cached)"
 * (scripts/lib/validate-cache.ts; STREAMLINES_VALIDATE_CACHE=off runs every group).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { limiter } from "./lib/limiter";
import { phaseOrder, readManifest, stackWorkingDir } from "./lib/stacks";
import { Group, PreparedStack, diagnosticsByStack, groupStacks, writeGroupRoot } from "./lib/validate-groups";
import { hasValidVerdict, providerIdentity, recordVerdict, tierVersion, verdictCacheDir, verdictKey } from "./lib/validate-cache";
import {
  NULL_PROVIDER,
  canInstallNullProvider,
  configFilesUnderTest,
  configLabel,
  findProviderMirror,
  formatDiagnostic,
  isProviderInstallFailure,
  mirrorHas,
  providerInstallHint,
  repoRoot,
  nullResourcesAsTerraformData,
  runTerraform,
  terraformInit,
  terraformValidate,
  usesNullProvider,
  writeCliConfig,
} from "./lib/terraform";

const CONCURRENCY = Math.max(1, Math.min(2, os.cpus().length));
const STRIP_NOTE = " (null_resource blocks validated as terraform_data: no null provider offline)";
const CACHED_NOTE = " (cached)";
/** The compiled modules whose code decides a verdict: a change to any of them re-validates everything. */
const TIER_FILES = [
  __filename,
  require.resolve("./lib/validate-groups"),
  require.resolve("./lib/terraform"),
  require.resolve("./lib/validate-cache"),
];

interface StackOutcome {
  readonly ok: boolean;
  /** The stack's line, plus diagnostics below it when invalid. */
  readonly text: string;
}

interface SynthOutcome {
  readonly ok: boolean;
  readonly error?: string;
  readonly stacks: string[];
  readonly outdir: string;
}

function exec(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => chunks.push(b));
    child.stderr.on("data", (b: Buffer) => chunks.push(b));
    child.on("error", (e) => resolve({ code: 127, output: e.message }));
    child.on("close", (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString("utf8") }));
  });
}

/** Synthesized stacks in phase order (cdktf's manifest). */
function stackNames(outdir: string): string[] {
  const manifest = readManifest(outdir);
  return phaseOrder(manifest).filter((name) => fs.existsSync(path.join(stackWorkingDir(outdir, manifest, name), "cdk.tf.json")));
}

async function main(): Promise<number> {
  const root = repoRoot();
  const entry = path.join(root, "dist", "main.js");
  if (!fs.existsSync(entry)) {
    console.error(`terraform: ${path.relative(root, entry)} is missing; run npm run build first`);
    return 1;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-tf-"));
  const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
  const onSignal = (sig: NodeJS.Signals) => {
    cleanup();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  let mirror: string | undefined;
  try {
    mirror = findProviderMirror();
  } catch (e) {
    console.error(`terraform: ${(e as Error).message}`);
    cleanup();
    return 1;
  }
  let providersMissing = false;
  try {
    const tfEnv = writeCliConfig(path.join(tmp, "cli"), mirror);
    const version = await runTerraform(["version", "-json"], { cwd: tmp, env: tfEnv, timeoutMs: 60_000 });
    let cacheDir = verdictCacheDir();
    let terraformIdentity = "";
    try {
      const v = JSON.parse(version.stdout) as { terraform_version: string; platform: string };
      // Extra arguments from the environment change what init and validate do.
      const extraArgs = ["TF_CLI_ARGS", "TF_CLI_ARGS_init", "TF_CLI_ARGS_validate"].map((name) => `${name}=${tfEnv[name] ?? ""}`);
      terraformIdentity = [v.terraform_version, v.platform, ...extraArgs].join(" ");
    } catch {
      // Without a version there is no safe key; init and validate report what is wrong with terraform.
      cacheDir = null;
    }
    const keyParts =
      cacheDir === null
        ? undefined
        : { terraform: terraformIdentity, providers: providerIdentity(mirror, tfEnv), tier: tierVersion(TIER_FILES) };
    const run = limiter(CONCURRENCY);
    // The plugin cache is not safe for concurrent installs, and init is short: one at a time.
    const initLock = limiter(1);

    // Learned once per null requirement, and only if some stack uses the null provider.
    const nullChecks = new Map<string, Promise<boolean>>();
    const nullAvailable = (requirement: unknown): Promise<boolean> => {
      if (mirror && mirrorHas(mirror, NULL_PROVIDER)) return Promise.resolve(true);
      const key = JSON.stringify(requirement ?? {});
      if (!nullChecks.has(key)) {
        const dir = path.join(tmp, `null-probe-${nullChecks.size}`);
        nullChecks.set(
          key,
          initLock(() => canInstallNullProvider(dir, tfEnv, requirement ?? { source: "hashicorp/null" })),
        );
      }
      return nullChecks.get(key) as Promise<boolean>;
    };

    const synthEnv: NodeJS.ProcessEnv = { ...process.env };
    delete synthEnv.STREAMLINES_ENV;

    const synth = (file: string, index: number): Promise<SynthOutcome> =>
      run(async () => {
        const outdir = path.join(tmp, `synth-${index}`);
        const r = await exec(process.execPath, [entry], {
          cwd: root,
          env: { ...synthEnv, STREAMLINES_CONFIG: file, CDKTF_OUTDIR: outdir },
        });
        if (r.code !== 0 || !fs.existsSync(path.join(outdir, "stacks"))) return { ok: false, error: r.output.trim(), stacks: [], outdir };
        return { ok: true, stacks: stackNames(outdir), outdir };
      }).catch((e: unknown) => ({ ok: false, error: e instanceof Error ? e.message : String(e), stacks: [], outdir: "" }));

    /** The stack's JSON as validated: without null resources when no null provider can be had. */
    const prepare = async (label: string, stackDir: string): Promise<PreparedStack & { note: string }> => {
      let json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as Record<string, unknown>;
      let note = "";
      if (usesNullProvider(json)) {
        const requirement = (json.terraform as { required_providers?: Record<string, unknown> } | undefined)?.required_providers?.null;
        if (!(await nullAvailable(requirement))) {
          const stripped = nullResourcesAsTerraformData(json);
          json = stripped.json;
          if (stripped.changed) note = STRIP_NOTE;
        }
      }
      return { label, json, stackDir, note };
    };

    /** The group's stored verdict when its key is unchanged; else init and validate, storing the verdict if all valid. */
    const validateGroup = async (group: Group, dir: string): Promise<StackOutcome[]> => {
      const notes = group.stacks.map((s) => (s as PreparedStack & { note: string }).note);
      writeGroupRoot(dir, group);
      const labels = group.stacks.map((s) => s.label);
      const key = keyParts && verdictKey({ rootDir: dir, ...keyParts });
      if (key && hasValidVerdict(cacheDir, key, labels))
        return group.stacks.map((s, i) => ({ ok: true, text: `${s.label}: valid${notes[i]}${CACHED_NOTE}` }));
      const outcomes = await initAndValidate(group, dir, notes);
      if (key) recordVerdict(cacheDir, key, labels, outcomes);
      return outcomes;
    };

    /** One init and one validate for the whole group; each stack gets its own line from the diagnostics that name it. */
    const initAndValidate = async (group: Group, dir: string, notes: string[]): Promise<StackOutcome[]> => {
      const init = await initLock(() => terraformInit(dir, tfEnv));
      if (init.code !== 0) {
        if (isProviderInstallFailure(init.stderr + init.stdout)) providersMissing = true;
        const why = (init.stderr || init.stdout)
          .trim()
          .split("\n")
          .map((l) => `  ${l}`)
          .join("\n");
        return group.stacks.map((s, i) => ({ ok: false, text: `${s.label}: INVALID${notes[i]}\n  terraform init failed:\n${why}` }));
      }
      const v = await terraformValidate(dir, tfEnv);
      const byStack = diagnosticsByStack(group, v.diagnostics);
      return group.stacks.map((s, i) => {
        const errors = byStack[i].filter((d) => d.severity === "error");
        // Valid only when terraform says so, or when every error it reports belongs to other stacks.
        if (errors.length === 0 && (v.valid || v.diagnostics.some((d) => d.severity === "error")))
          return { ok: true, text: `${s.label}: valid${notes[i]}` };
        const shown = errors.length ? errors : byStack[i];
        const lines = shown.length
          ? shown.map(formatDiagnostic)
          : [`  error: terraform validate exited ${v.raw.code}: ${(v.raw.stderr || v.raw.stdout).trim()}`];
        return { ok: false, text: [`${s.label}: INVALID${notes[i]}`, ...lines].join("\n") };
      });
    };

    const configs = configFilesUnderTest(root);
    // Every config synthesizes first (two at a time); then the stacks are validated in groups.
    const synthesized = await Promise.all(configs.map((file, i) => synth(file, i)));
    const planned = await Promise.all(
      configs.map(async (file, i) => {
        const tag = configLabel(file) === "dev" ? "" : ` [${configLabel(file)}]`;
        const s = synthesized[i];
        const stacks = s.ok ? await Promise.all(s.stacks.map((name) => prepare(`${name}${tag}`, path.join(s.outdir, "stacks", name)))) : [];
        return { file, tag, s, stacks };
      }),
    );
    const outcomes = new Map<PreparedStack, Promise<StackOutcome>>();
    groupStacks(planned.flatMap((p) => p.stacks)).forEach((group, g) => {
      const results = run(() => validateGroup(group, path.join(tmp, `group-${g}`))).catch((e: unknown) =>
        group.stacks.map((st) => ({ ok: false, text: `${st.label}: INVALID\n  error: ${e instanceof Error ? e.message : String(e)}` })),
      );
      group.stacks.forEach((st, i) =>
        outcomes.set(
          st,
          results.then((r) => r[i]),
        ),
      );
    });

    let passed = 0;
    let failed = 0;
    // Lines in config and phase order.
    for (const { file, tag, s, stacks } of planned) {
      if (!s.ok) {
        failed++;
        console.log(
          `synth${tag || " [dev]"}: FAILED (${path.relative(root, file)})\n${(s.error ?? "")
            .split("\n")
            .map((l) => `  ${l}`)
            .join("\n")}`,
        );
        continue;
      }
      if (stacks.length === 0) {
        failed++;
        console.log(`synth${tag || " [dev]"}: FAILED (${path.relative(root, file)}): no stacks synthesized`);
        continue;
      }
      for (const stack of stacks) {
        const o = await outcomes.get(stack)!;
        console.log(o.text);
        if (o.ok) passed++;
        else failed++;
      }
    }
    console.log(`terraform: ${passed} passed, ${failed} failed`);
    if (providersMissing) console.error(`terraform: ${providerInstallHint()}`);
    return failed === 0 ? 0 : 1;
  } finally {
    cleanup();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
