import * as fs from "fs";
import * as path from "path";

/** The part of cdktf's `<outdir>/manifest.json` the scripts read. */
export interface CdktfManifest {
  readonly stacks: Record<string, { readonly dependencies?: readonly string[]; readonly workingDirectory?: string }>;
}

export function readManifest(outdir: string): CdktfManifest {
  return JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as CdktfManifest;
}

/** Stacks dependencies first (ties keep manifest order): the order of the apply phases. */
export function phaseOrder(manifest: CdktfManifest): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (order.includes(name)) return;
    if (visiting.has(name)) throw new Error(`stack dependency cycle through ${name}`);
    visiting.add(name);
    for (const dep of manifest.stacks[name]?.dependencies ?? []) {
      if (!manifest.stacks[dep]) throw new Error(`stack ${name} depends on unknown stack ${dep}`);
      visit(dep);
    }
    visiting.delete(name);
    order.push(name);
  };
  Object.keys(manifest.stacks).forEach(visit);
  return order;
}

/** The directory terraform runs in for `stack`. */
export function stackWorkingDir(outdir: string, manifest: CdktfManifest, stack: string): string {
  return path.join(outdir, manifest.stacks[stack]?.workingDirectory ?? path.join("stacks", stack));
}

/** cdktf's output directory: CDKTF_OUTDIR (which cdktf's App honours too), else `<root>/cdktf.out`. */
export function outdirOf(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.CDKTF_OUTDIR ? path.resolve(env.CDKTF_OUTDIR) : path.join(root, "cdktf.out");
}
