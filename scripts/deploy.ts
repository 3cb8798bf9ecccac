/**
 * One-command deploy from an empty account (help/deploy.md):
 *   npm run deploy [-- [--auto-approve]]
 * 1. Reads the kept-resources record the last destroy left in the state bucket, if any, and has
 *    synth turn it into import blocks (the same volume comes back).
 * 2. Synth (node dist/main.js).
 * 3. Phase 1: the stacks nothing else comes before (foundations, which runs the image hooks);
 *    phase 2: the others in dependency order, from cdktf.out/manifest.json. Each through
 *    `cdktf deploy <stack>`; the first failure stops the run and says what to rerun.
 * Exit 0 deployed, 1 failed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfigOrExit } from "../config/load";
import { StreamLinesConfig } from "../config/schema";
import { KeptRecord } from "../stacks/kept";
import { CdktfResult, describeCounts, runCdktf } from "./lib/cdktf";
import { deleteKeptRecord, keptRecordUrl, readKeptRecord, writeKeptRecord } from "./lib/kept";
import { missingOperatorSettings } from "./lib/operator-settings";
import { CdktfManifest, outdirOf, phaseOrder, readManifest, stackWorkingDir } from "./lib/stacks";
import { operatorTerraformEnv, repoRoot, runTerraform } from "./lib/terraform";

// The SDK nags about Node 20 on every run; the project supports Node 20 (package.json engines).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const USAGE = "usage: npm run deploy [-- [--auto-approve]]";

export interface DeployOptions {
  readonly autoApprove: boolean;
}

export function parseDeployArgs(argv: readonly string[]): DeployOptions {
  let autoApprove = false;
  for (const a of argv) {
    if (a === "--auto-approve") autoApprove = true;
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return { autoApprove };
}

/** Phase 1: stacks without dependencies; phase 2: the rest, each after what it depends on. */
export function deployPhases(manifest: CdktfManifest): Array<{ phase: number; stack: string }> {
  return phaseOrder(manifest).map((stack) => ({ stack, phase: (manifest.stacks[stack].dependencies ?? []).length === 0 ? 1 : 2 }));
}

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

/** Image hooks (null_resource) in a synthesized stack. */
function countHooks(dir: string): number {
  const json = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, unknown>> };
  return Object.keys(json.resource?.null_resource ?? {}).length;
}

/** After `stack` applied: drop the record's entries its state now holds; the rest stay recorded. */
async function settleAdoption(config: StreamLinesConfig, record: KeptRecord, stack: string, dir: string, env: NodeJS.ProcessEnv, io: Io): Promise<KeptRecord> {
  const mine = record.resources.filter((e) => e.stack === stack);
  if (mine.length === 0) return record;
  const list = await runTerraform(["state", "list"], { cwd: dir, env, timeoutMs: 120_000 });
  if (list.code !== 0) {
    io.err(`deploy: ${stack}: cannot list the state to confirm the adoption (the record stays, the next deploy imports nothing twice): ${list.stderr.trim()}`);
    return record;
  }
  const managed = new Set(list.stdout.split("\n").map((l) => l.trim()));
  const adopted = mine.filter((e) => managed.has(e.address));
  const rest = record.resources.filter((e) => !adopted.includes(e));
  if (rest.length === 0) await deleteKeptRecord(config);
  else await writeKeptRecord(config, { ...record, resources: rest });
  io.out(`deploy: ${stack}: adopted ${adopted.length} kept resource(s) again${rest.length ? `; ${rest.length} still recorded in ${keptRecordUrl(config)}` : `; record ${keptRecordUrl(config)} removed`}`);
  return { ...record, resources: rest };
}

export async function main(argv: readonly string[], config: StreamLinesConfig, io: Io, root = repoRoot()): Promise<number> {
  let opts: DeployOptions;
  try {
    opts = parseDeployArgs(argv);
  } catch (e) {
    io.err(`deploy: ${(e as Error).message}`);
    return 1;
  }
  if (!opts.autoApprove && !process.stdin.isTTY) {
    io.err("deploy: no terminal to review the plans on; rerun with: npm run deploy -- --auto-approve");
    return 1;
  }
  const started = Date.now();
  const outdir = outdirOf(root);
  const target = `${config.app}-${config.env} in ${config.region}${config.emulator ? ` (emulator ${config.emulator.endpoint})` : ""}`;
  io.out(`deploy: ${target}`);

  let record: KeptRecord | undefined;
  try {
    record = await readKeptRecord(config);
  } catch (e) {
    io.err(`deploy: cannot read ${keptRecordUrl(config)}: ${(e as Error).name}: ${(e as Error).message}`);
    io.err("deploy: check credentials and the state bucket (npm run doctor; npm run bootstrap-state makes the bucket)");
    return 1;
  }
  const synthEnv: NodeJS.ProcessEnv = { ...process.env };
  let adoptDir: string | undefined;
  if (record && record.resources.length > 0) {
    adoptDir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-adopt-"));
    synthEnv.STREAMLINES_ADOPT = path.join(adoptDir, "kept-resources.json");
    fs.writeFileSync(synthEnv.STREAMLINES_ADOPT, JSON.stringify(record));
    io.out(`deploy: adopting ${record.resources.length} resource(s) the last destroy kept (${keptRecordUrl(config)}, ${record.recordedAt}):`);
    for (const e of record.resources) io.out(`  ${e.stack}: ${e.type} ${e.importId}`);
  }

  io.out("deploy: synth (node dist/main.js)");
  const synth = spawnSync(process.execPath, [path.join(root, "dist", "main.js")], { cwd: root, env: synthEnv, stdio: "inherit" });
  if (adoptDir) fs.rmSync(adoptDir, { recursive: true, force: true });
  if (synth.status !== 0) {
    io.err(`deploy: synth failed (exit ${synth.status ?? synth.error?.message}); nothing was deployed. Fix the error above, then rerun: npm run deploy`);
    return 1;
  }
  const manifest = readManifest(outdir);
  const phases = deployPhases(manifest);
  const phaseCount = Math.max(...phases.map((p) => p.phase));
  const inPhase = (n: number) => phases.filter((p) => p.phase === n).map((p) => p.stack);
  io.out(`deploy: ${phases.length} stack(s): phase 1: ${inPhase(1).join(", ")}${phaseCount > 1 ? `; phase 2: ${inPhase(2).join(", ")}` : ""}`);

  const { env } = operatorTerraformEnv(path.join(outdir, "terraform-cli"));
  const results: Array<{ stack: string; result: CdktfResult; ms: number }> = [];
  for (const { stack, phase } of phases) {
    const unset = phase === 2 ? missingOperatorSettings(config) : [];
    if (unset.length > 0) {
      unset.forEach((m) => io.err(`deploy: refusing phase 2 (phase 1 is deployed): ${m.message}; then rerun: npm run deploy`));
      return 1;
    }
    const dir = stackWorkingDir(outdir, manifest, stack);
    const logFile = path.join(outdir, "logs", `deploy-${stack}.log`);
    const t = Date.now();
    const hooks = countHooks(dir);
    io.out(`deploy: phase ${phase}/${phaseCount}: ${stack}: cdktf deploy${hooks > 0 ? ` (${hooks} image hook(s) build and push what changed)` : ""}`);
    const result = await runCdktf("deploy", stack, { root, outdir, env, autoApprove: opts.autoApprove, logFile, say: io.out });
    results.push({ stack, result, ms: Date.now() - t });
    if (result.code !== 0) {
      io.err(`deploy: FAILED at phase ${phase}, stack ${stack} (cdktf exit ${result.code}) after ${secs(Date.now() - t)}; full output: ${path.relative(root, logFile)}`);
      result.tail.forEach((l) => io.err(`    | ${l}`));
      const done = results.filter((r) => r.result.code === 0).map((r) => r.stack);
      const notTried = phases.filter((p) => !done.includes(p.stack) && p.stack !== stack).map((p) => p.stack);
      io.err(`deploy: deployed: ${done.join(", ") || "none"}; not attempted: ${notTried.join(", ") || "none"}`);
      if (record?.resources.some((e) => e.stack === stack)) {
        io.err(`deploy: ${stack} was adopting kept resources; if one no longer exists, see help/teardown.md, "Adopting fails"`);
      }
      io.err("deploy: fix the cause, then rerun: npm run deploy (deployed stacks show no changes and are skipped quickly)");
      return 1;
    }
    io.out(`deploy: ${stack}: ${opts.autoApprove ? describeCounts(result.counts) : "done"} in ${secs(Date.now() - t)}`);
    if (record) record = await settleAdoption(config, record, stack, dir, env, io);
  }
  const changed = results.filter((r) => r.result.counts && describeCounts(r.result.counts) !== "no changes").length;
  io.out(`deploy: done in ${secs(Date.now() - started)}: ${results.map((r) => `${r.stack} ${opts.autoApprove ? describeCounts(r.result.counts) : "done"}`).join("; ")}`);
  if (opts.autoApprove && changed === 0) io.out("deploy: nothing changed: the environment already matched the config");
  return 0;
}

if (require.main === module) {
  const config = loadConfigOrExit();
  const io: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
  main(process.argv.slice(2), config, io).then(
    (code) => (process.exitCode = code),
    (e) => {
      io.err(`deploy: ${(e as Error).stack ?? e}`);
      process.exitCode = 1;
    },
  );
}
