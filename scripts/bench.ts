// npm run bench: wall time and peak RSS of the app step (cdktf.json's app), cdktf synth and npm test, beside the
// reference workload (bench/reference: the same stacks the slow, common way), as medians over interleaved rounds
// in this one process tree, with each figure's ratio to the reference app step and the issue's goals checked.
// Usage: npm run bench [-- --quick] [-- --acceptance]
//   BENCH_RUNS=n overrides the run count (default 5, --quick 1); BENCH_TEST_RUNS=n caps npm test's runs;
//   --acceptance adds npm run test:acceptance, BENCH_ACCEPTANCE_RUNS times (default 1: it takes many minutes).
//   BENCH_BEFORE=<checkout> adds the app step, cdktf synth and npm test (BENCH_BEFORE_TEST_RUNS times, default 1) of
//   another checkout with its own node_modules (say, the commit before a change), for before/after figures in one run.
import { spawn, spawnSync } from "child_process";
import { once } from "events";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../config/repository";
import { TreePeak, TreeSampler, killTree } from "./lib/proc-tree";

const ROOT = repoRoot();
const REFERENCE_DIR = path.join(ROOT, "bench", "reference");
const MB = 1024 * 1024;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S || 3600) * 1000;

interface Command {
  readonly file: string;
  readonly args: string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Run through the shell, as cdktf runs an app command. */
  readonly shell?: boolean;
}

interface Bench {
  readonly name: string;
  /** Builds the command for one run; `outdir` is a fresh temp dir for that run. */
  readonly command: (outdir: string) => Command;
  /** Runs before the timed ones, not counted: builds dist/, fills the Lambda bundle cache, tsx's cache. */
  readonly warmUp?: boolean;
  /** At most this many timed runs. */
  readonly maxRuns?: number;
}

interface Run extends TreePeak {
  readonly wallS: number;
  readonly status: string;
  readonly log: string;
}

/** The `app` of a cdktf.json, as cdktf itself runs it: through the shell, in that directory. */
function appCommand(dir: string, outdir: string): Command {
  const app = String((JSON.parse(fs.readFileSync(path.join(dir, "cdktf.json"), "utf8")) as { app: string }).app);
  return { file: app, args: [], cwd: dir, shell: true, env: { CDKTF_OUTDIR: outdir } };
}

const acceptanceRuns = () => positiveInt("BENCH_ACCEPTANCE_RUNS", 1);

const REFERENCE: Bench = { name: "reference app step", command: (outdir) => appCommand(REFERENCE_DIR, outdir), warmUp: true };
const APP: Bench = { name: "app step", command: (outdir) => appCommand(ROOT, outdir), warmUp: true };
const SYNTH: Bench = { name: "cdktf synth", command: (outdir) => ({ file: "npx", args: ["cdktf", "synth", "--output", outdir] }) };
const TEST: Bench = {
  name: "npm test",
  command: () => ({ file: "npm", args: ["test"] }),
  maxRuns: positiveInt("BENCH_TEST_RUNS", Number.MAX_SAFE_INTEGER),
};
const ACCEPTANCE: Bench = {
  name: "npm run test:acceptance",
  command: () => ({ file: "npm", args: ["run", "test:acceptance"] }),
  maxRuns: acceptanceRuns(),
};

const BEFORE_DIR = process.env.BENCH_BEFORE ? path.resolve(process.env.BENCH_BEFORE) : undefined;
/** The same commands in the BENCH_BEFORE checkout, each paired with ours for the before/after lines. */
const BEFORE: ReadonlyMap<Bench, Bench> = new Map(
  BEFORE_DIR === undefined
    ? []
    : [
        [APP, { name: "before: app step", command: (outdir: string) => appCommand(BEFORE_DIR, outdir), warmUp: true }],
        [SYNTH, { name: "before: cdktf synth", command: (outdir: string) => ({ ...SYNTH.command(outdir), cwd: BEFORE_DIR }) }],
        [
          TEST,
          {
            name: "before: npm test",
            command: () => ({ ...TEST.command(""), cwd: BEFORE_DIR }),
            maxRuns: positiveInt("BENCH_BEFORE_TEST_RUNS", 1),
          },
        ],
      ],
);

const BENCHES: readonly Bench[] = [
  REFERENCE,
  APP,
  SYNTH,
  TEST,
  ...(process.argv.includes("--acceptance") ? [ACCEPTANCE] : []),
  ...BEFORE.values(),
];

/** The issue's goals (issue 14), each against a figure of this same run. */
interface Goal {
  readonly bench: Bench;
  readonly text: string;
  readonly met: (s: Stats, reference: Stats) => boolean;
}
const GOALS: readonly Goal[] = [
  { bench: APP, text: "app step median at most 0.8 s", met: (s) => s.wall <= 0.8 },
  { bench: APP, text: "app step peak RSS at most 250 MB", met: (s) => s.rss <= 250 },
  { bench: APP, text: "app step at least 5x faster than the reference app step", met: (s, r) => r.wall / s.wall >= 5 },
  { bench: SYNTH, text: "cdktf synth at least 2x faster than the reference app step", met: (s, r) => r.wall / s.wall >= 2 },
  { bench: TEST, text: "npm test median at most 90 s", met: (s) => s.wall <= 90 },
  { bench: ACCEPTANCE, text: "npm run test:acceptance at most 900 s", met: (s) => s.wall <= 900 },
];

interface Stats {
  readonly bench: Bench;
  readonly runs: Run[];
  readonly wall: number;
  readonly min: number;
  readonly max: number;
  readonly rss: number;
  readonly proc: number;
  readonly procs: number;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${raw}: expected a whole number of at least 1`);
  return n;
}

function runCount(): number {
  return positiveInt("BENCH_RUNS", process.argv.includes("--quick") ? 1 : 5);
}

async function runOnce(bench: Bench, logDir: string, label: string): Promise<Run> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-bench-out-"));
  const log = path.join(logDir, `${label}.log`);
  const { file, args, env, cwd, shell } = bench.command(outdir);
  const fd = fs.openSync(log, "w");
  const started = process.hrtime.bigint();
  const child = spawn(file, args, {
    cwd: cwd ?? ROOT,
    shell,
    stdio: ["ignore", fd, fd],
    env: {
      ...process.env,
      ...env,
      // Offline and quiet: no version check or telemetry, no shared plugin cache set up by cdktf.
      CHECKPOINT_DISABLE: "1",
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1",
      DISABLE_VERSION_CHECK: "1",
      npm_config_update_notifier: "false",
      npm_config_fund: "false",
      npm_config_audit: "false",
    },
  });
  fs.closeSync(fd);
  const sampler = new TreeSampler(child.pid ?? -1);
  const timer = setTimeout(() => child.pid && killTree(child.pid), TIMEOUT_MS);
  let status: string;
  try {
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    status = signal ? `killed ${signal}` : `exit ${code}`;
  } catch (err) {
    status = `spawn failed: ${(err as Error).message}`;
  }
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  clearTimeout(timer);
  const peak = sampler.stop();
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ...peak, wallS, status, log };
}

/** The checkout's commit, for the record; "unknown revision" outside git. */
function revisionOf(dir: string): string {
  const r = spawnSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "unknown revision";
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")).join("\n");
}

function statusSummary(runs: readonly Run[]): string {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => (n === runs.length ? s : `${s} x${n}`)).join(", ");
}

async function main(): Promise<void> {
  if (process.platform !== "linux") throw new Error("bench reads /proc: Linux only");
  const runs = runCount();
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-bench-logs-"));
  const results = new Map<Bench, Run[]>(BENCHES.map((b) => [b, []]));

  process.stderr.write(
    `bench: ${runs} run(s) of each, interleaved; node ${process.version}, ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / MB)} MB RAM, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n`,
  );
  for (const bench of BENCHES.filter((b) => b.warmUp)) {
    const run = await runOnce(bench, logDir, `${bench.name.replace(/\W+/g, "-")}-warm-up`);
    process.stderr.write(`  warm-up ${bench.name} (not counted): ${run.wallS.toFixed(2)} s, ${run.status}\n`);
  }
  // Interleaved rounds, so drift in machine load hits every command alike and the ratios stay fair.
  for (let round = 1; round <= runs; round++) {
    for (const bench of BENCHES) {
      if (round > (bench.maxRuns ?? runs)) continue;
      const label = `${bench.name.replace(/\W+/g, "-")}-${round}`;
      const run = await runOnce(bench, logDir, label);
      results.get(bench)!.push(run);
      process.stderr.write(
        `  round ${round}/${runs} ${bench.name}: ${run.wallS.toFixed(2)} s, ${(run.peakRssBytes / MB).toFixed(0)} MB, ${run.status}\n`,
      );
    }
  }

  const stats: Stats[] = BENCHES.map((bench) => {
    const rs = results.get(bench)!;
    const walls = rs.map((r) => r.wallS);
    return {
      bench,
      runs: rs,
      wall: median(walls),
      min: Math.min(...walls),
      max: Math.max(...walls),
      rss: median(rs.map((r) => r.peakRssBytes)) / MB,
      proc: median(rs.map((r) => r.peakProcessBytes)) / MB,
      procs: Math.max(...rs.map((r) => r.maxProcesses)),
    };
  });
  const reference = stats.find((s) => s.bench === REFERENCE)!;
  const ratio = (s: Stats) => {
    const r = s.wall / reference.wall;
    return r < 1 ? `${r.toFixed(2)}x (${(1 / r).toFixed(1)}x faster)` : `${r.toFixed(2)}x`;
  };
  const rssRatio = (s: Stats) => (s.bench === REFERENCE ? "1.0x" : `${(s.rss / reference.rss).toFixed(2)}x`);

  const rows = [
    [
      "command",
      "runs",
      "status",
      "median wall s",
      "min-max s",
      "vs reference app step",
      "median peak RSS MB",
      "RSS vs reference",
      "largest process MB",
      "max procs",
    ],
    ...stats.map((s) => [
      s.bench.name,
      String(s.runs.length),
      statusSummary(s.runs),
      s.wall.toFixed(2),
      `${s.min.toFixed(2)}-${s.max.toFixed(2)}`,
      ratio(s),
      s.rss.toFixed(0),
      rssRatio(s),
      s.proc.toFixed(0),
      String(s.procs),
    ]),
  ];
  const failed = stats.flatMap((s) => s.runs.filter((r) => r.status !== "exit 0"));
  const goals = GOALS.flatMap((g) => {
    const s = stats.find((x) => x.bench === g.bench);
    return s ? [`  ${g.met(s, reference) ? "met    " : "NOT MET"}  ${g.text}`] : [];
  });
  const beforeAfter = [...BEFORE].map(([ours, theirs]) => {
    const [after, before] = [ours, theirs].map((b) => stats.find((x) => x.bench === b)!);
    const speed = before.wall / after.wall;
    return `  ${ours.name}: ${before.wall.toFixed(2)} s -> ${after.wall.toFixed(2)} s (${speed >= 1 ? `${speed.toFixed(1)}x faster` : `${(1 / speed).toFixed(1)}x slower`}), peak RSS ${before.rss.toFixed(0)} -> ${after.rss.toFixed(0)} MB`;
  });
  const lines = [
    "",
    table(rows),
    "",
    "goals (issue 14), from the medians above:",
    ...goals,
    ...(BEFORE_DIR === undefined
      ? []
      : ["", `before -> after, medians of this run (before: ${BEFORE_DIR} at ${revisionOf(BEFORE_DIR)}):`, ...beforeAfter]),
    "",
    `app step: cdktf.json's app, ${JSON.stringify(appCommand(ROOT, "").file)}, with unchanged sources (one warm-up run first builds dist/ and the Lambda bundle cache)`,
    `reference app step: bench/reference (the same four stacks, ${JSON.stringify(appCommand(REFERENCE_DIR, "").file)}, the provider's root import, esbuild and archive per synth)`,
    "peak RSS: the highest sum of VmRSS over the command's whole process tree, sampled from /proc every 50 ms (no /usr/bin/time);",
    "shared pages count once per process. largest process: the highest VmHWM of any one process in the tree.",
  ];
  if (failed.length > 0) {
    lines.push(
      "",
      `${failed.length} run(s) failed; timings of a failing command are not comparable. Logs:`,
      ...failed.map((r) => `  ${r.status}: ${r.log}`),
    );
  } else {
    fs.rmSync(logDir, { recursive: true, force: true });
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exitCode = 1;
});
