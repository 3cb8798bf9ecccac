/**
 * The image hooks without the null provider: where no hashicorp/null binary can be installed (an
 * offline emulator run), the stack is applied without its `null_resource` blocks and each hook's
 * own `local-exec` command then runs here the way Terraform runs it: `/bin/sh -c <command>` in the
 * stack's working directory, with the caller's environment plus the provisioner's `environment`,
 * its references resolved from the applied state.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CdktfManifest, phaseOrder, stackWorkingDir } from "./stacks";
import { canInstallNullProvider, stripNullResources } from "./terraform";

type Json = Record<string, unknown>;

export interface SynthesizedHook {
  /** `null_resource.<id>` */
  readonly address: string;
  readonly command: string;
  /** As synthesized: values may hold `${<type>.<name>.<attribute>}` references. */
  readonly environment: Readonly<Record<string, string>>;
  /** Terraform's default on Unix: `/bin/sh -c`. */
  readonly interpreter: readonly string[];
  readonly workingDir?: string;
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every `local-exec` provisioner of every `null_resource` in a stack's Terraform JSON. */
export function hooksOf(stack: Json): SynthesizedHook[] {
  const resources = isObject(stack.resource) && isObject(stack.resource.null_resource) ? stack.resource.null_resource : {};
  return Object.entries(resources).flatMap(([id, body]) => {
    const provisioners = isObject(body) && Array.isArray(body.provisioner) ? body.provisioner : [];
    return provisioners.flatMap((p) => {
      const exec = isObject(p) ? p["local-exec"] : undefined;
      if (!isObject(exec)) return [];
      return [
        {
          address: `null_resource.${id}`,
          command: String(exec.command),
          environment: Object.fromEntries(
            Object.entries(isObject(exec.environment) ? exec.environment : {}).map(([k, v]) => [k, String(v)]),
          ),
          interpreter: Array.isArray(exec.interpreter) ? exec.interpreter.map(String) : ["/bin/sh", "-c"],
          ...(typeof exec.working_dir === "string" && { workingDir: exec.working_dir }),
        },
      ];
    });
  });
}

/** Attribute values by resource address, from `terraform show -json` of an applied state. */
export function stateValues(showJson: Json): Map<string, Json> {
  const out = new Map<string, Json>();
  const walk = (module: unknown) => {
    if (!isObject(module)) return;
    for (const r of Array.isArray(module.resources) ? module.resources : []) {
      if (isObject(r) && typeof r.address === "string" && isObject(r.values)) out.set(r.address, r.values);
    }
    for (const child of Array.isArray(module.child_modules) ? module.child_modules : []) walk(child);
  };
  walk(isObject(showJson.values) ? showJson.values.root_module : undefined);
  return out;
}

/**
 * The environment with every `${type.name.attribute}` replaced by its applied value. Anything else
 * (functions, unknown addresses) throws naming the variable: a hook must not run half-resolved.
 */
export function resolveEnvironment(environment: Readonly<Record<string, string>>, state: Map<string, Json>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    out[name] = value.replace(/\$\{([^}]*)\}/g, (whole, expr: string) => {
      const m = /^([a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+)$/.exec(expr.trim());
      const attr = m ? state.get(m[1])?.[m[2]] : undefined;
      if (typeof attr !== "string" && typeof attr !== "number") throw new Error(`${name}: cannot resolve ${whole} from the applied state`);
      return String(attr);
    });
  }
  return out;
}

/** Rewrites a stack's `cdk.tf.json` without the null provider; returns the hooks it held. */
export function detachHooks(stackDir: string): SynthesizedHook[] {
  const file = path.join(stackDir, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as Json;
  const hooks = hooksOf(json);
  const stripped = stripNullResources(json);
  if (stripped.changed) fs.writeFileSync(file, JSON.stringify(stripped.json, null, 2));
  return hooks;
}

/** Runs one hook as Terraform's local-exec does; each output line goes to `say`. Resolves to the exit code. */
export function runHook(
  hook: SynthesizedHook,
  environment: Record<string, string>,
  stackDir: string,
  baseEnv: NodeJS.ProcessEnv,
  say: (line: string) => void,
): Promise<number> {
  return new Promise((resolve) => {
    const [bin, ...args] = hook.interpreter;
    const child = spawn(bin, [...args, hook.command], {
      cwd: hook.workingDir ? path.resolve(stackDir, hook.workingDir) : stackDir,
      env: { ...baseEnv, ...environment },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let pending = "";
    const take = (chunk: Buffer) => {
      const text = pending + chunk.toString("utf8");
      const lines = text.split("\n");
      pending = lines.pop() ?? "";
      lines.filter((l) => l.trim()).forEach(say);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (e) => {
      say(`cannot run ${bin}: ${e.message}`);
      resolve(127);
    });
    child.on("close", (code) => {
      if (pending.trim()) say(pending);
      resolve(code ?? 1);
    });
  });
}

/**
 * Runs every hook after its stack was applied (their repositories exist then). Returns the first
 * failure as one line, or undefined when all passed.
 */
export async function runHooksAfterApply(
  hooks: readonly SynthesizedHook[],
  stackDir: string,
  showState: () => Promise<Json>,
  baseEnv: NodeJS.ProcessEnv,
  say: (line: string) => void,
): Promise<string | undefined> {
  if (hooks.length === 0) return undefined;
  const state = stateValues(await showState());
  for (const hook of hooks) {
    let environment: Record<string, string>;
    try {
      environment = resolveEnvironment(hook.environment, state);
    } catch (e) {
      return `${hook.address}: ${(e as Error).message}`;
    }
    const code = await runHook(hook, environment, stackDir, baseEnv, say);
    if (code !== 0) return `${hook.address}: local-exec ${hook.command} exited ${code}`;
  }
  return undefined;
}

/**
 * Against AWS the null provider runs the hooks inside the apply. Only an emulator run on a machine
 * that cannot install the provider (offline, no binary in the mirror) takes the null provider out
 * of the synthesized stacks, so init, plan, apply and destroy work, and returns the hooks per stack
 * for the caller to run after that stack's apply. Empty otherwise.
 */
export async function detachHooksForEmulator(
  emulator: boolean,
  outdir: string,
  manifest: CdktfManifest,
  env: NodeJS.ProcessEnv,
): Promise<Map<string, SynthesizedHook[]>> {
  const detached = new Map<string, SynthesizedHook[]>();
  if (!emulator) return detached;
  const withHooks = phaseOrder(manifest).filter(
    (stack) =>
      hooksOf(JSON.parse(fs.readFileSync(path.join(stackWorkingDir(outdir, manifest, stack), "cdk.tf.json"), "utf8")) as Json).length > 0,
  );
  if (withHooks.length === 0 || (await canInstallNullProvider(path.join(outdir, "null-provider-probe"), env))) return detached;
  for (const stack of withHooks) detached.set(stack, detachHooks(stackWorkingDir(outdir, manifest, stack)));
  return detached;
}
