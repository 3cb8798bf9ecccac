/**
 * The terraform tier validates many stacks; most of each `terraform validate` is the provider loading its
 * schema (about 3 s of CPU for hashicorp/aws). So stacks that need the same providers are validated
 * together: each becomes a module of one root, one init and one validate per group, and every
 * diagnostic is handed back to the stack whose file it names.
 */
import * as fs from "fs";
import * as path from "path";
import { Diagnostic } from "./terraform";

type Json = Record<string, unknown>;

export interface PreparedStack {
  /** The stack's line in the tier's output, e.g. `core [acceptance]`. */
  readonly label: string;
  /** The stack's Terraform JSON as it is to be validated (null resources already stripped when needed). */
  readonly json: Json;
  /** The synthesized stack directory: its `assets/` are referenced relative to the working directory. */
  readonly stackDir: string;
}

export interface Group {
  readonly stacks: readonly PreparedStack[];
  /** Module name of each stack, in the order of `stacks`. */
  readonly modules: readonly string[];
}

/**
 * Stacks per group. Terraform still starts one provider process per module's provider block (about
 * 450 MB each for hashicorp/aws): without a cap, 14 stacks in each of two groups held 16 GB at once.
 */
export const GROUP_SIZE = 4;

/** The only diagnostic grouping adds: a child module's backend block is ignored (the tier inits with -backend=false anyway). */
const GROUPING_ARTEFACT = "Backend configuration ignored";

/**
 * Stacks with the same required providers share a group of at most `size` stacks. A stack with `import`
 * blocks (allowed only in a root module) gets a group of its own.
 */
export function groupStacks(stacks: readonly PreparedStack[], size = GROUP_SIZE): Group[] {
  const kinds = new Map<string, PreparedStack[]>();
  const alone: PreparedStack[] = [];
  for (const s of stacks) {
    if ("import" in s.json) {
      alone.push(s);
      continue;
    }
    const terraform = (s.json.terraform ?? {}) as { required_providers?: unknown };
    const key = JSON.stringify(terraform.required_providers ?? {});
    kinds.set(key, [...(kinds.get(key) ?? []), s]);
  }
  const groups: PreparedStack[][] = [];
  for (const list of kinds.values()) {
    for (let i = 0; i < list.length; i += size) groups.push(list.slice(i, i + size));
  }
  groups.push(...alone.map((s) => [s]));
  return groups.map((g) => ({ stacks: g, modules: g.map((s, i) => moduleName(s.label, i)) }));
}

function moduleName(label: string, index: number): string {
  return `s${index}_${label.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/_+$/, "")}`;
}

/** Writes the group's root: `main.tf.json` with one module per stack, the stacks under `stacks/`, their assets merged under `assets/`. */
export function writeGroupRoot(dir: string, group: Group): void {
  fs.mkdirSync(path.join(dir, "stacks"), { recursive: true });
  const modules: Record<string, { source: string }> = {};
  group.stacks.forEach((stack, i) => {
    const name = group.modules[i];
    modules[name] = { source: `./stacks/${name}` };
    fs.mkdirSync(path.join(dir, "stacks", name));
    fs.writeFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), JSON.stringify(stack.json, null, 2));
    linkAssets(stack.stackDir, dir);
  });
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ module: modules }, null, 2));
}

/**
 * File functions resolve paths from the working directory, so every stack's `assets/<asset>/<hash>` is
 * linked into the root's `assets/`. The hash names the content: the same path from two stacks is the same file.
 */
function linkAssets(stackDir: string, root: string): void {
  for (const entry of fs.readdirSync(stackDir)) {
    if (entry === "cdk.tf.json" || entry.startsWith(".terraform")) continue;
    const source = path.join(stackDir, entry);
    if (entry !== "assets" || !fs.statSync(source).isDirectory()) {
      const target = path.join(root, entry);
      if (fs.existsSync(target)) throw new Error(`${source}: ${entry} is also in another stack of the group; only assets/ can be shared`);
      fs.symlinkSync(source, target);
      continue;
    }
    for (const asset of fs.readdirSync(source)) {
      fs.mkdirSync(path.join(root, "assets", asset), { recursive: true });
      for (const hash of fs.readdirSync(path.join(source, asset))) {
        const target = path.join(root, "assets", asset, hash);
        if (!fs.existsSync(target)) fs.symlinkSync(path.join(source, asset, hash), target);
      }
    }
  }
}

/**
 * Each stack's diagnostics, by the file they name; grouping's own warning dropped. A diagnostic that
 * names no stack's file goes to every stack of the group, so a problem is never lost.
 */
export function diagnosticsByStack(group: Group, diagnostics: readonly Diagnostic[]): Diagnostic[][] {
  const out: Diagnostic[][] = group.stacks.map(() => []);
  for (const d of diagnostics) {
    if (d.summary === GROUPING_ARTEFACT) continue;
    const file = d.range?.filename ?? "";
    const address = d.address ?? "";
    const index = group.modules.findIndex((m) => file.startsWith(`stacks/${m}/`) || address.startsWith(`module.${m}.`));
    const relabelled = index >= 0 ? unmodule(d, group.modules[index]) : d;
    if (index >= 0) out[index].push(relabelled);
    else out.forEach((list) => list.push(d));
  }
  return out;
}

/** The diagnostic as the stack validated alone would give it: its own file name and addresses. */
function unmodule(d: Diagnostic, module: string): Diagnostic {
  return {
    ...d,
    ...(d.address ? { address: d.address.replace(`module.${module}.`, "") } : {}),
    ...(d.range ? { range: { ...d.range, filename: d.range.filename.replace(`stacks/${module}/`, "") } } : {}),
  };
}
