/**
 * The content hash of a Docker build context, computed at synth time. It is both the image tag and
 * the hook's trigger, so an unchanged context never rebuilds and a changed one gets a new
 * immutable tag.
 *
 * What goes in, in this order: a format version, the platform, the Dockerfile's content, then for
 * every file `.dockerignore` keeps (sorted by relative POSIX path, byte order) its path, executable
 * bit and content; symlinks by their target. What stays out: mtimes, owners, the other mode bits,
 * the checkout path and empty directories, none of which change what `COPY` puts in the image.
 * The Dockerfile and the ignore file are always in, as Docker always sends them.
 *
 * Tag form: `ctx-` + the first 16 hex digits of the sha256 (64 bits), e.g. `ctx-3f9a0c1d2b4e5f60`.
 * It matches Docker's tag grammar `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}` and says where it came from.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

export const CONTEXT_HASH_FORMAT = "streamlines-context-hash/v1";
export const TAG_PREFIX = "ctx-";
export const TAG_HEX_DIGITS = 16;

export interface ContextHashInput {
  /** The build context directory. */
  readonly contextDir: string;
  /** Dockerfile path, relative to `contextDir` unless absolute. Default `Dockerfile`. */
  readonly dockerfile?: string;
  /** Target platform, `os/arch[/variant]`, e.g. `linux/arm64`. */
  readonly platform: string;
}

export interface ContextDigest {
  /** sha256, 64 hex digits. */
  readonly hash: string;
  /** The docker tag form of `hash`. */
  readonly tag: string;
  /** Relative POSIX paths of the files and symlinks that went into the hash, in hash order. */
  readonly files: readonly string[];
  /** The ignore file that applied (relative to the context when inside it), if any. */
  readonly ignoreFile?: string;
}

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

export function tagForHash(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256 hex digest: ${hash}`);
  return `${TAG_PREFIX}${hash.slice(0, TAG_HEX_DIGITS)}`;
}

export function contextHash(input: ContextHashInput): string {
  return contextDigest(input).hash;
}

export function contextTag(input: ContextHashInput): string {
  return contextDigest(input).tag;
}

// ---------------------------------------------------------------------------------------------
// .dockerignore, after moby/patternmatcher and moby's ignorefile reader.

export interface IgnorePattern {
  /** The cleaned pattern, without `!`. */
  readonly pattern: string;
  /** A `!` pattern: re-includes what it matches. */
  readonly negated: boolean;
  readonly regex: RegExp;
}

const REGEX_SPECIAL = new Set([".", "+", "(", ")", "|", "{", "}", "$", "^"]);

/** Go's filepath.Clean for slash paths: no `.` or empty segments, `..` folded, no trailing slash. */
function cleanPath(p: string): string {
  const absolute = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (seg === ".." && absolute) continue;
    else out.push(seg);
  }
  const joined = out.join("/");
  if (absolute) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/** Pattern to anchored regex: `*` and `?` stop at `/`, `**` spans directories, `\` escapes. */
function compilePattern(pattern: string, where: string): RegExp {
  let re = "^";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (inClass) {
      if (ch === "]") inClass = false;
      if (ch === "\\" && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
      else re += ch;
      continue;
    }
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") i++;
        re += i + 1 >= pattern.length ? ".*" : "(.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (ch === "?") {
      re += "[^/]";
    } else if (ch === "[") {
      inClass = true;
      re += "[";
      // filepath.Match negates a class with `^` or `!`.
      if (pattern[i + 1] === "!" || pattern[i + 1] === "^") {
        re += "^";
        i++;
      }
    } else if (ch === "\\") {
      re += i + 1 < pattern.length ? `\\${pattern[++i]}` : "\\\\";
    } else if (REGEX_SPECIAL.has(ch)) {
      re += `\\${ch}`;
    } else {
      re += ch;
    }
  }
  if (inClass) throw new Error(`${where}: bad pattern "${pattern}": unclosed [`);
  try {
    return new RegExp(`${re}$`, "s");
  } catch (e) {
    throw new Error(`${where}: bad pattern "${pattern}": ${(e as Error).message}`, { cause: e });
  }
}

/** Parses ignore-file text the way Docker does; `source` only labels errors. */
export function parseDockerignore(text: string, source = ".dockerignore"): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  lines.forEach((raw, index) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    // Docker tests for `#` before trimming: an indented `#` is a pattern.
    if (line.startsWith("#")) return;
    let p = line.trim();
    if (p === "") return;
    const negated = p.startsWith("!");
    if (negated) p = p.slice(1).trim();
    const where = `${source}:${index + 1}`;
    if (p === "") throw new Error(`${where}: "!" needs a pattern after it`);
    p = cleanPath(p);
    if (p.length > 1 && p.startsWith("/")) p = p.slice(1);
    patterns.push({ pattern: p, negated, regex: compilePattern(p, where) });
  });
  return patterns;
}

/** Decides inclusion like Docker: the last pattern matching the path or one of its parents wins. */
export class DockerIgnore {
  private readonly negations: string[][];

  constructor(readonly patterns: readonly IgnorePattern[]) {
    this.negations = patterns.filter((p) => p.negated).map((p) => p.pattern.split("/"));
  }

  static fromText(text: string, source?: string): DockerIgnore {
    return new DockerIgnore(parseDockerignore(text, source));
  }

  /** True when `relPath` (POSIX, relative to the context) is left out of the context. */
  excludes(relPath: string): boolean {
    const segments = relPath.split("/");
    const parents = segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const p of this.patterns) {
      // Only a pattern that could flip the current answer needs evaluating.
      if (p.negated !== excluded) continue;
      if (p.regex.test(relPath) || parents.some((dir) => p.regex.test(dir))) excluded = !p.negated;
    }
    return excluded;
  }

  /**
   * Whether a `!` pattern could re-include something below the excluded directory `relDir`.
   * Errs towards yes: a yes only costs walking the directory.
   */
  mayReincludeUnder(relDir: string): boolean {
    const dir = relDir.split("/");
    return this.negations.some((pat) => {
      for (let i = 0; i < dir.length; i++) {
        if (i >= pat.length || pat[i].includes("**")) return true;
        if (!compilePattern(pat[i], "!pattern").test(dir[i])) return false;
      }
      return true;
    });
  }
}

// ---------------------------------------------------------------------------------------------

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

interface Entry {
  readonly rel: string;
  readonly abs: string;
  readonly kind: "file" | "link";
}

function walk(root: string, ignore: DockerIgnore, always: ReadonlySet<string>): Entry[] {
  const out: Entry[] = [];
  const visit = (absDir: string, relDir: string) => {
    for (const e of fs.readdirSync(absDir, { withFileTypes: true })) {
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      const abs = path.join(absDir, e.name);
      if (e.isDirectory()) {
        if (!ignore.excludes(rel) || ignore.mayReincludeUnder(rel)) visit(abs, rel);
      } else if (e.isFile() || e.isSymbolicLink()) {
        if (always.has(rel) || !ignore.excludes(rel)) out.push({ rel, abs, kind: e.isFile() ? "file" : "link" });
      }
      // Sockets, FIFOs and devices cannot be sent in a build context.
    }
  };
  visit(root, "");
  return out.sort((a, b) => byteOrder(a.rel, b.rel));
}

/** Path of `abs` relative to `root` in POSIX form, or undefined when it lies outside. */
function inside(root: string, abs: string): string | undefined {
  const rel = path.relative(root, abs);
  if (rel === "" || rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join("/");
}

export function contextDigest(input: ContextHashInput): ContextDigest {
  const root = path.resolve(input.contextDir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new Error(`image build context ${input.contextDir} is not a directory`);
  }
  if (!PLATFORM.test(input.platform)) {
    throw new Error(`image platform "${input.platform}" is not os/arch[/variant], e.g. linux/amd64`);
  }
  const dockerfile = path.resolve(root, input.dockerfile ?? "Dockerfile");
  if (!fs.existsSync(dockerfile) || !fs.statSync(dockerfile).isFile()) {
    throw new Error(`Dockerfile ${dockerfile} does not exist (context ${input.contextDir})`);
  }

  // BuildKit prefers `<Dockerfile>.dockerignore` next to the Dockerfile over the context's own.
  const candidates = [`${dockerfile}.dockerignore`, path.join(root, ".dockerignore")];
  const ignorePath = candidates.find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
  const ignore = ignorePath ? DockerIgnore.fromText(fs.readFileSync(ignorePath, "utf8"), ignorePath) : new DockerIgnore([]);
  const always = new Set(
    [dockerfile, ignorePath].flatMap((f) => {
      const rel = f ? inside(root, f) : undefined;
      return rel ? [rel] : [];
    }),
  );

  const h = createHash("sha256");
  const field = (...parts: Array<string | number>) => h.update(parts.map((p) => `${p}\0`).join(""));
  const dockerfileContent = fs.readFileSync(dockerfile);
  field(CONTEXT_HASH_FORMAT, "platform", input.platform, "dockerfile", dockerfileContent.length);
  h.update(dockerfileContent);

  const entries = walk(root, ignore, always);
  for (const e of entries) {
    if (e.kind === "link") {
      field("link", e.rel, fs.readlinkSync(e.abs));
      continue;
    }
    const mode = (fs.statSync(e.abs).mode & 0o111) !== 0 ? "x" : "-";
    const content = fs.readFileSync(e.abs);
    field("file", e.rel, mode, content.length);
    h.update(content);
  }
  const hash = h.digest("hex");
  const ignoreFile = ignorePath ? (inside(root, ignorePath) ?? ignorePath) : undefined;
  return { hash, tag: tagForHash(hash), files: entries.map((e) => e.rel), ...(ignoreFile ? { ignoreFile } : {}) };
}
