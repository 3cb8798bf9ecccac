import * as fs from "fs";
import * as path from "path";
import { CONFIG_SCHEMA, ConfigProblem, Rule, StreamLinesConfig, crossChecks } from "./schema";

/** A config mistake. `message` is one line naming the file, key, value and what is allowed. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function projectConfigDir(): string {
  // Compiled code lives in dist/config, sources in config/: both resolve to <root>/config.
  const here = __dirname;
  const root = path.basename(path.dirname(here)) === "dist" ? path.dirname(path.dirname(here)) : path.dirname(here);
  return path.join(root, "config");
}

/** Where the config comes from: STREAMLINES_CONFIG, else config/<STREAMLINES_ENV or dev>.json. */
export function resolveConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STREAMLINES_CONFIG) return path.resolve(env.STREAMLINES_CONFIG);
  const name = env.STREAMLINES_ENV || "dev";
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new ConfigError(`STREAMLINES_ENV: "${name}" is invalid; expected an environment name such as dev, matching a file config/<name>.json`);
  }
  return path.join(projectConfigDir(), `${name}.json`);
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}

function show(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function formatProblem(file: string, p: ConfigProblem): string {
  return `${displayPath(file)}: ${p.key}: ${show(p.value)} is not allowed; ${p.allowed}`;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Validates `value` against `rule`, returning the value with defaults filled in, or the first problem. */
function apply(rule: Rule, value: unknown, key: string, root: Record<string, unknown>): { value?: unknown; problem?: ConfigProblem } {
  const at = (allowed: string) => ({ problem: { key, value, allowed } });
  if (value === undefined) {
    if (rule.kind === "object" && rule.optional) return rule.absentMeansOff ? {} : apply(rule, {}, key, root);
    if ("default" in rule && rule.default !== undefined) {
      const dflt = typeof rule.default === "function" ? rule.default(root) : rule.default;
      return apply({ ...rule, default: undefined, optional: false } as Rule, dflt, key, root);
    }
    if (rule.optional) return {};
  }
  switch (rule.kind) {
    case "string": {
      if (typeof value !== "string") return at(rule.enum ? `expected one of ${rule.enum.map((e) => JSON.stringify(e)).join(", ")}` : `expected a string, got ${typeName(value)}`);
      if (rule.enum && !rule.enum.includes(value)) return at(`expected one of ${rule.enum.map((e) => JSON.stringify(e)).join(", ")}`);
      const bad = rule.check?.(value, root);
      return bad ? at(bad) : { value };
    }
    case "integer": {
      if (typeof value !== "number" || !Number.isInteger(value)) return at(`expected a whole number, got ${typeName(value)}`);
      if (rule.oneOf && !rule.oneOf.includes(value)) return at(`expected one of ${rule.oneOf.join(", ")}`);
      if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
        return at(`expected a whole number from ${rule.min ?? "-inf"} to ${rule.max ?? "inf"}`);
      }
      return { value };
    }
    case "boolean":
      return typeof value === "boolean" ? { value } : at(`expected true or false, got ${typeName(value)}`);
    case "array": {
      if (!Array.isArray(value)) return at(`expected an array, got ${typeName(value)}`);
      if (rule.length !== undefined && value.length !== rule.length) return at(`expected exactly ${rule.length} entries, got ${value.length}`);
      const out: unknown[] = [];
      for (const [i, item] of value.entries()) {
        const r = apply(rule.items, item, `${key}[${i}]`, root);
        if (r.problem) return r;
        out.push(r.value);
      }
      return { value: out };
    }
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return at(`expected an object, got ${typeName(value)}`);
      const input = value as Record<string, unknown>;
      const allowedKeys = Object.keys(rule.props);
      for (const k of Object.keys(input)) {
        if (!allowedKeys.includes(k)) {
          return { problem: { key: key ? `${key}.${k}` : k, value: input[k], allowed: `unknown key; allowed keys here: ${allowedKeys.join(", ")}` } };
        }
      }
      // The root object is its own context: defaults and checks see the values the file gave.
      const ctx = key === "" ? input : root;
      const out: Record<string, unknown> = {};
      for (const k of allowedKeys) {
        const r = apply(rule.props[k], input[k], key ? `${key}.${k}` : k, ctx);
        if (r.problem) return r;
        if (r.value !== undefined) out[k] = r.value;
        if (key === "") (ctx as Record<string, unknown>)[k] = r.value ?? input[k];
      }
      return { value: out };
    }
  }
}

function jsonErrorLocation(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  if (!m) return err.message;
  const before = text.slice(0, Number(m[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `line ${line} column ${column}: ${err.message.replace(/ in JSON at position \d+.*$/, "")}`;
}

/** Parses and validates a config text; `file` is only used in messages. */
export function parseConfig(text: string, file: string): StreamLinesConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${displayPath(file)}: invalid JSON at ${jsonErrorLocation(text, err as Error)}; expected a JSON object`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${displayPath(file)}: top level is ${typeName(raw)}; expected a JSON object`);
  }
  // Working copy: defaults computed from the root (app, env, region) must see validated values.
  const result = apply(CONFIG_SCHEMA, { ...(raw as object) }, "", {});
  if (result.problem) throw new ConfigError(formatProblem(file, result.problem));
  const config = result.value as StreamLinesConfig;
  const cross = crossChecks(config);
  if (cross) throw new ConfigError(formatProblem(file, cross));
  return config;
}

export function loadConfig(file: string = resolveConfigPath()): StreamLinesConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found" : `cannot read (${code ?? (err as Error).message})`;
    const known = fs.existsSync(projectConfigDir())
      ? fs.readdirSync(projectConfigDir()).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, ""))
      : [];
    throw new ConfigError(
      `${displayPath(file)}: ${reason}; expected STREAMLINES_ENV to name one of: ${known.join(", ") || "(none)"}, or STREAMLINES_CONFIG=<path> to point at a config file`,
    );
  }
  return parseConfig(text, file);
}
