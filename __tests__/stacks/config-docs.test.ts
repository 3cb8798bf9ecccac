import * as fs from "fs";
import { repoPath } from "../../config/repository";
import { CONFIG_SCHEMA, Rule } from "../../config/schema";

// help/config.md's key table against the rule tree: every key documented, no documented key unknown.

interface KeyRow {
  /** The first cell: the keys the row documents. */
  readonly keys: string;
  readonly line: string;
}

function keyRows(markdown: string): KeyRow[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith("Keys\n"));
  if (!section) throw new Error("help/config.md has no '## Keys' section");
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => ({ keys: line.slice(2, line.indexOf(" | ", 2)), line }));
}

/**
 * The dotted paths a key cell names. `a.b` / `c`: a sibling, `a.c`. `...`: every sibling. `.x` / `.y`
 * after `a` / `b`: each of a.x, a.y, b.x, b.y. `<name>`: any key at that level.
 */
function documentedPaths(cell: string): string[] {
  const bases: string[] = [];
  const suffixes: string[] = [];
  let last: string | undefined;
  for (const [, code, dots] of cell.matchAll(/`([^`]+)`|(\.\.\.)/g)) {
    const parent = last?.slice(0, last.lastIndexOf("."));
    if (dots) bases.push(`${parent}.*`);
    else if (code.startsWith(".")) suffixes.push(code);
    else if (code.includes(".") || last === undefined) bases.push((last = code));
    else bases.push(`${parent}.${code}`);
  }
  return suffixes.length === 0 ? bases : bases.flatMap((b) => suffixes.map((s) => b + s));
}

/** Schema paths a documented path matches (`<name>` and `*` match any key; past a map, any entry). */
function resolve(rule: Rule, segments: readonly string[], at: string): string[] {
  if (segments.length === 0) return [at];
  const [head, ...rest] = segments;
  const join = (k: string) => (at ? `${at}.${k}` : k);
  if (rule.kind === "map") return [join(head)];
  if (rule.kind !== "object") return [];
  const keys = head === "*" || /^<\w+>$/.test(head) ? Object.keys(rule.props) : head in rule.props ? [head] : [];
  return keys.flatMap((k) => resolve(rule.props[k], rest, join(k)));
}

/** Every leaf key of the schema (objects are walked, maps and arrays are leaves), with its parent object. */
function schemaLeaves(rule: Rule, at = ""): Array<{ path: string; parent: string; name: string }> {
  if (rule.kind !== "object") return [{ path: at, parent: at.slice(0, at.lastIndexOf(".")), name: at.slice(at.lastIndexOf(".") + 1) }];
  return Object.entries(rule.props).flatMap(([k, r]) => schemaLeaves(r, at ? `${at}.${k}` : k));
}

/** What the table gets wrong: documented keys the schema lacks, and schema keys no row documents. */
function tableDrift(markdown: string, schema: Rule): { unknown: string[]; undocumented: string[] } {
  const unknown: string[] = [];
  const covered = new Map<string, string[]>();
  for (const row of keyRows(markdown)) {
    for (const documented of documentedPaths(row.keys)) {
      const matches = resolve(schema, documented.split("."), "");
      if (matches.length === 0) unknown.push(documented);
      for (const m of matches) covered.set(m, [...(covered.get(m) ?? []), row.line]);
    }
  }
  // A row naming an object documents those of its keys it names in its text.
  const undocumented = schemaLeaves(schema)
    .filter(
      (leaf) => !covered.has(leaf.path) && !(covered.get(leaf.parent) ?? []).some((line) => new RegExp(`\\b${leaf.name}\\b`).test(line)),
    )
    .map((leaf) => leaf.path);
  return { unknown, undocumented };
}

const markdown = fs.readFileSync(repoPath("help/config.md"), "utf8");

describe("help/config.md's key table", () => {
  it("documents every schema key and no key the schema lacks", () => {
    expect(tableDrift(markdown, CONFIG_SCHEMA)).toEqual({ unknown: [], undocumented: [] });
  });

  it("reads the table's shorthand", () => {
    expect(documentedPaths("`influx.ebs.sizeGiB` / `iops` / `throughputMiBps`")).toEqual([
      "influx.ebs.sizeGiB",
      "influx.ebs.iops",
      "influx.ebs.throughputMiBps",
    ]);
    expect(documentedPaths("`grafana.image.tag` / `buildContext` / ...")).toEqual([
      "grafana.image.tag",
      "grafana.image.buildContext",
      "grafana.image.*",
    ]);
    expect(documentedPaths("`autoscaling.backend` / `dashboard` `.min` / `.max`")).toEqual([
      "autoscaling.backend.min",
      "autoscaling.backend.max",
      "autoscaling.dashboard.min",
      "autoscaling.dashboard.max",
    ]);
    expect(documentedPaths("`network.publicSubnetCidrs`, `network.privateSubnetCidrs`")).toEqual([
      "network.publicSubnetCidrs",
      "network.privateSubnetCidrs",
    ]);
  });

  it("finds a row that is missing and a row for a key that does not exist", () => {
    const drifted = markdown
      .split("\n")
      .filter((line) => !line.startsWith("| `kms.deletionWindowDays`"))
      .join("\n")
      .replace("| `ecr.forceDelete` |", "| `ecr.forceDelete` / `keepImages` |");
    expect(tableDrift(drifted, CONFIG_SCHEMA)).toEqual({ unknown: ["ecr.keepImages"], undocumented: ["kms.deletionWindowDays"] });
  });

  it("counts a key named only in an object's row when the row names it", () => {
    const drifted = markdown.replace("`retentionHours` 24-8760", "retention 24-8760 hours");
    expect(tableDrift(drifted, CONFIG_SCHEMA).undocumented).toEqual([
      "kinesis.upstream.retentionHours",
      "kinesis.downstream.retentionHours",
    ]);
  });
});
