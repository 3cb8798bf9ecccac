/**
 * Plans every stack and reviews the plans:
 *   npm run plan [-- [--no-synth] [--format terminal|markdown|json] [stack ...]]
 * Synth, then per stack in phase order: terraform init, plan -out=plans/<stack>.tfplan, show -json
 * > plans/<stack>.json; then the plan review (help/plan-review.md), also written as
 * plans/review.md. Exit 0 no changes, 2 changes, 1 error, like `terraform plan -detailed-exitcode`.
 * `npm run drift` (scripts/drift.ts) runs the same with refresh-only plans.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { loadConfigOrExit } from "../config/load";
import { detachHooksForEmulator } from "./lib/hooks";
import { EXIT_ERROR, Format, ReviewMode, cliArgError, parseFormat, runPlanReview } from "./lib/plan-review";
import { StateBucketCheck, checkStateBucketIsOurs } from "./lib/state-bucket";
import { outdirOf, phaseOrder, readManifest, stackWorkingDir } from "./lib/stacks";
import { operatorTerraformEnv, repoRoot, runTerraform } from "./lib/terraform";

export const USAGE = "usage: npm run plan [-- [--no-synth] [--format terminal|markdown|json] [stack ...]]";
export const DRIFT_USAGE = "usage: npm run drift [-- [--no-synth] [--format terminal|markdown|json] [stack ...]]";
/** Per terraform command: a hung provider call must not hang the operator's shell forever. */
const STEP_TIMEOUT_MS = 15 * 60_000;
const TAIL_LINES = 20;

export interface PlanOptions {
  readonly synth: boolean;
  /** Empty: every synthesized stack. */
  readonly stacks: readonly string[];
  /** What stdout gets; plans/review.md is written either way. */
  readonly format: Format;
}

export function parsePlanArgs(argv: readonly string[], usage = USAGE): PlanOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { "no-synth": { type: "boolean" }, format: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new Error(`${cliArgError((e as Error).message)}\n${usage}`, { cause: e });
  }
  const stacks: string[] = [];
  for (const a of parsed.positionals) {
    if (!/^[A-Za-z0-9_-]+$/.test(a)) throw new Error(`"${a}" is not a stack name\n${usage}`);
    if (stacks.includes(a)) throw new Error(`stack ${a} is given twice\n${usage}`);
    stacks.push(a);
  }
  let format: Format;
  try {
    format = parseFormat(parsed.values.format);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${usage}`, { cause: e });
  }
  return { synth: !parsed.values["no-synth"], stacks, format };
}

/** The stacks to plan, in phase order; unknown names are an error naming the known ones. */
export function selectStacks(order: readonly string[], wanted: readonly string[]): string[] {
  const unknown = wanted.filter((s) => !order.includes(s));
  if (unknown.length > 0) throw new Error(`unknown stack ${unknown.join(", ")}; the synthesized stacks are: ${order.join(", ")}`);
  return wanted.length === 0 ? [...order] : order.filter((s) => wanted.includes(s));
}

export interface StackPlan {
  readonly stack: string;
  /** `plans/<stack>.json`, present when show -json wrote it. */
  readonly json?: string;
  /** Why the stack could not be planned or shown. */
  readonly failure?: string;
}

/**
 * The command's exit code: the review's, unless a stack failed to plan, which is an error even when
 * the stacks that did plan show no changes.
 */
export function combineExitCodes(reviewCode: number | undefined, plans: readonly StackPlan[]): number {
  if (plans.length === 0 || plans.some((p) => p.failure !== undefined) || reviewCode === undefined) return EXIT_ERROR;
  return reviewCode;
}

/** The plan-review arguments for the stacks that produced a JSON plan. */
export function reviewArgs(
  plans: readonly StackPlan[],
  synthDir: string,
  format: Format = "terminal",
  mode: ReviewMode = "plan",
): string[] {
  return [
    "--synth-dir",
    synthDir,
    "--format",
    format,
    ...(mode === "drift" ? ["--drift"] : []),
    ...plans.filter((p) => p.json).map((p) => `${p.stack}=${p.json}`),
  ];
}

const tail = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .slice(-TAIL_LINES)
    .map((l) => `    ${l}`)
    .join("\n");
const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

async function planStack(
  stack: string,
  dir: string,
  plansDir: string,
  env: NodeJS.ProcessEnv,
  say: (l: string) => void,
  mode: ReviewMode,
): Promise<StackPlan> {
  const started = Date.now();
  const base = mode === "drift" ? `${stack}.drift` : stack;
  const binary = path.join(plansDir, `${base}.tfplan`);
  const json = path.join(plansDir, `${base}.json`);
  const log = path.join(plansDir, `${base}.log`);
  // A stale plan from an earlier run must never be reviewed as this run's.
  for (const f of [binary, json]) fs.rmSync(f, { force: true });
  fs.writeFileSync(log, "");
  const step = async (args: string[]) => {
    const r = await runTerraform(args, { cwd: dir, env, timeoutMs: STEP_TIMEOUT_MS });
    fs.appendFileSync(log, `$ terraform ${args.join(" ")}\n${r.stdout}${r.stderr}\n`);
    return r;
  };
  const init = await step(["init", "-input=false", "-no-color"]);
  if (init.code !== 0) return { stack, failure: `terraform init failed (exit ${init.code}):\n${tail(init.stderr || init.stdout)}` };
  // Refresh-only: what AWS holds against the state, without the config's changes.
  const plan = await step([
    "plan",
    ...(mode === "drift" ? ["-refresh-only"] : []),
    "-input=false",
    "-no-color",
    "-lock-timeout=60s",
    `-out=${binary}`,
  ]);
  let failure: string | undefined;
  if (plan.code !== 0) failure = `terraform plan failed (exit ${plan.code}):\n${tail(plan.stderr || plan.stdout)}`;
  // Keep going when a failed plan still wrote a file: its review shows what would have happened.
  if (!fs.existsSync(binary)) {
    say(
      `${mode === "drift" ? "drift" : "plan"}: ${stack}: FAILED after ${secs(Date.now() - started)} (log ${path.relative(process.cwd(), log)})`,
    );
    return { stack, failure };
  }
  const show = await runTerraform(["show", "-json", "-no-color", binary], { cwd: dir, env, timeoutMs: STEP_TIMEOUT_MS });
  if (show.code !== 0) {
    fs.appendFileSync(log, `$ terraform show -json\n${show.stderr}\n`);
    return { stack, failure: `${failure ? `${failure}\n` : ""}terraform show -json failed (exit ${show.code}):\n${tail(show.stderr)}` };
  }
  fs.writeFileSync(json, show.stdout);
  say(
    `${mode === "drift" ? "drift" : "plan"}: ${stack}: ${failure ? "FAILED, partial plan saved" : "planned"} in ${secs(Date.now() - started)} -> ${path.relative(process.cwd(), json)}`,
  );
  return { stack, json, failure };
}

export async function main(
  argv: readonly string[] = process.argv.slice(2),
  root = repoRoot(),
  mode: ReviewMode = "plan",
  checkStateBucket: StateBucketCheck = checkStateBucketIsOurs,
): Promise<number> {
  const command = mode === "drift" ? "drift" : "plan";
  const print = (l: string) => process.stdout.write(`${l}\n`);
  const err = (l: string) => process.stderr.write(`${l}\n`);
  let opts: PlanOptions;
  try {
    opts = parsePlanArgs(argv, mode === "drift" ? DRIFT_USAGE : USAGE);
  } catch (e) {
    err(`${command}: ${(e as Error).message}`);
    return EXIT_ERROR;
  }
  // Markdown and JSON go to stdout alone, so `> review.md` holds the review and nothing else.
  const say = opts.format === "terminal" ? print : err;
  const outdir = outdirOf(root);
  if (opts.synth) {
    say(`${command}: synth (node dist/main.js)`);
    const synth = spawnSync(process.execPath, [path.join(root, "dist", "main.js")], {
      cwd: root,
      stdio: opts.format === "terminal" ? "inherit" : ["inherit", 2, 2],
    });
    if (synth.status !== 0) {
      err(
        `${command}: synth failed (exit ${synth.status ?? synth.error?.message}); fix the error above, then run npm run ${command} again`,
      );
      return EXIT_ERROR;
    }
  }
  const manifestFile = path.join(outdir, "manifest.json");
  if (!fs.existsSync(manifestFile)) {
    err(`${command}: no cdktf.out/manifest.json; run npm run synth first (or drop --no-synth)`);
    return EXIT_ERROR;
  }
  const manifest = readManifest(outdir);
  let stacks: string[];
  try {
    stacks = selectStacks(phaseOrder(manifest), opts.stacks);
  } catch (e) {
    err(`${command}: ${(e as Error).message}`);
    return EXIT_ERROR;
  }
  // A run against another checkout's emulator (the acceptance tier) keeps its plans apart.
  const plansDir = process.env.STREAMLINES_PLANS_DIR ? path.resolve(process.env.STREAMLINES_PLANS_DIR) : path.join(root, "plans");
  fs.mkdirSync(plansDir, { recursive: true });
  const config = loadConfigOrExit();
  try {
    // terraform init and plan read the state, and plan writes its lock file, in whatever bucket has that name.
    await checkStateBucket(config);
  } catch (e) {
    err(`${command}: ${(e as Error).message}`);
    return EXIT_ERROR;
  }
  const { env } = operatorTerraformEnv(path.join(outdir, "terraform-cli"));
  const detached = await detachHooksForEmulator(config.emulator !== undefined, outdir, manifest, env);
  if (detached.size > 0)
    say(`${command}: no null provider binary here (emulator run): planned without the image hooks of ${[...detached.keys()].join(", ")}`);
  say(`${command}: ${stacks.length} stack(s) in phase order: ${stacks.join(", ")}${mode === "drift" ? " (refresh-only plans)" : ""}`);

  const results: StackPlan[] = [];
  for (const stack of stacks) {
    const dir = stackWorkingDir(outdir, manifest, stack);
    results.push(await planStack(stack, dir, plansDir, env, say, mode));
  }
  if (opts.format === "terminal") say("");
  const reviewed = results.filter((r) => r.json);
  const markdown = path.join(plansDir, mode === "drift" ? "drift.md" : "review.md");
  fs.rmSync(markdown, { force: true });
  const reviewCode =
    reviewed.length > 0
      ? runPlanReview(
          reviewArgs(results, path.join(outdir, "stacks"), opts.format, mode),
          { out: print, err },
          { cwd: root, also: { format: "markdown", file: markdown } },
        )
      : undefined;
  if (reviewed.length > 0) say(`${command}: the review in Markdown: ${path.relative(process.cwd(), markdown)}`);
  const failed = results.filter((r) => r.failure);
  for (const f of failed) {
    err("");
    err(`${command}: ${f.stack}: ${f.failure}`);
    err(
      `  full log: ${path.relative(process.cwd(), path.join(plansDir, `${mode === "drift" ? `${f.stack}.drift` : f.stack}.log`))}; rerun this stack alone: npm run ${command} -- ${f.stack}`,
    );
  }
  const code = combineExitCodes(reviewCode, results);
  if (failed.length > 0)
    err(
      `${command}: ${failed.length} of ${results.length} stack(s) failed to plan: ${failed.map((f) => f.stack).join(", ")} (exit code 1)`,
    );
  return code;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`plan: ${(e as Error).stack ?? e}\n`);
      process.exitCode = EXIT_ERROR;
    },
  );
}
