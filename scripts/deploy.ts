/**
 * One-command deploy from an empty account (help/deploy.md):
 *   npm run deploy [-- [--auto-approve]]
 * 1. Reads the kept-resources record the last destroy left in the state bucket, if any, and has
 *    synth turn it into import blocks (the same volume comes back).
 * 2. Synth (node dist/main.js).
 * 3. Phase 1: the stacks nothing else comes before (foundations, which runs the image hooks);
 *    phase 2: the others in dependency order, from cdktf.out/manifest.json. Each through
 *    `cdktf deploy <stack>`; the first failure stops the run and says what to rerun.
 * 4. Before phase 2: the checks of what it needs from outside Terraform (PHASE2_CHECKS: the
 *    operator's secrets, the pinned images); a FAIL stops the deploy with nothing applied in phase 2.
 * 5. After phase 2: on a first deploy, waits for the InfluxDB bootstrap to publish the tokens, then
 *    starts a new deployment of every service that reads one (see rollTokenConsumers).
 * 6. npm run verify; success is printed only when it passed.
 * Exit 0 deployed and verified, 1 failed.
 */
import { spawnSync } from "child_process";
import { parseArgs } from "util";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfigOrExit } from "../config/load";
import { StreamLinesConfig } from "../config/schema";
import { KeptRecord } from "../stacks/kept";
import { CdktfResult, describeCounts, runCdktf } from "./lib/cdktf";
import { PHASE2_CHECKS, Phase2Check, runPhase2Checks } from "./lib/checks";
import { emulatorShellEnv } from "./lib/emulator";
import { detachHooksForEmulator, runHooksAfterApply } from "./lib/hooks";
import { TOKEN_SECRETS, secretName, secretState, secretsClient } from "./lib/secrets";
import { clientsFor, hasFailed, rollServices, servicesReading, waitForTokens } from "./lib/verify";
import { DEFAULT_TIMEOUT_MINUTES, parseTimeout, runVerify } from "./verify";
import { KeptScopeError, deleteKeptRecord, keptRecordUrl, readKeptRecord, writeKeptRecord } from "./lib/kept";
import { StateBucket, checkStatesBelong, openStateBucket } from "./lib/state-bucket";
import { CdktfManifest, outdirOf, phaseOrder, readManifest, stackWorkingDir } from "./lib/stacks";
import { operatorTerraformEnv, repoRoot, runTerraform } from "./lib/terraform";
import { LineIo } from "./lib/io";

// The SDK nags about Node 20 on every run; the project supports Node 20 (package.json engines).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const USAGE = `usage: npm run deploy [-- [--auto-approve] [--timeout-minutes <n>, default ${DEFAULT_TIMEOUT_MINUTES}: each wait for the app]]`;

export interface DeployOptions {
  readonly autoApprove: boolean;
  /** Bound of the token wait and of verify. */
  readonly timeoutMs: number;
}

export function parseDeployArgs(argv: readonly string[]): DeployOptions {
  let values: { "auto-approve"?: boolean; "timeout-minutes"?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { "auto-approve": { type: "boolean" }, "timeout-minutes": { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new Error(`${(e as Error).message.split("\n")[0]}\n${USAGE}`, { cause: e });
  }
  return { autoApprove: values["auto-approve"] ?? false, timeoutMs: parseTimeout(values["timeout-minutes"]) };
}

/** Phase 1: stacks without dependencies; phase 2: the rest, each after what it depends on. */
export function deployPhases(manifest: CdktfManifest): Array<{ phase: number; stack: string }> {
  return phaseOrder(manifest).map((stack) => ({ stack, phase: (manifest.stacks[stack].dependencies ?? []).length === 0 ? 1 : 2 }));
}

export type Io = LineIo;

const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

/** Image hooks (null_resource) in a synthesized stack. */
function countHooks(dir: string): number {
  const json = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, unknown>> };
  return Object.keys(json.resource?.null_resource ?? {}).length;
}

/** After `stack` applied: drop the record's entries its state now holds; the rest stay recorded. */
async function settleAdoption(
  bucket: StateBucket,
  config: StreamLinesConfig,
  record: KeptRecord,
  stack: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<KeptRecord> {
  const mine = record.resources.filter((e) => e.stack === stack);
  if (mine.length === 0) return record;
  const list = await runTerraform(["state", "list"], { cwd: dir, env, timeoutMs: 120_000 });
  if (list.code !== 0) {
    io.err(
      `deploy: ${stack}: cannot list the state to confirm the adoption (the record stays, the next deploy imports nothing twice): ${list.stderr.trim()}`,
    );
    return record;
  }
  const managed = new Set(list.stdout.split("\n").map((l) => l.trim()));
  const adopted = mine.filter((e) => managed.has(e.address));
  const rest = record.resources.filter((e) => !adopted.includes(e));
  if (rest.length === 0) await deleteKeptRecord(bucket, config);
  else await writeKeptRecord(bucket, config, { ...record, resources: rest });
  io.out(
    `deploy: ${stack}: adopted ${adopted.length} kept resource(s) again${rest.length ? `; ${rest.length} still recorded in ${keptRecordUrl(config)}` : `; record ${keptRecordUrl(config)} removed`}`,
  );
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

  let bucket: StateBucket;
  try {
    bucket = await openStateBucket(config);
  } catch (e) {
    io.err(`deploy: ${(e as Error).message}`);
    return 1;
  }
  try {
    return await deployWith(bucket, opts, config, io, root, started, outdir);
  } finally {
    bucket.close();
  }
}

async function deployWith(
  bucket: StateBucket,
  opts: DeployOptions,
  config: StreamLinesConfig,
  io: Io,
  root: string,
  started: number,
  outdir: string,
): Promise<number> {
  let record: KeptRecord | undefined;
  try {
    record = await readKeptRecord(bucket, config);
  } catch (e) {
    if (e instanceof KeptScopeError) {
      io.err(`deploy: ${e.message}`);
      return 1;
    }
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
    io.out(
      `deploy: adopting ${record.resources.length} resource(s) the last destroy kept (${keptRecordUrl(config)}, ${record.recordedAt}):`,
    );
    for (const e of record.resources) io.out(`  ${e.stack}: ${e.type} ${e.importId}`);
  }

  io.out("deploy: synth (node dist/main.js)");
  const synth = spawnSync(process.execPath, [path.join(root, "dist", "main.js")], { cwd: root, env: synthEnv, stdio: "inherit" });
  if (adoptDir) fs.rmSync(adoptDir, { recursive: true, force: true });
  if (synth.status !== 0) {
    io.err(
      `deploy: synth failed (exit ${synth.status ?? synth.error?.message}); nothing was deployed. Fix the error above, then rerun: npm run deploy`,
    );
    return 1;
  }
  const manifest = readManifest(outdir);
  const phases = deployPhases(manifest);
  const foreign = await checkStatesBelong(
    bucket,
    config,
    phases.map((p) => p.stack),
  );
  if (foreign) {
    io.err(`deploy: ${foreign}`);
    return 1;
  }
  const phaseCount = Math.max(...phases.map((p) => p.phase));
  const inPhase = (n: number) => phases.filter((p) => p.phase === n).map((p) => p.stack);
  io.out(
    `deploy: ${phases.length} stack(s): phase 1: ${inPhase(1).join(", ")}${phaseCount > 1 ? `; phase 2: ${inPhase(2).join(", ")}` : ""}`,
  );

  const { env } = operatorTerraformEnv(path.join(outdir, "terraform-cli"));
  const detachedHooks = await detachHooksForEmulator(config.emulator !== undefined, outdir, manifest, env);
  const results: Array<{ stack: string; result: CdktfResult; ms: number }> = [];
  let tokensBeforePhase2: boolean | undefined;
  for (const { stack, phase } of phases) {
    const dir = stackWorkingDir(outdir, manifest, stack);
    const logFile = path.join(outdir, "logs", `deploy-${stack}.log`);
    if (phase === 2 && tokensBeforePhase2 === undefined) {
      if (!(await phase2Ready(config, io))) {
        io.err(
          `deploy: deployed: ${results.map((r) => r.stack).join(", ")}; phase 2 (${inPhase(2).join(", ")}) not started, nothing applied in it; fix the above, then rerun: npm run deploy`,
        );
        return 1;
      }
      tokensBeforePhase2 = await tokensPublished(config);
    }
    const t = Date.now();
    const detached = detachedHooks.get(stack) ?? [];
    const hookCount = countHooks(dir) + detached.length;
    if (detached.length > 0)
      io.out(
        `deploy: ${stack}: no null provider binary here (emulator run): its ${detached.length} image hook(s) run after the apply, each hook's own local-exec command with its environment`,
      );
    io.out(
      `deploy: phase ${phase}/${phaseCount}: ${stack}: cdktf deploy${hookCount > 0 ? ` (${hookCount} image hook(s) build and push what changed)` : ""}`,
    );
    const result = await runCdktf("deploy", stack, { root, outdir, env, autoApprove: opts.autoApprove, logFile, say: io.out });
    results.push({ stack, result, ms: Date.now() - t });
    const hookFailure =
      result.code === 0 && detached.length > 0
        ? await runHooksAfterApply(
            detached,
            dir,
            () => showState(dir, env),
            { ...process.env, ...emulatorShellEnv(config.emulator!.endpoint) },
            (l) => io.out(`  ${stack}: ${l}`),
          )
        : undefined;
    if (result.code !== 0 || hookFailure) {
      io.err(
        `deploy: FAILED at phase ${phase}, stack ${stack} (${hookFailure ?? `cdktf exit ${result.code}`}) after ${secs(Date.now() - t)}; full output: ${path.relative(root, logFile)}`,
      );
      result.tail.forEach((l) => io.err(`    | ${l}`));
      const done = results.filter((r) => r.result.code === 0 && r.stack !== stack).map((r) => r.stack);
      const notTried = phases.filter((p) => !done.includes(p.stack) && p.stack !== stack).map((p) => p.stack);
      io.err(`deploy: deployed: ${done.join(", ") || "none"}; not attempted: ${notTried.join(", ") || "none"}`);
      if (record?.resources.some((e) => e.stack === stack)) {
        io.err(`deploy: ${stack} was adopting kept resources; if one no longer exists, see help/teardown.md, "Adopting fails"`);
      }
      io.err("deploy: fix the cause, then rerun: npm run deploy (deployed stacks show no changes and are skipped quickly)");
      return 1;
    }
    io.out(`deploy: ${stack}: ${opts.autoApprove ? describeCounts(result.counts) : "done"} in ${secs(Date.now() - t)}`);
    if (record) record = await settleAdoption(bucket, config, record, stack, dir, env, io);
  }
  if (tokensBeforePhase2 !== undefined && !(await rollTokenConsumers(config, opts.timeoutMs, io, !tokensBeforePhase2))) return 1;
  const changed = results.filter((r) => r.result.counts && describeCounts(r.result.counts) !== "no changes").length;
  io.out(
    `deploy: applied in ${secs(Date.now() - started)}: ${results.map((r) => `${r.stack} ${opts.autoApprove ? describeCounts(r.result.counts) : "done"}`).join("; ")}`,
  );
  io.out("deploy: verify (npm run verify): does the app run?");
  if ((await runVerify(config, opts.timeoutMs, io)) !== 0) {
    io.err(
      "deploy: FAILED at verify: the stacks are applied but the app does not run; fix the cause above, then: npm run verify (or npm run deploy)",
    );
    return 1;
  }
  io.out(`deploy: done in ${secs(Date.now() - started)}, verified`);
  if (opts.autoApprove && changed === 0) io.out("deploy: nothing changed: the environment already matched the config");
  return 0;
}

/** `terraform show -json` of a stack's applied state. */
async function showState(dir: string, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const r = await runTerraform(["show", "-json", "-no-color"], { cwd: dir, env, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`terraform show -json in ${dir} exited ${r.code}: ${r.stderr.trim().split("\n")[0]}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Runs the pre-phase-2 checks; prints each FAIL on one line with its fix. True when phase 2 may start. */
export async function phase2Ready(config: StreamLinesConfig, io: Io, checks: readonly Phase2Check[] = PHASE2_CHECKS): Promise<boolean> {
  const results = await runPhase2Checks(config, checks);
  const failed = results.filter((r) => r.status === "FAIL");
  for (const r of results.filter((x) => x.status === "WARN")) io.out(`deploy: WARN ${r.name}: ${r.detail}${r.fix ? `; ${r.fix}` : ""}`);
  for (const r of failed) io.err(`deploy: refusing phase 2: ${r.detail}; fix: ${r.fix ?? "see npm run doctor"}`);
  if (failed.length === 0) io.out(`deploy: before phase 2: ${results.map((r) => r.name).join(", ") || "nothing to check"}: ok`);
  return failed.length === 0;
}

async function tokensPublished(config: StreamLinesConfig): Promise<boolean> {
  const sm = secretsClient(config);
  try {
    const states = await Promise.all(TOKEN_SECRETS.map((p) => secretState(sm, secretName(config, p))));
    return states.every((s) => s.state === "value");
  } finally {
    sm.destroy();
  }
}

/**
 * First deploy: core's token consumers (ripples, backend) are created before the influx stack
 * exists, and Grafana in the same apply as the host, so their first tasks find empty secrets and
 * fail. Rather than hold the services back (they would need the influx stack, which needs core),
 * deploy waits until the bootstrap has published the tokens, then starts a new deployment of each
 * service that reads one: its new tasks read the values. Later deploys find the tokens in place
 * and roll only a consumer whose last deployment failed (a first deploy that stopped after phase 2,
 * say). Returns false (after one line) when the tokens did not appear in time.
 */
async function rollTokenConsumers(config: StreamLinesConfig, timeoutMs: number, io: Io, firstDeploy: boolean): Promise<boolean> {
  const clients = clientsFor(config);
  try {
    if (!firstDeploy) {
      const failed = (
        await servicesReading(
          config,
          clients.ecs,
          TOKEN_SECRETS.map((p) => secretName(config, p)),
        )
      ).filter(hasFailed);
      if (failed.length > 0)
        io.out(`deploy: ${failed.length} token consumer(s) whose last deployment failed: ${failed.map((s) => s.serviceName).join(", ")}`);
      await rollServices(config, clients.ecs, failed, io, "deploy");
      return true;
    }
    const missing = await waitForTokens(config, clients.sm, io, { timeoutMs }, "deploy");
    if (missing.length > 0) {
      io.err(
        `deploy: FAILED: the InfluxDB bootstrap did not publish ${missing.map((p) => secretName(config, p)).join(", ")} within ${secs(timeoutMs)}; see help/troubleshooting-influx.md, then rerun: npm run deploy`,
      );
      return false;
    }
    const consumers = await servicesReading(
      config,
      clients.ecs,
      TOKEN_SECRETS.map((p) => secretName(config, p)),
    );
    io.out(
      `deploy: tokens published; ${consumers.length} service(s) read them: ${consumers.map((s) => s.serviceName).join(", ") || "none"}`,
    );
    await rollServices(config, clients.ecs, consumers, io, "deploy");
    return true;
  } finally {
    clients.destroy();
  }
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
