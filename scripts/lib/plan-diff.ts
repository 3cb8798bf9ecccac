/**
 * Reads `terraform show -json <planfile>` and sorts every planned change into accepted (a known
 * emulator gap) or rejected. Used by the acceptance tier; meant for plan review tooling as well.
 */
import * as fs from "fs";

export type ChangeKind = "update" | "replace" | "create" | "delete" | "other";

export interface GapEntry {
  /** Terraform resource type, e.g. `aws_kinesis_stream`. */
  readonly type: string;
  /** Top-level attribute, or `*` for any (only sensible with create/delete). */
  readonly attribute: string;
  /** Which kinds of change the gap excuses; `update` when absent. */
  readonly actions?: readonly ChangeKind[];
  /** Why the emulator, not our config, is at fault. */
  readonly reason: string;
}

export interface GapList {
  readonly gaps: readonly GapEntry[];
}

export interface AttributeChange {
  readonly attribute: string;
  readonly before: unknown;
  readonly after: unknown;
  /** The new value is only known after apply. */
  readonly unknown: boolean;
  /** Nested paths that differ, e.g. `default_cache_behavior[0].min_ttl` (at most a few). */
  readonly paths: readonly string[];
}

export interface ResourceFinding {
  readonly address: string;
  readonly type: string;
  readonly kind: ChangeKind;
  readonly actions: readonly string[];
  readonly changes: readonly AttributeChange[];
}

export interface Violation {
  readonly address: string;
  readonly kind: ChangeKind;
  readonly attribute: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly detail?: string;
}

export interface AcceptedGap {
  readonly address: string;
  readonly type: string;
  readonly attribute: string;
  readonly kind: ChangeKind;
  readonly reason: string;
}

export interface PlanAnalysis {
  /** No change at all. */
  readonly clean: boolean;
  /** Every change is covered by the gap list. */
  readonly ok: boolean;
  readonly accepted: readonly AcceptedGap[];
  readonly violations: readonly Violation[];
}

/** The subset of Terraform's JSON plan format this module reads. */
export interface PlanJson {
  resource_changes?: Array<{
    address: string;
    type: string;
    mode?: string;
    change: { actions: string[]; before?: unknown; after?: unknown; after_unknown?: unknown; replace_paths?: unknown };
  }>;
  output_changes?: Record<string, { actions: string[]; before?: unknown; after?: unknown; after_unknown?: unknown }>;
}

export function loadGapList(file: string): GapList {
  const list = JSON.parse(fs.readFileSync(file, "utf8")) as GapList;
  for (const [i, g] of (list.gaps ?? []).entries()) {
    if (!g.type || !g.attribute || !g.reason?.trim()) throw new Error(`${file}: gaps[${i}] needs type, attribute and a reason`);
  }
  return list;
}

export function changeKind(actions: readonly string[]): ChangeKind | undefined {
  const a = [...actions].sort().join(",");
  if (a === "no-op" || a === "read") return undefined;
  if (a === "update") return "update";
  if (a === "create,delete") return "replace";
  if (a === "create") return "create";
  if (a === "delete") return "delete";
  return "other";
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** after_unknown mirrors the value's shape with `true` where a value is unknown. */
function containsUnknown(v: unknown): boolean {
  if (v === true) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (isObject(v)) return Object.values(v).some(containsUnknown);
  return false;
}

/** Paths where `a` and `b` differ; null and absent count as equal. */
function differingPaths(a: unknown, b: unknown, path: string, out: string[], limit = 5): void {
  if (out.length >= limit) return;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(`${path} (length ${a.length} -> ${b.length})`);
      return;
    }
    a.forEach((x, i) => differingPaths(x, b[i], `${path}[${i}]`, out, limit));
    return;
  }
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) differingPaths(a[k], b[k], path ? `${path}.${k}` : k, out, limit);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
}

function unknownPaths(u: unknown, path: string, out: string[], limit = 5): void {
  if (out.length >= limit) return;
  if (u === true) out.push(`${path} (known after apply)`);
  else if (Array.isArray(u)) u.forEach((x, i) => unknownPaths(x, `${path}[${i}]`, out, limit));
  else if (isObject(u)) for (const [k, x] of Object.entries(u)) unknownPaths(x, `${path}.${k}`, out, limit);
}

/** Top-level attributes whose value differs between before and after (unknown counts as changed). */
export function attributeChanges(before: unknown, after: unknown, afterUnknown: unknown): AttributeChange[] {
  const b = isObject(before) ? before : {};
  const a = isObject(after) ? after : {};
  const u = isObject(afterUnknown) ? afterUnknown : {};
  const changes: AttributeChange[] = [];
  for (const attribute of [...new Set([...Object.keys(b), ...Object.keys(a), ...Object.keys(u)])].sort()) {
    const unknown = containsUnknown(u[attribute]);
    const paths: string[] = [];
    if (unknown) unknownPaths(u[attribute], attribute, paths);
    else differingPaths(b[attribute], a[attribute], attribute, paths);
    if (unknown || paths.length > 0)
      changes.push({ attribute, before: b[attribute], after: unknown ? "(known after apply)" : a[attribute], unknown, paths });
  }
  return changes;
}

/** Every managed resource the plan would change, with its changed attributes. */
export function resourceFindings(plan: PlanJson): ResourceFinding[] {
  const findings: ResourceFinding[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === "data") continue;
    const kind = changeKind(rc.change.actions);
    if (!kind) continue;
    findings.push({
      address: rc.address,
      type: rc.type,
      kind,
      actions: rc.change.actions,
      changes: attributeChanges(rc.change.before, rc.change.after, rc.change.after_unknown),
    });
  }
  return findings;
}

function findGap(gaps: GapList, type: string, attribute: string, kind: ChangeKind): GapEntry | undefined {
  return gaps.gaps.find(
    (g) => g.type === type && (g.attribute === attribute || g.attribute === "*") && (g.actions ?? ["update"]).includes(kind),
  );
}

/** Sorts a plan's changes into known emulator gaps and violations. */
export function analyzePlan(plan: PlanJson, gaps: GapList): PlanAnalysis {
  const accepted: AcceptedGap[] = [];
  const violations: Violation[] = [];
  const findings = resourceFindings(plan);
  for (const f of findings) {
    if (f.kind === "create" || f.kind === "delete" || f.kind === "other") {
      const gap = findGap(gaps, f.type, "*", f.kind);
      if (gap) accepted.push({ address: f.address, type: f.type, attribute: "*", kind: f.kind, reason: gap.reason });
      else
        violations.push({
          address: f.address,
          kind: f.kind,
          attribute: "*",
          before: undefined,
          after: undefined,
          detail: `would ${f.actions.join(" and ")}`,
        });
      continue;
    }
    if (f.changes.length === 0) {
      violations.push({
        address: f.address,
        kind: f.kind,
        attribute: "(none visible)",
        before: undefined,
        after: undefined,
        detail: `planned ${f.kind} without a visible attribute change`,
      });
      continue;
    }
    for (const c of f.changes) {
      const gap = findGap(gaps, f.type, c.attribute, f.kind);
      if (gap) accepted.push({ address: f.address, type: f.type, attribute: c.attribute, kind: f.kind, reason: gap.reason });
      else
        violations.push({
          address: f.address,
          kind: f.kind,
          attribute: c.attribute,
          before: c.before,
          after: c.after,
          detail: c.paths.join(", "),
        });
    }
  }
  let outputChanges = 0;
  for (const [name, oc] of Object.entries(plan.output_changes ?? {})) {
    const kind = changeKind(oc.actions);
    if (!kind) continue;
    outputChanges++;
    violations.push({
      address: `output.${name}`,
      kind,
      attribute: "value",
      before: oc.before,
      after: containsUnknown(oc.after_unknown) ? "(known after apply)" : oc.after,
    });
  }
  return { clean: findings.length === 0 && outputChanges === 0, ok: violations.length === 0, accepted, violations };
}

/** `aws_kinesis_stream.tags` style names of the accepted gaps, deduplicated. */
export function acceptedGapNames(analysis: PlanAnalysis): string[] {
  return [
    ...new Set(analysis.accepted.map((a) => (a.kind === "update" ? `${a.type}.${a.attribute}` : `${a.type}.${a.attribute} (${a.kind})`))),
  ].sort();
}

function show(value: unknown, max = 300): string {
  const text = value === undefined ? "(absent)" : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** One line per violation: address, attribute, before and after. */
export function formatViolations(violations: readonly Violation[]): string[] {
  return violations.map((v) =>
    v.attribute === "*"
      ? `${v.address}: ${v.kind} (${v.detail ?? "not covered by the gap list"})`
      : `${v.address}: ${v.kind} ${v.attribute}: ${show(v.before)} -> ${show(v.after)}${v.detail ? ` [${v.detail}]` : ""}`,
  );
}
