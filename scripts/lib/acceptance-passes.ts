/**
 * How the acceptance tier schedules its passes: which stacks each config pass deploys, how many passes
 * run at once, and the Terraform settings used against the emulator.
 */
import { AsyncLocalStorage } from "async_hooks";
import { spawn } from "child_process";

/**
 * A config pass deploys every stack unless listed here. A stack another pass already deploys in the
 * same profile is left out, as long as the stacks kept need nothing from it.
 */
export const PASS_STACKS: Readonly<Record<string, { readonly stacks: readonly string[]; readonly why: string }>> = {
  "acceptance-edge": {
    stacks: ["foundations", "edge"],
    why: "the full profile's core and influx are deployed by the acceptance pass; edge without backend origins needs only foundations",
  },
};

/** The stacks of `pass` to deploy, in `order`; one-line error when the list no longer fits the synthesized app. */
export function passStacks(
  pass: string,
  order: readonly string[],
  dependencies: (stack: string) => readonly string[],
): { deploy: string[]; left: string[] } {
  const listed = PASS_STACKS[pass];
  if (!listed) return { deploy: [...order], left: [] };
  const unknown = listed.stacks.filter((s) => !order.includes(s));
  if (unknown.length)
    throw new Error(`acceptance pass ${pass}: stack(s) ${unknown.join(", ")} of PASS_STACKS are not synthesized; have ${order.join(", ")}`);
  const deploy = order.filter((s) => listed.stacks.includes(s));
  for (const stack of deploy) {
    const missing = dependencies(stack).filter((d) => !deploy.includes(d));
    if (missing.length)
      throw new Error(
        `acceptance pass ${pass}: ${stack} depends on ${missing.join(", ")}, which PASS_STACKS leaves out; deploy it too or drop ${stack}`,
      );
  }
  return { deploy, left: order.filter((s) => !deploy.includes(s)) };
}

/** Seconds each pass took in the last clean .ci/run (2 cores), so the longest start first and the slots end together. */
export const PASS_SECONDS: Readonly<Record<string, number>> = {
  e2e: 800,
  acceptance: 583,
  "acceptance-edge": 259,
  "acceptance-backend-only": 251,
};

/** `passes` longest first by PASS_SECONDS; an unknown pass counts as the longest, so a new one is never starved. */
export function longestFirst<T extends { readonly name: string }>(passes: readonly T[]): T[] {
  const seconds = (p: T) => PASS_SECONDS[p.name] ?? Number.POSITIVE_INFINITY;
  return passes
    .map((p, i) => ({ p, i }))
    .sort((a, b) => seconds(b.p) - seconds(a.p) || a.i - b.i)
    .map(({ p }) => p);
}

/**
 * Passes at once: each has its own emulator and work dir. 3 by default: the e2e pass is serial and the
 * longest, and with 2 slots the other three passes queued behind each other in one slot took longer
 * than it (1062 s against its 800 s). `STREAMLINES_ACCEPTANCE_CONCURRENCY` overrides it.
 */
export function passConcurrency(raw = process.env.STREAMLINES_ACCEPTANCE_CONCURRENCY): number {
  if (raw === undefined || raw === "") return 3;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 8)
    throw new Error(`STREAMLINES_ACCEPTANCE_CONCURRENCY: ${JSON.stringify(raw)} is not allowed; expected a whole number from 1 to 8`);
  return n;
}

/** The emulator answers on loopback without rate limits: more concurrent resource operations than Terraform's default 10. */
export const EMULATOR_PARALLELISM = 32;

/**
 * Terraform's own per-command argument variables, so the setting reaches every terraform run under the
 * pass, the ones the operator commands of the e2e pass start included.
 */
export function emulatorTerraformEnv<T extends NodeJS.ProcessEnv>(env: T): T {
  const out: T = { ...env };
  for (const command of ["apply", "plan", "destroy"]) {
    const name = `TF_CLI_ARGS_${command}`;
    (out as NodeJS.ProcessEnv)[name] = [env[name], `-parallelism=${EMULATOR_PARALLELISM}`].filter(Boolean).join(" ");
  }
  return out;
}

const currentPass = new AsyncLocalStorage<string>();

/** The name of the pass the calling code runs in (passes run concurrently, so each labels its own lines); "" outside a pass. */
export function passName(): string {
  return currentPass.getStore() ?? "";
}

export function inPass<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return currentPass.run(name, fn);
}

export interface SpawnResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: Error;
}

/** spawnSync's result without blocking: a synth in one pass must not stall the passes running beside it. */
export function spawnAsync(file: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<SpawnResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString("utf8");
    child.on("error", (error) => resolve({ status: null, signal: null, stdout: text(out), stderr: text(err), error }));
    child.on("close", (status, signal) => resolve({ status, signal, stdout: text(out), stderr: text(err) }));
  });
}
