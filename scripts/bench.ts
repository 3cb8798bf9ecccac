// npm run bench: wall time and peak RSS of the app synth, cdktf synth and npm test,
// as medians over interleaved rounds in this one process tree.
// Usage: npm run bench [-- --quick]   (BENCH_RUNS=n overrides the run count; default 5, --quick 1)
import { spawn } from "child_process";
import { once } from "events";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TreePeak, TreeSampler, killTree } from "./lib/proc-tree";

const ROOT = path.resolve(__dirname, "..", "..");
const MB = 1024 * 1024;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S || 1800) * 1000;

interface Bench {
  readonly name: string;
  /** Builds the command for one run; `outdir` is a fresh temp dir for that run. */
  readonly command: (outdir: string) => { file: string; args: string[]; env?: NodeJS.ProcessEnv };
}

interface Run extends TreePeak {
  readonly wallS: number;
  readonly status: string;
  readonly log: string;
}

const BENCHES: readonly Bench[] = [
  {
    name: "node dist/main.js",
    command: (outdir) => ({ file: process.execPath, args: [path.join(ROOT, "dist", "main.js")], env: { CDKTF_OUTDIR: outdir } }),
  },
  {
    name: "cdktf synth",
    command: (outdir) => ({ file: "npx", args: ["cdktf", "synth", "--output", outdir] }),
  },
  {
    name: "npm test",
    command: () => ({ file: "npm", args: ["test"] }),
  },
];

function runCount(): number {
  if (process.env.BENCH_RUNS) {
    const n = Number(process.env.BENCH_RUNS);
    if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_RUNS=${process.env.BENCH_RUNS}: expected a whole number of at least 1`);
    return n;
  }
  return process.argv.includes("--quick") ? 1 : 5;
}

async function runOnce(bench: Bench, logDir: string, label: string): Promise<Run> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-bench-out-"));
  const log = path.join(logDir, `${label}.log`);
  const { file, args, env } = bench.command(outdir);
  const fd = fs.openSync(log, "w");
  const started = process.hrtime.bigint();
  const child = spawn(file, args, {
    cwd: ROOT,
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
  if (!fs.existsSync(path.join(ROOT, "dist", "main.js"))) throw new Error("dist/main.js is missing: run `npm run bench`, which builds first");
  const runs = runCount();
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-bench-logs-"));
  const results = new Map<Bench, Run[]>(BENCHES.map((b) => [b, []]));

  process.stderr.write(`bench: ${runs} run(s) of each, interleaved; node ${process.version}, ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / MB)} MB RAM\n`);
  // Interleaved rounds, so drift in machine load hits every command alike and the ratios stay fair.
  for (let round = 1; round <= runs; round++) {
    for (const bench of BENCHES) {
      const label = `${bench.name.replace(/\W+/g, "-")}-${round}`;
      const run = await runOnce(bench, logDir, label);
      results.get(bench)!.push(run);
      process.stderr.write(`  round ${round}/${runs} ${bench.name}: ${run.wallS.toFixed(2)} s, ${(run.peakRssBytes / MB).toFixed(0)} MB, ${run.status}\n`);
    }
  }

  const stats = BENCHES.map((bench) => {
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

  const rows = [
    ["command", "runs", "status", "median wall s", "min-max s", "median peak RSS MB", "largest process MB", "max procs"],
    ...stats.map((s) => [
      s.bench.name,
      String(s.runs.length),
      statusSummary(s.runs),
      s.wall.toFixed(2),
      `${s.min.toFixed(2)}-${s.max.toFixed(2)}`,
      s.rss.toFixed(0),
      s.proc.toFixed(0),
      String(s.procs),
    ]),
  ];
  const [node, cdktf, test] = stats;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;
  const lines = [
    "",
    table(rows),
    "",
    `cdktf synth / node synth: wall ${ratio(cdktf.wall, node.wall)}, peak RSS ${ratio(cdktf.rss, node.rss)}`,
    `npm test / node synth:    wall ${ratio(test.wall, node.wall)}, peak RSS ${ratio(test.rss, node.rss)}`,
    "",
    `cdktf synth runs cdktf.json's app command: ${JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).app}`,
    "peak RSS: the highest sum of VmRSS over the command's whole process tree, sampled from /proc every 50 ms (no /usr/bin/time);",
    "shared pages count once per process. largest process: the highest VmHWM of any one process in the tree.",
  ];
  const failed = stats.flatMap((s) => s.runs.filter((r) => r.status !== "exit 0"));
  if (failed.length > 0) {
    lines.push("", `${failed.length} run(s) failed; timings of a failing command are not comparable. Logs:`, ...failed.map((r) => `  ${r.status}: ${r.log}`));
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
