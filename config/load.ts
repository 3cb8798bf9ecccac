import * as fs from "fs";
import * as path from "path";
import { repoPath } from "./repository";
import { CONFIG_SCHEMA, ConfigProblem, Rule, StreamLinesConfig, crossChecks } from "./schema";

/** A config mistake. `message` is one line naming the file, key, value and what is allowed. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function projectConfigDir(): string {
  return repoPath("config");
}

/** Where the config comes from: STREAMLINES_CONFIG, else config/<STREAMLINES_ENV or dev>.json. */
export function resolveConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STREAMLINES_CONFIG) return path.resolve(env.STREAMLINES_CONFIG);
  const name = env.STREAMLINES_ENV || "dev";
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new ConfigError(`STREAMLINES_ENV: ${JSON.stringify(name)} is not allowed; expected an environment name such as dev, matching a file config/<name>.json`);
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

/** What `rule` accepts, as the "expected ..." half of a message. */
function describe(rule: Rule, root: Record<string, unknown>): string {
  switch (rule.kind) {
    case "string":
      if (rule.enum) return `expected one of ${rule.enum.map((e) => JSON.stringify(e)).join(", ")}`;
      // No check accepts an empty string, so its answer says what is allowed.
      return rule.check?.("", root) ?? "expected a string";
    case "integer":
      if (rule.oneOf) return `expected one of ${rule.oneOf.join(", ")}`;
      if (rule.min === undefined && rule.max === undefined) return "expected a whole number";
      return `expected a whole number from ${rule.min ?? "-inf"} to ${rule.max ?? "inf"}`;
    case "boolean":
      return "expected true or false";
    case "array":
      return rule.length === undefined ? "expected an array" : `expected an array of ${rule.length} entries`;
    case "object":
      return `expected an object with keys ${Object.keys(rule.props).join(", ")}`;
    case "map":
      return "expected an object of names to values";
  }
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
    return at(`this key is required; ${describe(rule, root)}`);
  }
  switch (rule.kind) {
    case "string": {
      if (typeof value !== "string") return at(rule.enum ? `expected one of ${rule.enum.map((e) => JSON.stringify(e)).join(", ")}` : `expected a string, got ${typeName(value)}`);
      if (rule.enum && !rule.enum.includes(value)) return at(`expected one of ${rule.enum.map((e) => JSON.stringify(e)).join(", ")}`);
      const bad = rule.check?.(value, root);
      return bad ? at(bad) : { value };
    }
    case "integer": {
      // "got number" would be no help for 1.5, so only a wrong type is named.
      if (typeof value !== "number") return at(`${describe(rule, root)}, got ${typeName(value)}`);
      if (!Number.isInteger(value)) return at(describe(rule, root));
      if (rule.oneOf && !rule.oneOf.includes(value)) return at(describe(rule, root));
      if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) return at(describe(rule, root));
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
          // A key is user text: quote odd ones so a newline in it cannot break the one-line message.
          const name = /^[\w$-]+$/.test(k) ? k : JSON.stringify(k);
          return { problem: { key: key ? `${key}.${name}` : name, value: input[k], allowed: `unknown key; allowed keys here: ${allowedKeys.join(", ")}` } };
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
    case "map": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return at(`expected an object of names to values, got ${typeName(value)}`);
      const entries = Object.entries(value as Record<string, unknown>);
      if (rule.maxEntries !== undefined && entries.length > rule.maxEntries) return at(`expected at most ${rule.maxEntries} entries, got ${entries.length}`);
      const out: Record<string, unknown> = {};
      for (const [k, v] of entries) {
        // A key is user text: quote odd ones so a newline in it cannot break the one-line message.
        const entryKey = `${key}.${/^[\w$-]+$/.test(k) ? k : JSON.stringify(k)}`;
        const badKey = rule.keyCheck(k);
        if (badKey) return { problem: { key: entryKey, value: v, allowed: badKey } };
        const r = apply(rule.values, v, entryKey, root);
        if (r.problem) return r;
        out[k] = r.value;
      }
      return { value: out };
    }
  }
}

/** Offset of the first JSON syntax error. V8 leaves it out of some messages ("Unexpected token", end of input). */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const stop = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const str = () => {
    for (i++; i < text.length; i++) {
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c < " ") stop();
      if (c === "\\") {
        i++;
        if (/^(["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(text.slice(i, i + 5))) i += text[i] === "u" ? 4 : 0;
        else stop();
      }
    }
    stop();
  };
  const value = (): void => {
    space();
    const open = text[i];
    if (open === "{" || open === "[") {
      const close = open === "{" ? "}" : "]";
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (open === "{") {
          space();
          if (text[i] !== '"') stop();
          str();
          space();
          if (text[i] !== ":") stop();
          i++;
        }
        value();
        space();
        if (text[i] !== "," && text[i] !== close) stop();
        if (text[i++] === close) return;
      }
    }
    if (open === '"') return str();
    // Stops where V8 does: at the first wrong character of a literal, not at its start.
    const word = ["true", "false", "null"].find((w) => w[0] === open);
    for (const c of word ?? "") {
      if (text[i] !== c) stop();
      i++;
    }
    if (word) return;
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!number) stop();
    i += number![0].length;
  };
  try {
    value();
    space();
    if (i < text.length) stop();
  } catch (at) {
    // Anything but an offset (a stack overflow on absurd nesting) points at the end rather than crash.
    return typeof at === "number" ? at : text.length;
  }
  return text.length;
}

function jsonErrorLocation(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  const offset = m ? Number(m[1]) : jsonErrorOffset(text);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  // V8 may quote the source, newlines included; keep the reason and drop the quote.
  const reason = err.message
    .replace(/ in JSON at position \d+.*$/s, "")
    .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, "")
    .replace(/[\r\n\t]/g, (c) => JSON.stringify(c).slice(1, -1));
  return `line ${line} column ${column}: ${reason}`;
}

/** Parses and validates a config text; `file` is only used in messages. */
export function parseConfig(text: string, file: string): StreamLinesConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${displayPath(file)}: invalid JSON at ${jsonErrorLocation(text, err as Error)}; expected a JSON object (double-quoted keys and strings, no comments or trailing commas)`);
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

/** For command-line entry points: the selected config, or one `config error:` line and exit 1. */
export function loadConfigOrExit(): StreamLinesConfig {
  try {
    return loadConfig(resolveConfigPath());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`config error: ${err.message}\n`);
    process.exit(1);
  }
}
