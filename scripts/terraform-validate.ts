/**
 * Tier 4: `terraform init` (offline from the provider mirror when there is one) and `terraform validate`
 * for every stack of every config under test. One line per stack, then a summary; non-zero exit on failure.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { limiter } from "./lib/limiter";
import { phaseOrder, readManifest, stackWorkingDir } from "./lib/stacks";
import {
  NULL_PROVIDER,
  canInstallNullProvider,
  configFilesUnderTest,
  configLabel,
  findProviderMirror,
  formatDiagnostic,
  mirrorHas,
  repoRoot,
  stripNullResources,
  terraformInit,
  terraformValidate,
  usesNullProvider,
  writeCliConfig,
} from "./lib/terraform";

const CONCURRENCY = Math.max(1, Math.min(2, os.cpus().length));
const STRIP_NOTE = " (null_resource blocks stripped: no null provider offline)";

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

  try {
    const mirror = findProviderMirror();
    const tfEnv = writeCliConfig(path.join(tmp, "cli"), mirror);
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
        nullChecks.set(key, initLock(() => canInstallNullProvider(dir, tfEnv, requirement ?? { source: "hashicorp/null" })));
      }
      return nullChecks.get(key) as Promise<boolean>;
    };

    const synthEnv: NodeJS.ProcessEnv = { ...process.env };
    delete synthEnv.STREAMLINES_ENV;

    const synth = (file: string, index: number): Promise<SynthOutcome> =>
      run(async () => {
        const outdir = path.join(tmp, `synth-${index}`);
        const r = await exec(process.execPath, [entry], { cwd: root, env: { ...synthEnv, STREAMLINES_CONFIG: file, CDKTF_OUTDIR: outdir } });
        if (r.code !== 0 || !fs.existsSync(path.join(outdir, "stacks"))) return { ok: false, error: r.output.trim(), stacks: [], outdir };
        return { ok: true, stacks: stackNames(outdir), outdir };
      }).catch((e: unknown) => ({ ok: false, error: e instanceof Error ? e.message : String(e), stacks: [], outdir: "" }));

    const validateStack = (label: string, stackDir: string, workDir: string): Promise<StackOutcome> =>
      run(() => checkStack(label, stackDir, workDir)).catch((e: unknown) => ({ ok: false, text: `${label}: INVALID\n  error: ${e instanceof Error ? e.message : String(e)}` }));

    const checkStack = async (label: string, stackDir: string, workDir: string): Promise<StackOutcome> => {
      fs.mkdirSync(workDir, { recursive: true });
      let json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as Record<string, unknown>;
      let note = "";
      if (usesNullProvider(json)) {
        const requirement = (json.terraform as { required_providers?: Record<string, unknown> } | undefined)?.required_providers?.null;
        if (!(await nullAvailable(requirement))) {
          const stripped = stripNullResources(json);
          json = stripped.json;
          if (stripped.changed) note = STRIP_NOTE;
        }
      }
      fs.writeFileSync(path.join(workDir, "cdk.tf.json"), JSON.stringify(json, null, 2));
      // Assets (Lambda zips and the like) are referenced relative to the stack directory.
      for (const e of fs.readdirSync(stackDir)) {
        if (e !== "cdk.tf.json" && !e.startsWith(".terraform")) fs.symlinkSync(path.join(stackDir, e), path.join(workDir, e));
      }
      const init = await initLock(() => terraformInit(workDir, tfEnv));
      if (init.code !== 0) {
        const why = (init.stderr || init.stdout).trim().split("\n").map((l) => `  ${l}`).join("\n");
        return { ok: false, text: `${label}: INVALID${note}\n  terraform init failed:\n${why}` };
      }
      const v = await terraformValidate(workDir, tfEnv);
      if (v.valid) return { ok: true, text: `${label}: valid${note}` };
      const diags = v.diagnostics.filter((d) => d.severity === "error");
      return { ok: false, text: [`${label}: INVALID${note}`, ...(diags.length ? diags : v.diagnostics).map(formatDiagnostic)].join("\n") };
    };

    const configs = configFilesUnderTest(root);
    // Start everything now; the limiter keeps two at work. Lines are printed in config and phase order.
    const planned = configs.map((file, i) => {
      const tag = configLabel(file) === "dev" ? "" : ` [${configLabel(file)}]`;
      const synthesized = synth(file, i);
      const stacks = synthesized.then((s) =>
        s.stacks.map((name) => ({ name, outcome: validateStack(`${name}${tag}`, path.join(s.outdir, "stacks", name), path.join(tmp, `work-${i}-${name}`)) })),
      );
      return { file, tag, synthesized, stacks };
    });

    let passed = 0;
    let failed = 0;
    for (const p of planned) {
      const s = await p.synthesized;
      if (!s.ok) {
        failed++;
        console.log(`synth${p.tag || " [dev]"}: FAILED (${path.relative(root, p.file)})\n${(s.error ?? "").split("\n").map((l) => `  ${l}`).join("\n")}`);
        continue;
      }
      if (s.stacks.length === 0) {
        failed++;
        console.log(`synth${p.tag || " [dev]"}: FAILED (${path.relative(root, p.file)}): no stacks synthesized`);
        continue;
      }
      for (const stack of await p.stacks) {
        const o = await stack.outcome;
        console.log(o.text);
        if (o.ok) passed++;
        else failed++;
      }
    }
    console.log(`terraform: ${passed} passed, ${failed} failed`);
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
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exitCode = 1;
  },
);
