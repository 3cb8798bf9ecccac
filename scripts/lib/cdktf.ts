/**
 * Runs `cdktf deploy|destroy <stack>` on an already synthesized app, keeping the full output in a
 * log and showing progress: one line per resource change, the plan, the result, errors.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface ResourceCounts {
  readonly imported: number;
  readonly added: number;
  readonly changed: number;
  readonly destroyed: number;
}

export interface CdktfResult {
  readonly code: number;
  /** From the last `Apply complete!` / `Destroy complete!` line; undefined when none was printed. */
  readonly counts?: ResourceCounts;
  /** The last meaningful lines, for a failure report. */
  readonly tail: readonly string[];
}

export interface CdktfOptions {
  readonly root: string;
  readonly outdir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Without it, deploy shows cdktf's own review prompt on the terminal for each stack. */
  readonly autoApprove: boolean;
  readonly logFile: string;
  readonly say: (line: string) => void;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]/g; // eslint-disable-line no-control-regex
/** cdktf's live status lines and spinners, redrawn many times a second. */
const NOISE = /^\s*$|Stacks? (deploying|destroying|done|waiting)|^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]|^npm warn/;
const PROGRESS =
  /image-build|(Creation|Modifications|Destruction|Import) complete|Importing from ID|^Plan: |Apply complete!|Destroy complete!|No changes\.|Error|error:/;

/** Output lines without escape sequences and status redraws. */
export function cleanLines(text: string): string[] {
  return text
    .replace(ANSI, "")
    .split(/\r?\n|\r/)
    .filter((l) => !NOISE.test(l));
}

/** Counts from the last summary line, e.g. `Apply complete! Resources: 1 imported, 2 added, 0 changed, 0 destroyed.` */
export function parseCounts(lines: readonly string[]): ResourceCounts | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const apply = /(?:Apply|Destroy) complete! Resources: (.*)\./.exec(lines[i]);
    if (!apply) continue;
    const n = (what: string) => Number(new RegExp(`(\\d+) ${what}`).exec(apply[1])?.[1] ?? 0);
    return { imported: n("imported"), added: n("added"), changed: n("changed"), destroyed: n("destroyed") };
  }
  return undefined;
}

export function describeCounts(c: ResourceCounts | undefined): string {
  if (!c) return "no summary";
  if (c.imported + c.added + c.changed + c.destroyed === 0) return "no changes";
  return [
    c.imported && `${c.imported} imported`,
    c.added && `${c.added} added`,
    c.changed && `${c.changed} changed`,
    c.destroyed && `${c.destroyed} destroyed`,
  ]
    .filter(Boolean)
    .join(", ");
}

/** `cdktf <verb> <stack>` with the project's flags: no synth (done once before), no registry lock. */
export function cdktfArgs(verb: "deploy" | "destroy", stack: string, outdir: string, autoApprove: boolean): string[] {
  return [
    verb,
    stack,
    "--skip-synth",
    "--output",
    outdir,
    // Locking providers for every platform needs the public registry; the mirror has one platform.
    "--skip-provider-lock",
    // One stack at a time, in the order the scripts chose from the manifest.
    "--ignore-missing-stack-dependencies",
    "--no-color",
    ...(autoApprove ? ["--auto-approve"] : []),
  ];
}

export function runCdktf(verb: "deploy" | "destroy", stack: string, opts: CdktfOptions): Promise<CdktfResult> {
  const bin = path.join(opts.root, "node_modules", ".bin", "cdktf");
  const args = cdktfArgs(verb, stack, opts.outdir, opts.autoApprove);
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  fs.writeFileSync(opts.logFile, `$ cdktf ${args.join(" ")}\n`);
  return new Promise((resolve) => {
    if (!opts.autoApprove) {
      // The review prompt needs the terminal; its output goes there, not to the log.
      const child = spawn(bin, args, { cwd: opts.root, env: opts.env, stdio: "inherit" });
      child.on("error", (e) => resolve({ code: 127, tail: [`cannot run cdktf: ${e.message}`] }));
      child.on("close", (code) => resolve({ code: code ?? 1, tail: [] }));
      return;
    }
    const child = spawn(bin, args, { cwd: opts.root, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let pending = "";
    const take = (chunk: Buffer) => {
      fs.appendFileSync(opts.logFile, chunk);
      const text = pending + chunk.toString("utf8");
      const cut = Math.max(text.lastIndexOf("\n"), text.lastIndexOf("\r"));
      pending = cut >= 0 ? text.slice(cut + 1) : text;
      for (const line of cleanLines(cut >= 0 ? text.slice(0, cut) : "")) {
        lines.push(line);
        if (PROGRESS.test(line)) opts.say(`  ${stack}: ${line.replace(new RegExp(`^${stack}\\s+`), "").trim()}`);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (e) => resolve({ code: 127, tail: [`cannot run cdktf: ${e.message}`] }));
    child.on("close", (code) => {
      lines.push(...cleanLines(pending));
      resolve({ code: code ?? 1, counts: parseCounts(lines), tail: lines.slice(-30) });
    });
  });
}
