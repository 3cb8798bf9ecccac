/**
 * Inspects a stack's remote state without knowing the synth paths:
 *   npm run state -- <stack> [list|show ADDRESS|outputs]
 * Runs terraform in cdktf.out/stacks/<stack>, initialising it first when it never was.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loadConfigOrExit } from "../config/load";
import { StateBucketCheck, checkStateBucketIsOurs } from "./lib/state-bucket";
import { outdirOf, readManifest, stackWorkingDir } from "./lib/stacks";
import { operatorTerraformEnv, repoRoot } from "./lib/terraform";

export const USAGE = "usage: npm run state -- <stack> [list|show ADDRESS|outputs]";

export type StateCommand =
  { stack: string; action: "list" } | { stack: string; action: "show"; address: string } | { stack: string; action: "outputs" };

/** A mistake the operator can fix; the message is the whole story. */
export class StateUsageError extends Error {}

export function parseStateArgs(argv: readonly string[]): StateCommand {
  const [stack, action = "list", ...rest] = argv;
  if (!stack || stack.startsWith("-")) throw new StateUsageError(`no stack given\n${USAGE}`);
  if (action === "list" || action === "outputs") {
    if (rest.length > 0) throw new StateUsageError(`${action} takes no arguments, got: ${rest.join(" ")}\n${USAGE}`);
    return { stack, action };
  }
  if (action === "show") {
    if (rest.length !== 1)
      throw new StateUsageError(`show needs exactly one resource address, e.g. show aws_vpc.network_vpc_1A2B3C4D (see \`list\`)\n${USAGE}`);
    return { stack, action, address: rest[0] };
  }
  throw new StateUsageError(`unknown action "${action}"; expected list, show ADDRESS or outputs\n${USAGE}`);
}

export function terraformArgs(cmd: StateCommand): string[] {
  if (cmd.action === "list") return ["state", "list"];
  if (cmd.action === "show") return ["state", "show", "-no-color", cmd.address];
  return ["output", "-json"];
}

/** The stack's terraform directory, or a StateUsageError saying what to do. */
export function stackDir(root: string, stack: string): string {
  const manifestFile = path.join(outdirOf(root), "manifest.json");
  if (!fs.existsSync(manifestFile))
    throw new StateUsageError(`no cdktf.out/manifest.json: the stacks are not synthesized yet; run npm run synth first`);
  const manifest = readManifest(path.dirname(manifestFile));
  const known = Object.keys(manifest.stacks ?? {});
  if (!known.includes(stack))
    throw new StateUsageError(`unknown stack "${stack}"; the synthesized stacks are: ${known.join(", ") || "(none)"}`);
  const dir = stackWorkingDir(path.dirname(manifestFile), manifest, stack);
  if (!fs.existsSync(path.join(dir, "cdk.tf.json")))
    throw new StateUsageError(
      `stack ${stack} is in the manifest but ${path.relative(root, dir)}/cdk.tf.json is missing; run npm run synth first`,
    );
  return dir;
}

type Say = (line: string) => void;
const toStderr: Say = (l) => void process.stderr.write(`${l}\n`);

/**
 * terraform in the stack's directory, initialised first when it never was. `run` answers undefined
 * (after saying why) when init failed, with init's exit code in `initFailed`.
 */
function stackTerraform(stack: string, root: string, say: Say) {
  const dir = stackDir(root, stack);
  const { env, mirror } = operatorTerraformEnv(path.join(outdirOf(root), "terraform-cli"));
  const tf = (args: string[], stdio: "inherit" | "pipe") => {
    const r = spawnSync("terraform", args, { cwd: dir, env, stdio, encoding: "utf8" });
    if (r.error) throw new StateUsageError(`cannot run terraform: ${r.error.message}; install terraform >= 1.10 and put it on PATH`);
    return r;
  };
  if (!fs.existsSync(path.join(dir, ".terraform"))) {
    say(`state: initialising ${path.relative(root, dir)} (first use${mirror ? `, providers from ${mirror}` : ""})`);
    const init = tf(["init", "-input=false", "-no-color"], "pipe");
    if (init.status !== 0) {
      say(`${init.stdout ?? ""}${init.stderr ?? ""}`.trimEnd());
      say(
        `state: terraform init failed in ${path.relative(root, dir)} (exit ${init.status}); check credentials and that the state bucket exists (npm run doctor)`,
      );
      return { tf, initFailed: init.status ?? 1 };
    }
  }
  return { tf, initFailed: undefined };
}

/** Runs the command, streaming terraform's output; returns terraform's exit code. */
export function runState(cmd: StateCommand, root = repoRoot(), say: Say = toStderr): number {
  const { tf, initFailed } = stackTerraform(cmd.stack, root, say);
  if (initFailed !== undefined) return initFailed;
  return tf(terraformArgs(cmd), "inherit").status ?? 1;
}

/** A stack's outputs as `terraform output -json` gives them (`{ name: { value, type, sensitive } }`). */
export function stackOutputs(stack: string, root = repoRoot(), say: Say = toStderr): Record<string, { value: unknown }> {
  const { tf, initFailed } = stackTerraform(stack, root, say);
  if (initFailed !== undefined) throw new StateUsageError(`cannot read the ${stack} stack's state (terraform init exited ${initFailed})`);
  const r = tf(["output", "-json", "-no-color"], "pipe");
  if (r.status !== 0)
    throw new StateUsageError(`terraform output failed for ${stack} (exit ${r.status}): ${(r.stderr || r.stdout).trim().split("\n")[0]}`);
  return JSON.parse(r.stdout || "{}") as Record<string, { value: unknown }>;
}

export async function main(
  argv: readonly string[] = process.argv.slice(2),
  root = repoRoot(),
  checkStateBucket: StateBucketCheck = checkStateBucketIsOurs,
): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`state: ${message}\n`);
    return 1;
  };
  let cmd: StateCommand;
  try {
    cmd = parseStateArgs(argv);
    stackDir(root, cmd.stack);
    await checkStateBucket(loadConfigOrExit());
  } catch (err) {
    return fail((err as Error).message);
  }
  try {
    return runState(cmd, root);
  } catch (err) {
    if (!(err instanceof StateUsageError)) throw err;
    return fail(err.message);
  }
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`state: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
