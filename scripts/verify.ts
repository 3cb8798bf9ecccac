/**
 * Checks that the env's app runs (help/deploy.md, "Verify"); also the last step of npm run deploy:
 *   npm run verify [-- --timeout-minutes <n>]
 * Exit 0 when every check passed, 1 otherwise (each failure names the service and ECS's reason).
 */
import { parseArgs } from "util";
import { loadConfigOrExit } from "../config/load";
import { StreamLinesConfig } from "../config/schema";
import { VerifyIo, clientsFor, verify } from "./lib/verify";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const DEFAULT_TIMEOUT_MINUTES = 20;
export const USAGE = "usage: npm run verify [-- --timeout-minutes <1-120>]";

/** `--timeout-minutes` as ms; throws one line naming the bad value. */
export function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MINUTES * 60_000;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n <= 0 || n > 120)
    throw new Error(`--timeout-minutes ${JSON.stringify(value)}: expected a number of minutes from 1 to 120`);
  return Math.round(n * 60_000);
}

export function parseVerifyArgs(argv: readonly string[]): { timeoutMs: number } {
  const { values } = parseArgs({
    args: [...argv],
    options: { "timeout-minutes": { type: "string" } },
    strict: true,
    allowPositionals: false,
  });
  return { timeoutMs: parseTimeout(values["timeout-minutes"]) };
}

export async function runVerify(config: StreamLinesConfig, timeoutMs: number, io: VerifyIo): Promise<number> {
  const started = Date.now();
  io.out(
    `verify: ${config.app}-${config.env} in ${config.region}${config.emulator ? ` (emulator ${config.emulator.endpoint})` : ""}; waits up to ${Math.round(timeoutMs / 60_000)} min`,
  );
  const clients = clientsFor(config);
  try {
    const r = await verify(config, clients, io, { timeoutMs });
    const took = `${Math.round((Date.now() - started) / 1000)} s`;
    if (r.ok) io.out(`verify: ok, the app runs (${took})`);
    else io.err(`verify: FAILED, ${r.failures.length} problem(s) (${took}); fix them, then: npm run verify`);
    return r.ok ? 0 : 1;
  } finally {
    clients.destroy();
  }
}

export async function main(argv: readonly string[], config: StreamLinesConfig, io: VerifyIo): Promise<number> {
  let timeoutMs: number;
  try {
    ({ timeoutMs } = parseVerifyArgs(argv));
  } catch (e) {
    io.err(`verify: ${(e as Error).message}; ${USAGE}`);
    return 1;
  }
  return runVerify(config, timeoutMs, io);
}

if (require.main === module) {
  const config = loadConfigOrExit();
  const io: VerifyIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
  main(process.argv.slice(2), config, io).then(
    (code) => (process.exitCode = code),
    (e) => {
      io.err(`verify: ${(e as Error).name}: ${(e as Error).message.split("\n")[0]}`);
      process.exitCode = 1;
    },
  );
}
