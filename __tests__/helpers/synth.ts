import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { loadConfig, parseConfig } from "../../config/load";
import { StreamLinesConfig } from "../../config/schema";
import { buildStacks } from "../../stacks/app";
import { repoRoot } from "../../config/repository";
import { CdktfManifest, readManifest } from "../../scripts/lib/stacks";

export const ROOT = repoRoot();

/** Synthesized Terraform JSON of one stack. */
export type StackJson = {
  terraform: Record<string, unknown>;
  provider?: Record<string, Array<Record<string, unknown>>>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, unknown>;
  [key: string]: unknown;
};

export interface Synthesized {
  readonly config: StreamLinesConfig;
  readonly stacks: Record<string, StackJson>;
  /** cdktf's manifest.json: stack dependencies, the input of the apply phases. */
  readonly manifest: CdktfManifest;
}

/** Loads `config/<name>.json`, or a fixture path. */
export function configNamed(nameOrPath: string): StreamLinesConfig {
  const file = nameOrPath.endsWith(".json") ? nameOrPath : path.join(ROOT, "config", `${nameOrPath}.json`);
  return loadConfig(file);
}

/** Applies `patch` (deep merge) to a config file's JSON and validates the result. */
export function configWith(name: string, patch: Record<string, unknown>): StreamLinesConfig {
  const file = path.join(ROOT, "config", `${name}.json`);
  const merged = deepMerge(JSON.parse(fs.readFileSync(file, "utf8")), patch);
  return parseConfig(JSON.stringify(merged), file);
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (typeof base !== "object" || base === null || Array.isArray(base)) return patch;
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = v === undefined ? undefined : deepMerge(out[k], v);
  return out;
}

/**
 * Builds every stack, then synthesizes once, so cross-stack references render.
 * Within one jest run the output is shared by the test files through SYNTH_SHARE_ENV (jest.setup-synth-share.js):
 * the same config gives byte-identical output (realtime.test.ts proves it), so a config that five files assert
 * over is synthesized once. Keyed by the config and the STREAMLINES_* environment; every run starts empty.
 */
export function synthAll(config: StreamLinesConfig): Synthesized {
  const shareDir = process.env[SYNTH_SHARE_ENV];
  if (!shareDir) return { config, ...synthFresh(config) };
  const file = path.join(shareDir, `${synthKey(config)}.json`);
  if (!fs.existsSync(file)) {
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, JSON.stringify(synthFresh(config)));
    fs.renameSync(partial, file);
  }
  const shared = JSON.parse(fs.readFileSync(file, "utf8")) as Omit<Synthesized, "config">;
  return { config, ...shared };
}

/** The environment variable naming the run's shared synth directory; unset, every call synthesizes. */
export const SYNTH_SHARE_ENV = "STREAMLINES_TEST_SYNTH_SHARE";

function synthKey(config: StreamLinesConfig): string {
  const env = Object.entries(process.env)
    .filter(([name]) => name.startsWith("STREAMLINES_") && name !== SYNTH_SHARE_ENV)
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash("sha256")
    .update(JSON.stringify([config, env]))
    .digest("hex");
}

function synthFresh(config: StreamLinesConfig): Omit<Synthesized, "config"> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-synth-"));
  const app = new App({ outdir, skipValidation: false });
  buildStacks(app, config);
  app.synth();
  const stacksDir = path.join(outdir, "stacks");
  const stacks: Record<string, StackJson> = {};
  let manifest: CdktfManifest;
  try {
    manifest = readManifest(outdir);
    for (const name of fs.readdirSync(stacksDir)) {
      stacks[name] = JSON.parse(fs.readFileSync(path.join(stacksDir, name, "cdk.tf.json"), "utf8"));
    }
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  return { stacks, manifest };
}

/** All resources of `type` in a stack, keyed by logical id. */
export function resourcesOf(stack: StackJson, type: string): Record<string, Record<string, unknown>> {
  return stack.resource?.[type] ?? {};
}

export function dataOf(stack: StackJson, type: string): Record<string, Record<string, unknown>> {
  return stack.data?.[type] ?? {};
}

/** Stable snapshot input: drops cdktf metadata, image context hashes (tested in image-hooks), the checkout's path (hook commands and contexts), and asset hashes that change with paths or content. */
export function scrubbed(stack: StackJson): unknown {
  const text = JSON.stringify(stack, (key, value) => (key === "//" ? undefined : value), 2)
    .split(ROOT)
    .join("<ROOT>");
  return JSON.parse(
    text
      .replace(/\bctx-[0-9a-f]{16}\b/g, "ctx-<CONTEXT-HASH>")
      .replace(/[0-9A-F]{64}/g, "<ASSET-HASH>")
      .replace(/assets\/[^"/]+\/[0-9A-F]+/g, "assets/<ASSET>"),
  );
}
