import * as fs from "fs";
import * as path from "path";
import { repoPath } from "./repository";
import { crossChecks } from "./cross-checks";
import { CONFIG_SCHEMA } from "./schema";
import { StreamLinesConfig } from "./types";
import { ConfigProblem, applyRule, typeName } from "./validate";

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
    throw new ConfigError(
      `STREAMLINES_ENV: ${JSON.stringify(name)} is not allowed; expected an environment name such as dev, matching a file config/<name>.json`,
    );
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
  const value = p.withheld ? "(value withheld: the name says it holds a secret)" : show(p.value);
  return `${displayPath(file)}: ${p.key}: ${value} is not allowed; ${p.allowed}`;
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
    throw new ConfigError(
      `${displayPath(file)}: invalid JSON at ${jsonErrorLocation(text, err as Error)}; expected a JSON object (double-quoted keys and strings, no comments or trailing commas)`,
    );
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${displayPath(file)}: top level is ${typeName(raw)}; expected a JSON object`);
  }
  // Working copy: defaults computed from the root (app, env, region) must see validated values.
  const result = applyRule(CONFIG_SCHEMA, { ...(raw as object) });
  if (result.problem) throw new ConfigError(formatProblem(file, result.problem));
  const config: StreamLinesConfig = result.value;
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
      ? fs
          .readdirSync(projectConfigDir())
          .filter((f) => f.endsWith(".json"))
          .map((f) => f.replace(/\.json$/, ""))
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
