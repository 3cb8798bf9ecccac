/**
 * One-command teardown (help/teardown.md):
 *   npm run destroy [-- [--auto-approve] [--yes-delete-data]]
 * Stacks in reverse phase order (edge, influx, core, foundations: whichever the manifest has).
 * dataRetention on: the kept resources (foundations' keptResources: data volume, artifacts bucket,
 * connection table, their KMS key and secrets) leave Terraform's state first, with their import ids
 * recorded in the state bucket for the next deploy; everything else is destroyed.
 * dataRetention off: everything goes, once the operator confirms (--yes-delete-data or the prompt).
 * Exit 0 destroyed, 1 failed or refused.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import * as readline from "readline";
import { loadConfigOrExit, resolveConfigPath } from "../config/load";
import { detachHooksForEmulator } from "./lib/hooks";
import { StreamLinesConfig } from "../config/schema";
import { KeptRecord } from "../stacks/kept";
import { describeCounts, runCdktf } from "./lib/cdktf";
import {
  KeptScopeError,
  keptEntries,
  keptRecordUrl,
  mergeKeptRecords,
  readKeptManifest,
  readKeptRecord,
  stateResources,
  writeKeptRecord,
} from "./lib/kept";
import { StateBucket, checkStatesBelong, openStateBucket } from "./lib/state-bucket";
import { outdirOf, phaseOrder, readManifest, stackWorkingDir } from "./lib/stacks";
import { clearDeletionBlockers, deleteLambdaInterfaces, lambdaNamesOf, vpcIdsOf } from "./lib/teardown";
import { operatorTerraformEnv, repoRoot, runTerraform } from "./lib/terraform";
import { LineIo } from "./lib/io";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const USAGE = "usage: npm run destroy [-- [--auto-approve] [--yes-delete-data]]";

export interface DestroyOptions {
  /** Skip the "destroy these stacks?" question. */
  readonly autoApprove: boolean;
  /** With dataRetention off: yes, delete the data for good. */
  readonly yesDeleteData: boolean;
}

export function parseDestroyArgs(argv: readonly string[]): DestroyOptions {
  let autoApprove = false;
  let yesDeleteData = false;
  for (const a of argv) {
    if (a === "--auto-approve") autoApprove = true;
    else if (a === "--yes-delete-data") yesDeleteData = true;
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return { autoApprove, yesDeleteData };
}

export interface Io extends LineIo {
  /** Asks on the terminal; undefined when there is none. */
  ask?(question: string): Promise<string>;
}

const secs = (ms: number) => `${Math.round(ms / 1000)} s`;
const TF_TIMEOUT_MS = 10 * 60_000;

/** How to delete the kept resources for real, for the closing message and help/teardown.md. */
export function deleteForRealSteps(configFile: string): string[] {
  return [
    `1. set "dataRetention": false in ${configFile}`,
    "2. npm run deploy -- --auto-approve      (adopts the kept resources and lifts their protection)",
    "3. npm run destroy -- --yes-delete-data  (deletes them with everything else)",
    "4. npm run residuals                     (must print: nothing left behind)",
  ];
}

export function printKept(record: KeptRecord, configFile: string, io: Io, url: string): void {
  io.out(
    `destroy: kept ${record.resources.length} resource(s) on purpose (dataRetention is on), recorded in ${url}; the next npm run deploy adopts them again:`,
  );
  const w = Math.max(...record.resources.map((e) => e.type.length));
  for (const e of record.resources) io.out(`  ${e.type.padEnd(w)}  ${e.importId}`);
  io.out("destroy: to delete them for real:");
  for (const s of deleteForRealSteps(configFile)) io.out(`  ${s}`);
}

async function confirm(config: StreamLinesConfig, opts: DestroyOptions, stacks: readonly string[], io: Io): Promise<boolean> {
  const target = `${config.app}-${config.env} in ${config.region}`;
  if (!config.dataRetention && !opts.yesDeleteData) {
    if (!io.ask) {
      io.err(
        `destroy: dataRetention is off, so this deletes the Influx data, the artifacts and the connection table of ${target} for good; rerun with --yes-delete-data to confirm`,
      );
      return false;
    }
    const answer = await io.ask(
      `dataRetention is off: the Influx data, artifacts and connection table of ${target} are deleted for good. Type the env name (${config.env}) to confirm: `,
    );
    if (answer.trim() !== config.env) {
      io.err("destroy: not confirmed; nothing was destroyed");
      return false;
    }
    return true;
  }
  if (opts.autoApprove || (!config.dataRetention && opts.yesDeleteData)) return true;
  if (!io.ask) {
    io.err("destroy: no terminal to confirm on; rerun with: npm run destroy -- --auto-approve");
    return false;
  }
  const answer = await io.ask(`Destroy ${stacks.join(", ")} of ${target} (kept: the data, see help/teardown.md)? [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) {
    io.err("destroy: not confirmed; nothing was destroyed");
    return false;
  }
  return true;
}

export async function main(
  argv: readonly string[],
  config: StreamLinesConfig,
  io: Io,
  root = repoRoot(),
  configFile = resolveConfigPath(),
): Promise<number> {
  let opts: DestroyOptions;
  try {
    opts = parseDestroyArgs(argv);
  } catch (e) {
    io.err(`destroy: ${(e as Error).message}`);
    return 1;
  }
  const started = Date.now();
  const outdir = outdirOf(root);
  const relative = path.relative(root, configFile);
  const shownConfig = relative && !relative.startsWith("..") ? relative : configFile;
  io.out(
    `destroy: ${config.app}-${config.env} in ${config.region}${config.emulator ? ` (emulator ${config.emulator.endpoint})` : ""}; dataRetention ${config.dataRetention ? "on: the data is kept" : "off: everything goes"}`,
  );

  let bucket: StateBucket;
  try {
    bucket = await openStateBucket(config);
  } catch (e) {
    io.err(`destroy: ${(e as Error).message}`);
    return 1;
  }
  try {
    return await destroyWith(bucket, opts, config, io, root, started, outdir, shownConfig);
  } finally {
    bucket.close();
  }
}

async function destroyWith(
  bucket: StateBucket,
  opts: DestroyOptions,
  config: StreamLinesConfig,
  io: Io,
  root: string,
  started: number,
  outdir: string,
  shownConfig: string,
): Promise<number> {
  let record: KeptRecord | undefined;
  try {
    record = await readKeptRecord(bucket, config);
  } catch (e) {
    if (e instanceof KeptScopeError) {
      io.err(`destroy: ${e.message}`);
      return 1;
    }
    io.err(
      `destroy: cannot read ${keptRecordUrl(config)}: ${(e as Error).name}: ${(e as Error).message}; check credentials and the state bucket (npm run doctor)`,
    );
    return 1;
  }
  if (!config.dataRetention && record && record.resources.length > 0) {
    io.err(
      `destroy: an earlier destroy kept ${record.resources.length} resource(s) outside Terraform (${keptRecordUrl(config)}); destroy cannot delete what no state holds.`,
    );
    io.err("destroy: run npm run deploy -- --auto-approve first (it adopts them), then npm run destroy -- --yes-delete-data");
    return 1;
  }

  io.out("destroy: synth (node dist/main.js)");
  const synth = spawnSync(process.execPath, [path.join(root, "dist", "main.js")], { cwd: root, env: process.env, stdio: "inherit" });
  if (synth.status !== 0) {
    io.err(
      `destroy: synth failed (exit ${synth.status ?? synth.error?.message}); nothing was destroyed. Fix the error above, then rerun: npm run destroy`,
    );
    return 1;
  }
  const manifest = readManifest(outdir);
  const order = phaseOrder(manifest).reverse();
  const kept = readKeptManifest(outdir);
  const foreign = await checkStatesBelong(bucket, config, order);
  if (foreign) {
    io.err(`destroy: ${foreign}`);
    return 1;
  }
  if (!(await confirm(config, opts, order, io))) return 1;
  io.out(`destroy: ${order.length} stack(s) in reverse phase order: ${order.join(", ")}`);

  const { env } = operatorTerraformEnv(path.join(outdir, "terraform-cli"));
  // Nothing of the hooks is in state when the emulator run applied without them.
  const detached = await detachHooksForEmulator(config.emulator !== undefined, outdir, manifest, env);
  if (detached.size > 0)
    io.out(
      `destroy: no null provider binary here (emulator run): destroying without the image hooks of ${[...detached.keys()].join(", ")}`,
    );
  for (const stack of order) {
    const t = Date.now();
    const dir = stackWorkingDir(outdir, manifest, stack);
    const logFile = path.join(outdir, "logs", `destroy-${stack}.log`);
    const fail = (what: string, detail: string) => {
      io.err(`destroy: FAILED at stack ${stack}: ${what}`);
      if (detail.trim())
        detail
          .trim()
          .split("\n")
          .slice(-25)
          .forEach((l) => io.err(`    | ${l}`));
      io.err(
        `destroy: ${stack} and the stacks before it (${order.slice(order.indexOf(stack) + 1).join(", ") || "none"}) are still deployed; fix the cause, then rerun: npm run destroy${config.dataRetention ? "" : " -- --yes-delete-data"}`,
      );
      return 1;
    };
    const init = await runTerraform(["init", "-input=false", "-no-color"], { cwd: dir, env, timeoutMs: TF_TIMEOUT_MS });
    if (init.code !== 0) return fail("terraform init", init.stderr || init.stdout);
    const show = await runTerraform(["show", "-json", "-no-color"], { cwd: dir, env, timeoutMs: TF_TIMEOUT_MS });
    if (show.code !== 0) return fail("terraform show -json", show.stderr);
    let resources = stateResources(show.stdout);
    if (resources.length === 0) {
      io.out(`destroy: ${stack}: nothing deployed`);
      continue;
    }

    const keepHere = config.dataRetention ? keptEntries(stack, resources, kept.stacks[stack] ?? []) : [];
    if (keepHere.length > 0) {
      // Recorded before the state forgets them: a crash in between must not lose the ids.
      record = mergeKeptRecords(record, keepHere);
      await writeKeptRecord(bucket, config, record);
      const rm = await runTerraform(["state", "rm", "-no-color", ...keepHere.map((e) => e.address)], {
        cwd: dir,
        env,
        timeoutMs: TF_TIMEOUT_MS,
      });
      if (rm.code !== 0) return fail("terraform state rm of the kept resources", rm.stderr || rm.stdout);
      io.out(`destroy: ${stack}: ${keepHere.length} kept resource(s) left Terraform's management (recorded in ${keptRecordUrl(config)})`);
      const gone = new Set(keepHere.map((e) => e.address));
      resources = resources.filter((r) => !gone.has(r.address));
    }

    try {
      await clearDeletionBlockers(config, stack, resources, { deleteData: !config.dataRetention, say: io.out });
    } catch (e) {
      return fail("clearing what blocks deletion", `${(e as Error).name}: ${(e as Error).message}`);
    }
    io.out(`destroy: ${stack}: cdktf destroy`);
    let result = await runCdktf("destroy", stack, { root, outdir, env, autoApprove: true, logFile, say: io.out });
    if (result.code !== 0) {
      // Lambda's interfaces outlive its functions by minutes and hold the subnets and groups.
      const left = await deleteLambdaInterfaces(config, vpcIdsOf(resources), lambdaNamesOf(resources), io.out);
      if (left > 0)
        return fail(`${left} Lambda network interface(s) still attached after waiting; rerun in a few minutes`, result.tail.join("\n"));
      io.out(`destroy: ${stack}: cdktf destroy again`);
      result = await runCdktf("destroy", stack, {
        root,
        outdir,
        env,
        autoApprove: true,
        logFile: logFile.replace(/\.log$/, "-retry.log"),
        say: io.out,
      });
      if (result.code !== 0)
        return fail(`cdktf destroy exited ${result.code}; full output: ${path.relative(root, logFile)}`, result.tail.join("\n"));
    }
    io.out(`destroy: ${stack}: ${describeCounts(result.counts)} in ${secs(Date.now() - t)}`);
  }
  io.out(`destroy: done in ${secs(Date.now() - started)}`);
  if (record && record.resources.length > 0) printKept(record, shownConfig, io, keptRecordUrl(config));
  else io.out("destroy: nothing kept; npm run residuals proves nothing is left");
  return 0;
}

if (require.main === module) {
  const config = loadConfigOrExit();
  const io: Io = {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    ask: process.stdin.isTTY
      ? (q) =>
          new Promise((resolve) => {
            const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
            rl.question(q, (a) => {
              rl.close();
              resolve(a);
            });
          })
      : undefined,
  };
  main(process.argv.slice(2), config, io).then(
    (code) => (process.exitCode = code),
    (e) => {
      io.err(`destroy: ${(e as Error).stack ?? e}`);
      process.exitCode = 1;
    },
  );
}
