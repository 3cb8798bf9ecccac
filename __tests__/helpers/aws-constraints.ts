/**
 * Checks the literal values of synthesized resources against AWS's API models (the table that
 * scripts/generate-aws-constraints.ts writes from botocore) and against AWS's tag rules.
 */
import type { ApiMapping } from "../../scripts/lib/aws-api-map";
import type { ConstraintsTable, TableShape } from "../../scripts/generate-aws-constraints";

/** Terraform meta-arguments: none of them reaches an API. */
const META = new Set(["//", "lifecycle", "depends_on", "provider", "count", "for_each", "provisioner", "connection", "timeouts"]);

export interface Coverage {
  /** Literal leaf values seen (interpolations excluded). */
  literals: number;
  /** Literals whose API member has a pattern, length, enum or range, checked against it. */
  checked: number;
  /** Literals that map to an API member without constraints (booleans, free strings, converted by the provider). */
  mappedUnconstrained: number;
  /** Literals with no API member: listed by `type.path` in `unmappedPaths`. */
  unmapped: number;
  /** Values that are Terraform expressions, known only at apply. */
  interpolated: number;
  /** Tag keys and values checked against AWS's tag rules. */
  tags: number;
  unmappedPaths: Map<string, number>;
  checkedPaths: Set<string>;
}

export const emptyCoverage = (): Coverage => ({
  literals: 0,
  checked: 0,
  mappedUnconstrained: 0,
  unmapped: 0,
  interpolated: 0,
  tags: 0,
  unmappedPaths: new Map(),
  checkedPaths: new Set(),
});

const normalize = (name: string) => name.replace(/_/g, "").toLowerCase();

/** Java's POSIX classes (ASCII, as Java defaults) and the few other names JavaScript spells differently. */
const JAVA_CLASSES: Record<string, string> = {
  Print: "\\x20-\\x7E",
  Graph: "\\x21-\\x7E",
  Alnum: "A-Za-z0-9",
  Alpha: "A-Za-z",
  Digit: "0-9",
  Upper: "A-Z",
  Lower: "a-z",
  XDigit: "0-9A-Fa-f",
  Punct: "!-\\/:-@\\[-`{-~",
  ASCII: "\\x00-\\x7F",
  Blank: " \\t",
  Cntrl: "\\x00-\\x1F\\x7F",
  Space: " \\t\\n\\x0B\\f\\r",
  all: "\\s\\S",
  LD: "\\p{L}\\p{Nd}",
  IsAlphabetic: "\\p{Alphabetic}",
  IsWhitespace: "\\p{White_Space}",
};
const SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);

/** A Java regex (as AWS's models write them) in JavaScript's `u` syntax. */
export function javaToJs(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      const named = /^p\{(\w+)\}/.exec(pattern.slice(i + 1));
      if (named && JAVA_CLASSES[named[1]]) {
        out += inClass ? JAVA_CLASSES[named[1]] : `[${JAVA_CLASSES[named[1]]}]`;
        i += named[0].length;
      } else if (/[A-Za-z0-9]/.test(next) || SYNTAX.has(next) || (next === "-" && inClass)) {
        out += c + next;
        i++;
      } else {
        // Java escapes any punctuation; `u` mode only syntax characters.
        out += next;
        i++;
      }
      continue;
    }
    if (c === "[" && !inClass) inClass = true;
    else if (c === "]" && inClass) inClass = false;
    out += c;
  }
  // Java lets a lookahead take a quantifier; it means the lookahead once.
  return out.replace(/(\(\?[!=][^()]*\))[+*]/g, "$1");
}

/** AWS API patterns are Java regexes matched whole (Java's `matches`). */
const compiled = new Map<string, RegExp | null>();
function fullMatch(pattern: string): RegExp | null {
  if (!compiled.has(pattern)) {
    try {
      compiled.set(pattern, new RegExp(`^(?:${javaToJs(pattern)})$`, "u"));
    } catch {
      compiled.set(pattern, null);
    }
  }
  return compiled.get(pattern) as RegExp | null;
}

/** Patterns that JavaScript cannot compile, so only their length and enum are checked. */
export function uncompilablePatterns(table: ConstraintsTable): string[] {
  const out = new Set<string>();
  for (const service of Object.values(table.services)) {
    for (const shape of Object.values(service.shapes)) if (shape.pattern && !fullMatch(shape.pattern)) out.add(shape.pattern);
  }
  return [...out].sort();
}

const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** AWS's tag rules, common to every service that tags: https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html */
export function checkTagMap(where: string, tags: Record<string, unknown>, coverage: Coverage): string[] {
  const out: string[] = [];
  const keys = Object.keys(tags);
  if (keys.length > 50) out.push(`${where}: ${keys.length} tags; AWS allows 50 per resource`);
  for (const [key, raw] of Object.entries(tags)) {
    coverage.tags++;
    const value = String(raw);
    if (key.length < 1 || [...key].length > 128) out.push(`${where}: tag key "${key}" must be 1-128 characters`);
    if (!TAG_CHARS.test(key)) out.push(`${where}: tag key "${key}" has characters outside letters, digits, spaces and _.:/=+-@`);
    if (/^aws:/i.test(key)) out.push(`${where}: tag key "${key}" uses the reserved aws: prefix`);
    if (value.includes("${")) continue;
    if ([...value].length > 256) out.push(`${where}: tag ${key} value is longer than 256 characters`);
    if (!TAG_CHARS.test(value))
      out.push(`${where}: tag ${key} value "${value}" has characters outside letters, digits, spaces and _.:/=+-@`);
  }
  return out;
}

interface Walk {
  readonly type: string;
  readonly address: string;
  readonly mapping: ApiMapping;
  readonly shapes: Record<string, TableShape>;
  readonly coverage: Coverage;
  readonly findings: string[];
}

function leaves(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(leaves);
  return [value];
}

function countUnmapped(w: Walk, value: unknown, tfPath: string): void {
  for (const leaf of leaves(value)) {
    if (typeof leaf === "string" && leaf.includes("${")) {
      w.coverage.interpolated++;
      continue;
    }
    w.coverage.literals++;
    w.coverage.unmapped++;
    const key = `${w.type}.${tfPath}`;
    w.coverage.unmappedPaths.set(key, (w.coverage.unmappedPaths.get(key) ?? 0) + 1);
  }
}

/** The member of a structure that a Terraform attribute names: same name, or the list it is the singular of. */
function memberFor(shape: TableShape, key: string): string | undefined {
  const members = Object.keys(shape.members ?? {});
  const n = normalize(key);
  const candidates = [n, `${n}s`, `${n}es`, n.endsWith("y") ? `${n.slice(0, -1)}ies` : undefined, n.replace(/s$/, "")];
  for (const c of candidates) {
    const hit = members.find((m) => normalize(m) === c);
    if (hit) return hit;
  }
  return undefined;
}

/** Follows a dotted member path from a shape; returns the last shape's name. */
function resolveMembers(w: Walk, from: string, dotted: string): string | undefined {
  let current: string | undefined = from;
  for (const step of dotted.split(".")) {
    const shape: TableShape | undefined = current ? w.shapes[current] : undefined;
    // Blocks hold lists of structures: step through the list to its member.
    const struct: TableShape | undefined = shape?.type === "list" && shape.member ? w.shapes[shape.member] : shape;
    current = struct?.members?.[step];
  }
  return current;
}

function checkScalar(w: Walk, value: unknown, shapeName: string, display: string, tfPath: string): void {
  if (typeof value === "string" && value.includes("${")) {
    w.coverage.interpolated++;
    return;
  }
  w.coverage.literals++;
  const shape = w.shapes[shapeName];
  const numeric = ["integer", "long", "double", "float"].includes(shape.type);
  const constrained = shape.pattern !== undefined || shape.enum !== undefined || shape.min !== undefined || shape.max !== undefined;
  // The provider converts between types (a bool to "internet-facing", a number to a string): nothing to compare.
  const comparable = numeric
    ? typeof value === "number"
    : shape.type === "string" && (typeof value === "string" || typeof value === "number");
  if (!constrained || !comparable) {
    w.coverage.mappedUnconstrained++;
    return;
  }
  w.coverage.checked++;
  w.coverage.checkedPaths.add(`${w.type}.${tfPath}`);
  const at = `${w.address}.${display} = ${JSON.stringify(value)}`;
  if (numeric) {
    const n = value as number;
    if (shape.min !== undefined && n < shape.min) w.findings.push(`${at}: below ${shapeName}'s minimum ${shape.min}`);
    if (shape.max !== undefined && n > shape.max) w.findings.push(`${at}: above ${shapeName}'s maximum ${shape.max}`);
    return;
  }
  const text = String(value);
  const length = [...text].length;
  if (shape.enum && !shape.enum.includes(text)) w.findings.push(`${at}: not one of ${shapeName}'s values ${shape.enum.join(", ")}`);
  if (shape.min !== undefined && length < shape.min) w.findings.push(`${at}: shorter than ${shapeName}'s minimum length ${shape.min}`);
  if (shape.max !== undefined && length > shape.max) w.findings.push(`${at}: longer than ${shapeName}'s maximum length ${shape.max}`);
  const re = shape.pattern ? fullMatch(shape.pattern) : null;
  if (re && !re.test(text)) w.findings.push(`${at}: does not match ${shapeName}'s pattern ${shape.pattern}`);
}

function walk(w: Walk, value: unknown, shapeName: string | undefined, tfPath: string, display: string): void {
  if (value === null || value === undefined) return;
  if (!shapeName || !w.shapes[shapeName]) return countUnmapped(w, value, tfPath);
  const shape = w.shapes[shapeName];
  const isObject = typeof value === "object" && !Array.isArray(value);

  // Interpolations sit inside the document's strings, so it parses before apply too.
  if (tfPath && w.mapping.json?.includes(tfPath) && typeof value === "string") {
    return walk({ ...w, mapping: {} as ApiMapping }, JSON.parse(value), shapeName, `${tfPath}(json)`, display);
  }

  if (shape.type === "list") {
    const items = Array.isArray(value) ? value : [value];
    if (Array.isArray(value) && shape.max !== undefined && value.length > shape.max)
      w.findings.push(`${w.address}.${display}: ${value.length} items; ${shapeName} allows at most ${shape.max}`);
    // A Terraform map where the API takes a list of Key/Value (or Name/Value) pairs: tags, dimensions.
    const pair = shape.member ? w.shapes[shape.member] : undefined;
    const keyMember = pair?.members?.Key ?? pair?.members?.Name;
    if (isObject && pair?.type === "structure" && keyMember && pair.members?.Value) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        checkScalar(w, k, keyMember, `${display}{key}`, `${tfPath}{key}`);
        walk(w, v, pair.members.Value, tfPath, `${display}.${k}`);
      }
      return;
    }
    items.forEach((item, i) => walk(w, item, shape.member, tfPath, Array.isArray(value) ? `${display}[${i}]` : display));
    return;
  }
  if (shape.type === "map") {
    if (!isObject) return countUnmapped(w, value, tfPath);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (shape.key) checkScalar(w, k, shape.key, `${display}{key}`, `${tfPath}{key}`);
      walk(w, v, shape.value, tfPath, `${display}.${k}`);
    }
    return;
  }
  if (shape.type === "structure") {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(w, item, shapeName, tfPath, `${display}[${i}]`));
      return;
    }
    // CloudFront wraps lists as {Quantity, Items}; Terraform gives the items.
    if (shape.members?.Items && shape.members.Quantity && !(isObject && "items" in (value as object))) {
      return walk(w, value, shape.members.Items, tfPath, display);
    }
    if (!isObject) return countUnmapped(w, value, tfPath);
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (META.has(key)) continue;
      const childPath = tfPath ? `${tfPath}.${key}` : key;
      const childDisplay = display ? `${display}.${key}` : key;
      const byHand = w.mapping.members?.[childPath];
      const auto = memberFor(shape, key);
      // Tags whose API takes them in another shape (EC2's TagSpecifications) are checked by the tag rules alone.
      if (byHand === undefined && !auto && key === "tags") continue;
      const member =
        byHand === undefined
          ? auto
            ? shape.members?.[auto]
            : undefined
          : byHand === ""
            ? undefined
            : byHand === "."
              ? shapeName
              : resolveMembers(w, shapeName, byHand);
      walk(w, child, member, childPath, childDisplay);
    }
    return;
  }
  checkScalar(w, value, shapeName, display, tfPath);
}

/** Findings for one resource; counts what it covers into `coverage`. */
export function checkResource(
  table: ConstraintsTable,
  mapping: ApiMapping,
  type: string,
  name: string,
  body: Record<string, unknown>,
  coverage: Coverage,
): string[] {
  const root = table.roots[type];
  if (!root) throw new Error(`${type} is mapped but not in the constraints table: run npm run gen:constraints`);
  const w: Walk = { type, address: `${type}.${name}`, mapping, shapes: table.services[root.service].shapes, coverage, findings: [] };
  walk(w, body, root.shape, "", "");
  if (body.tags && typeof body.tags === "object")
    w.findings.push(...checkTagMap(`${w.address}.tags`, body.tags as Record<string, unknown>, coverage));
  return w.findings;
}
