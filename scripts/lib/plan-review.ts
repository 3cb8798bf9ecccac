/**
 * Reviews `terraform show -json` plans, one per stack: a warning block first for every replacement
 * and every destroy of a stateful or protected resource, then a table per stack of adds, changes,
 * replacements and destroys by resource type, and an exit code like `terraform plan
 * -detailed-exitcode`: 0 no changes, 2 changes, 1 error. Each change carries its fixed monthly
 * cost from the price table (prices.ts). A refresh-only plan reviews the same way as drift.
 * Runbook: help/plan-review.md.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs as parseUtilArgs } from "util";
import { PlanJson, changeKind } from "./plan-diff";
import { CostContext, USAGE as USAGE_CHARGES, fixedMonthlyCost } from "./plan-cost";
import { PRICE_TABLE, regionFactor, round } from "./prices";

export const EXIT_NO_CHANGES = 0;
export const EXIT_ERROR = 1;
export const EXIT_CHANGES = 2;

/**
 * Resource types that hold data Terraform cannot recreate, with what they hold. A destroy or
 * replacement of one of these loses it, so it is always in the warning block.
 */
export const STATEFUL_TYPES: Readonly<Record<string, string>> = {
  aws_ebs_volume: "the volume's data (the Influx data volume)",
  aws_ebs_snapshot: "a volume backup",
  aws_efs_file_system: "the file system's data",
  aws_dynamodb_table: "the table's items",
  aws_s3_bucket: "the bucket's objects",
  aws_kms_key: "the key to everything encrypted with it",
  aws_secretsmanager_secret: "secret values (Influx tokens)",
  aws_ecr_repository: "the pushed images",
  aws_db_instance: "a database",
  aws_rds_cluster: "a database cluster",
  aws_backup_vault: "recovery points",
  aws_kinesis_stream: "records not yet consumed",
  aws_cloudwatch_log_group: "the log history",
};

/** Attributes that, when true in the prior state, mean AWS itself refuses the delete. */
export const PROTECTION_ATTRIBUTES = [
  "deletion_protection_enabled",
  "deletion_protection",
  "enable_deletion_protection",
  "disable_api_termination",
] as const;

export type Action = "create" | "update" | "replace" | "delete" | "forget" | "import" | "move" | "other";

/** Table columns in print order; `import`, `forget`, `move` and `other` only appear when used. */
export const COLUMNS: readonly { action: Action; title: string; always: boolean }[] = [
  { action: "create", title: "add", always: true },
  { action: "update", title: "change", always: true },
  { action: "replace", title: "replace", always: true },
  { action: "delete", title: "destroy", always: true },
  { action: "import", title: "import", always: false },
  { action: "forget", title: "forget", always: false },
  { action: "move", title: "move", always: false },
  { action: "other", title: "other", always: false },
];

type PlanResourceChange = NonNullable<PlanJson["resource_changes"]>[number] & {
  name?: string;
  module_address?: string;
  action_reason?: string;
  previous_address?: string;
  change: { importing?: { id?: string } };
};

/** The parts of Terraform's JSON plan format (format_version 1.x) the review reads. */
export interface ReviewPlanJson extends Omit<PlanJson, "resource_changes"> {
  format_version?: string;
  terraform_version?: string;
  planned_values?: unknown;
  resource_changes?: PlanResourceChange[];
  resource_drift?: PlanResourceChange[];
  prior_state?: { values?: { root_module?: StateModule } };
  configuration?: {
    provider_config?: Record<string, { name?: string; expressions?: { region?: { constant_value?: unknown } } }>;
    root_module?: { resources?: Array<{ address: string; expressions?: Record<string, unknown> }> };
  };
  errored?: boolean;
  complete?: boolean;
}

interface StateModule {
  resources?: Array<{ address: string; type: string; values?: unknown }>;
  child_modules?: StateModule[];
}

/** What a change does to the fixed monthly cost, in the plan's region (region factor applied). */
export interface ResourceCost {
  readonly before?: number;
  readonly after?: number;
  readonly delta: number;
  readonly basisBefore?: string;
  readonly basisAfter?: string;
  /** Why part of the price is not known: the resource is shown without that part. */
  readonly unpriced?: string;
  /** The usage-based charges on top, never estimated. */
  readonly usage?: string;
}

export interface StackCost {
  /** The stack's fixed monthly cost before and after the plan; absent for drift (no full list). */
  readonly before?: number;
  readonly after?: number;
  readonly delta: number;
  /** Resource types with usage-based charges among the changed resources, with how many. */
  readonly usage: ReadonlyMap<string, number>;
  readonly region?: string;
  readonly factor: number;
}

export type ReviewMode = "plan" | "drift";

export interface ResourceReview {
  readonly address: string;
  readonly type: string;
  /** What the table counts; a resource that is imported and updated counts in both. */
  readonly actions: readonly Action[];
  /** Terraform's own action list, e.g. `["delete", "create"]`. */
  readonly planActions: readonly string[];
  readonly actionReason?: string;
  /** Attributes that force the replacement, e.g. `availability_zone`. */
  readonly replacePaths: readonly string[];
  /** What a destroy loses, when the type is stateful. */
  readonly stateful?: string;
  /** Why the resource is protected: `prevent_destroy` and/or a protection attribute. */
  readonly protectedBy: readonly string[];
  /** Absent for types without any price (IAM, routes, security groups, ...). */
  readonly cost?: ResourceCost;
}

export interface Warning {
  readonly stack: string;
  readonly address: string;
  readonly action: "replace" | "destroy" | "forget";
  readonly why: string;
}

export interface StackReview {
  readonly stack: string;
  readonly file: string;
  readonly resources: readonly ResourceReview[];
  /** Per resource type, per action: how many resources. */
  readonly counts: ReadonlyMap<string, ReadonlyMap<Action, number>>;
  readonly outputChanges: readonly { name: string; action: string }[];
  readonly warnings: readonly Warning[];
  readonly notes: readonly string[];
  /** Why this stack's plan cannot be trusted or applied; empty when it can. */
  readonly errors: readonly string[];
  readonly changed: boolean;
  readonly cost: StackCost;
  readonly mode: ReviewMode;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function formatPath(p: unknown): string {
  if (!Array.isArray(p)) return String(p);
  return p.map((step, i) => (typeof step === "number" ? `[${step}]` : i === 0 ? String(step) : `.${String(step)}`)).join("");
}

/** `type.name` addresses with `lifecycle.prevent_destroy` in a synthesized stack (cdk.tf.json). */
export function preventDestroyAddresses(stackJson: unknown): Set<string> {
  const out = new Set<string>();
  const resources = isObject(stackJson) ? stackJson.resource : undefined;
  if (!isObject(resources)) return out;
  for (const [type, byName] of Object.entries(resources)) {
    if (!isObject(byName)) continue;
    for (const [name, block] of Object.entries(byName)) {
      const lifecycle = isObject(block) ? block.lifecycle : undefined;
      if (isObject(lifecycle) && (lifecycle.prevent_destroy === true || lifecycle.prevent_destroy === "true")) out.add(`${type}.${name}`);
    }
  }
  return out;
}

function actionsOf(rc: PlanResourceChange): Action[] {
  const raw = rc.change.actions;
  const out: Action[] = [];
  if (rc.change.importing) out.push("import");
  if (raw.includes("forget")) {
    out.push("forget");
    if (raw.includes("create")) out.push("create");
  } else {
    const kind = changeKind(raw);
    if (kind === "delete") out.push("delete");
    else if (kind) out.push(kind);
  }
  // A move shows as previous_address on an otherwise unchanged resource.
  if (rc.previous_address && rc.previous_address !== rc.address && out.length === 0) out.push("move");
  return out;
}

const REPLACE_REASONS: Record<string, string> = {
  replace_because_cannot_update: "AWS cannot change it in place",
  replace_because_tainted: "the resource is tainted",
  replace_by_request: "replacement requested (-replace)",
  replace_by_triggers: "replace_triggered_by fired",
};

const DELETE_REASONS: Record<string, string> = {
  delete_because_no_resource_config: "no longer in the configuration",
  delete_because_no_module: "its module is gone",
  delete_because_wrong_repetition: "count/for_each changed shape",
  delete_because_count_index: "count index out of range",
  delete_because_each_key: "for_each key gone",
  delete_because_no_move_target: "moved to an address that does not exist",
};

function warningFor(stack: string, r: ResourceReview, mode: ReviewMode): Warning | undefined {
  const precious = [
    r.stateful ? `stateful: holds ${r.stateful}` : "",
    r.protectedBy.length > 0 ? `protected: ${r.protectedBy.join(", ")}` : "",
  ].filter(Boolean);
  if (r.actions.includes("replace")) {
    const cause =
      r.replacePaths.length > 0
        ? `forced by ${r.replacePaths.join(", ")}`
        : (REPLACE_REASONS[r.actionReason ?? ""] ?? r.actionReason ?? "replacement");
    const order = r.planActions[0] === "delete" ? "destroy first" : "create first";
    return { stack, address: r.address, action: "replace", why: [...precious, `${cause} (${order})`].join("; ") };
  }
  if (precious.length === 0) return undefined;
  if (r.actions.includes("delete")) {
    const cause = mode === "drift" ? "deleted outside Terraform" : (DELETE_REASONS[r.actionReason ?? ""] ?? r.actionReason);
    return { stack, address: r.address, action: "destroy", why: [...precious, ...(cause ? [cause] : [])].join("; ") };
  }
  if (r.actions.includes("forget")) {
    return { stack, address: r.address, action: "forget", why: [...precious, "leaves Terraform's management, stays in AWS"].join("; ") };
  }
  return undefined;
}

/** The plan's AWS region, from the provider block cdktf synthesized. */
export function planRegion(plan: ReviewPlanJson): string | undefined {
  for (const [key, provider] of Object.entries(plan.configuration?.provider_config ?? {})) {
    const region = provider.expressions?.region?.constant_value;
    if ((key === "aws" || provider.name === "aws") && typeof region === "string") return region;
  }
  return undefined;
}

function stateResources(m: StateModule | undefined): NonNullable<StateModule["resources"]> {
  if (!m) return [];
  return [...(m.resources ?? []), ...(m.child_modules ?? []).flatMap(stateResources)];
}

/** Finds a Fargate service's task definition: by the config's reference, else by the ARN it holds. */
export function costContext(plan: ReviewPlanJson): CostContext {
  const changes = new Map((plan.resource_changes ?? []).map((rc) => [rc.address, rc]));
  const refs = new Map<string, string>();
  for (const r of plan.configuration?.root_module?.resources ?? []) {
    const td = r.expressions?.task_definition;
    const references = isObject(td) && Array.isArray(td.references) ? td.references.map(String) : [];
    const target = references.find((x) => /^aws_ecs_task_definition\.[^.]+$/.test(x));
    if (target) refs.set(r.address, target);
  }
  const byArn = new Map<string, unknown>();
  for (const r of stateResources(plan.prior_state?.values?.root_module)) {
    if (r.type === "aws_ecs_task_definition" && isObject(r.values) && typeof r.values.arn === "string") byArn.set(r.values.arn, r.values);
  }
  for (const rc of plan.resource_changes ?? []) {
    for (const v of [rc.change.before, rc.change.after])
      if (rc.type === "aws_ecs_task_definition" && isObject(v) && typeof v.arn === "string") byArn.set(v.arn, v);
  }
  return {
    taskDefinitionOf(address, side) {
      const rc = changes.get(address) ?? (plan.resource_drift ?? []).find((d) => d.address === address);
      const service = rc && isObject(rc.change[side]) ? (rc.change[side] as Record<string, unknown>) : undefined;
      const configAddress = address.replace(/\[[^\]]*\]$/, "");
      const target = refs.get(configAddress);
      const viaRef = target ? changes.get(target)?.change[side] : undefined;
      if (isObject(viaRef)) return viaRef;
      const viaArn = service && typeof service.task_definition === "string" ? byArn.get(service.task_definition) : undefined;
      return isObject(viaArn) ? viaArn : undefined;
    },
  };
}

/** The change in fixed monthly cost of one resource change; undefined for types without a price. */
export function resourceCost(rc: PlanResourceChange, context: CostContext, factor: number): ResourceCost | undefined {
  const usage = USAGE_CHARGES[rc.type];
  const before = fixedMonthlyCost(rc.type, rc.address, rc.change.before, "before", {}, context);
  const after = fixedMonthlyCost(rc.type, rc.address, rc.change.after, "after", rc.change.after_unknown, context);
  if (!before && !after && !usage) return undefined;
  const forgotten = rc.change.actions.includes("forget");
  const b = before ? round(before.monthly * factor) : undefined;
  // A forgotten resource stays in AWS and keeps costing; only Terraform lets go of it.
  const a = forgotten ? b : after ? round(after.monthly * factor) : undefined;
  return {
    before: b,
    after: a,
    delta: round((a ?? 0) - (b ?? 0)),
    basisBefore: before?.basis,
    basisAfter: forgotten ? before?.basis : after?.basis,
    unpriced: after?.unpriced ?? before?.unpriced,
    usage,
  };
}

export interface ReviewOptions {
  readonly preventDestroy?: ReadonlySet<string>;
  /** `drift`: a refresh-only plan; its resource_drift is what the review lists. */
  readonly mode?: ReviewMode;
  /** The region when the plan does not name one (us-east-1 prices otherwise). */
  readonly region?: string;
}

/** null, absent, `{}` and `[]` all read as "nothing"; objects keep only their non-empty keys. */
function normalized(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const items = v.map(normalized);
    return items.every((x) => x === undefined) ? undefined : items;
  }
  if (isObject(v)) {
    const entries = Object.entries(v)
      .map(([k, x]) => [k, normalized(x)] as const)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return v;
}

/**
 * A refresh that only turns null into `{}` or `[]` (the provider reading back what it wrote as
 * null, e.g. `tags`) is not drift, though terraform counts it.
 */
export function onlyNormalization(rc: PlanResourceChange): boolean {
  if (!rc.change.actions.every((a) => a === "update")) return false;
  return JSON.stringify(normalized(rc.change.before)) === JSON.stringify(normalized(rc.change.after));
}

/** Reviews one stack's plan. `preventDestroy` holds `type.name` addresses from the synthesized config. */
export function reviewPlan(stack: string, file: string, plan: ReviewPlanJson, options: ReviewOptions = {}): StackReview {
  const preventDestroy = options.preventDestroy ?? new Set<string>();
  const mode = options.mode ?? "plan";
  const errors: string[] = [];
  const notes: string[] = [];
  if (!/^1\./.test(plan.format_version ?? "") || plan.planned_values === undefined) {
    errors.push(
      `not a terraform plan in JSON (format_version ${plan.format_version ?? "missing"}); expected the output of terraform show -json <planfile>`,
    );
  }
  if (plan.errored) errors.push("terraform could not finish this plan (errored: true); rerun terraform plan and read its error");

  const region = planRegion(plan) ?? options.region;
  const { factor, note: regionNote } = regionFactor(region);
  if (regionNote) notes.push(regionNote);
  const context = costContext(plan);
  const allDrift = plan.resource_drift ?? [];
  const listed = mode === "drift" ? allDrift.filter((rc) => !onlyNormalization(rc)) : (plan.resource_changes ?? []);
  const normalizedOnly = mode === "drift" ? allDrift.length - listed.length : 0;
  if (normalizedOnly > 0)
    notes.push(
      `${plural(normalizedOnly, "resource")} read back only null as {} or [] (the provider's normalization, not drift); not counted`,
    );
  const resources: ResourceReview[] = [];
  for (const rc of listed) {
    if (rc.mode === "data") continue;
    const actions = actionsOf(rc);
    if (actions.length === 0) continue;
    const before = isObject(rc.change.before) ? rc.change.before : {};
    const configAddress = `${rc.type}.${rc.name ?? rc.address.replace(/^.*?\.([^.[]+)(\[.*\])?$/, "$1")}`;
    const protectedBy = [
      ...(rc.module_address === undefined && preventDestroy.has(configAddress) ? ["prevent_destroy"] : []),
      ...PROTECTION_ATTRIBUTES.filter((a) => before[a] === true),
    ];
    resources.push({
      address: rc.address,
      type: rc.type,
      actions,
      planActions: rc.change.actions,
      actionReason: rc.action_reason,
      replacePaths: Array.isArray(rc.change.replace_paths) ? rc.change.replace_paths.map(formatPath) : [],
      stateful: STATEFUL_TYPES[rc.type],
      protectedBy,
      cost: resourceCost(rc, context, factor),
    });
  }
  resources.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));

  const counts = new Map<string, Map<Action, number>>();
  for (const r of resources) {
    const byAction = counts.get(r.type) ?? new Map<Action, number>();
    for (const a of r.actions) byAction.set(a, (byAction.get(a) ?? 0) + 1);
    counts.set(r.type, byAction);
  }

  const outputChanges = Object.entries(plan.output_changes ?? {})
    .map(([name, oc]) => ({ name, action: changeKind(oc.actions) }))
    .filter((o): o is { name: string; action: NonNullable<ReturnType<typeof changeKind>> } => o.action !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : 1));

  const warnings = resources.map((r) => warningFor(stack, r, mode)).filter((w): w is Warning => w !== undefined);
  if (plan.errored) {
    // The usual cause: Terraform refuses any plan that destroys a prevent_destroy resource.
    for (const r of resources) {
      if (r.protectedBy.includes("prevent_destroy") && (r.actions.includes("replace") || r.actions.includes("delete"))) {
        errors.push(`prevent_destroy stops the plan: ${r.address} would be ${r.actions.includes("replace") ? "replaced" : "destroyed"}`);
      }
    }
  }

  const drift = plan.resource_drift ?? [];
  if (mode === "plan" && drift.length > 0)
    notes.push(`${plural(drift.length, "resource")} changed outside Terraform since the last apply; the plan already accounts for that`);
  if (plan.complete === false && !plan.errored) notes.push("the plan is incomplete (deferred changes): apply, then plan again");

  return {
    stack,
    file,
    resources,
    counts,
    outputChanges,
    warnings,
    notes,
    errors,
    changed: resources.length > 0 || outputChanges.length > 0,
    cost: stackCost(plan, resources, context, factor, region, mode),
    mode,
  };
}

function stackCost(
  plan: ReviewPlanJson,
  resources: readonly ResourceReview[],
  context: CostContext,
  factor: number,
  region: string | undefined,
  mode: ReviewMode,
): StackCost {
  const usage = new Map<string, number>();
  for (const r of mode === "drift" ? [] : resources) {
    // Usage follows what exists after the apply: a destroyed resource stops its usage too.
    if (r.cost?.usage && r.actions.some((a) => a === "create" || a === "update" || a === "replace" || a === "import" || a === "other"))
      usage.set(r.type, (usage.get(r.type) ?? 0) + 1);
  }
  const delta = round(resources.reduce((sum, r) => sum + (r.cost?.delta ?? 0), 0));
  if (mode === "drift") return { delta, usage, region, factor };
  let before = 0;
  let after = 0;
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === "data") continue;
    const c = resourceCost(rc, context, factor);
    before += c?.before ?? 0;
    after += c?.after ?? 0;
  }
  return { before: round(before), after: round(after), delta, usage, region, factor };
}

/** Reads and reviews one plan file; unreadable or invalid JSON becomes an error in the review. */
export function reviewPlanFile(stack: string, file: string, options: ReviewOptions = {}): StackReview {
  let plan: ReviewPlanJson;
  try {
    plan = JSON.parse(fs.readFileSync(file, "utf8")) as ReviewPlanJson;
    if (!isObject(plan)) throw new Error("the JSON is not an object");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (e as Error).message;
    const cost = { delta: 0, usage: new Map(), factor: 1 };
    return {
      stack,
      file,
      resources: [],
      counts: new Map(),
      outputChanges: [],
      warnings: [],
      notes: [],
      errors: [`cannot read plan: ${reason}`],
      changed: false,
      cost,
      mode: options.mode ?? "plan",
    };
  }
  return reviewPlan(stack, file, plan, options);
}

export function exitCode(reviews: readonly StackReview[]): number {
  if (reviews.length === 0 || reviews.some((r) => r.errors.length > 0)) return EXIT_ERROR;
  return reviews.some((r) => r.changed) ? EXIT_CHANGES : EXIT_NO_CHANGES;
}

function table(rows: readonly string[][], rightAlignFrom: number): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c >= rightAlignFrom ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd(),
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The warning block: empty when nothing is replaced and nothing precious is destroyed or forgotten. */
export function renderWarnings(reviews: readonly StackReview[]): string[] {
  const warnings = reviews.flatMap((r) => r.warnings);
  if (warnings.length === 0) return [];
  const n = (a: Warning["action"]) => warnings.filter((w) => w.action === a).length;
  const parts = [
    n("replace") > 0 ? plural(n("replace"), "replacement") : "",
    n("destroy") === 1
      ? "1 destroy of a stateful or protected resource"
      : n("destroy") > 1
        ? `${n("destroy")} destroys of stateful or protected resources`
        : "",
    n("forget") > 0 ? `${plural(n("forget"), "stateful resource")} leaving Terraform` : "",
  ].filter(Boolean);
  const rows = [["stack", "action", "address", "why"], ...warnings.map((w) => [w.stack, w.action.toUpperCase(), w.address, w.why])];
  return [
    `WARNING: ${parts.join(", ")}. Check each line before you apply (help/plan-review.md).`,
    ...table(rows, 99).map((l) => `  ${l}`),
    "",
  ];
}

/** `+$32.85`, `-$16.43`, `$0.00`. */
export function money(n: number, signed = true): string {
  const abs = `$${Math.abs(n).toFixed(2)}`;
  if (!signed) return n < 0 ? `-${abs}` : abs;
  return n > 0.004 ? `+${abs}` : n < -0.004 ? `-${abs}` : abs;
}

const ACTION_WORD: Record<ReviewMode, Partial<Record<Action, string>>> = {
  plan: {
    create: "create",
    update: "update",
    replace: "replace",
    delete: "destroy",
    forget: "forget",
    import: "import",
    move: "move",
    other: "other",
  },
  drift: { update: "changed outside Terraform", delete: "deleted outside Terraform", other: "changed outside Terraform" },
};

function actionWord(r: ResourceReview, mode: ReviewMode): string {
  return r.actions.map((a) => ACTION_WORD[mode][a] ?? a).join(" and ");
}

/** Why the cost moves, e.g. `t4g.medium -> t4g.large`; empty when before and after read the same. */
function costBasis(c: ResourceCost): string {
  if (c.basisBefore && c.basisAfter && c.basisBefore !== c.basisAfter) return `${c.basisBefore} -> ${c.basisAfter}`;
  return c.basisAfter ?? c.basisBefore ?? "";
}

export interface CostLine {
  readonly stack: string;
  readonly address: string;
  readonly action: string;
  readonly delta: number;
  readonly basis: string;
  readonly unpriced?: string;
  readonly usage?: string;
}

/** The resources whose fixed monthly cost moves (or cannot be told), in the stack's order. */
export function costLines(r: StackReview): CostLine[] {
  return r.resources
    .filter((x) => x.cost && (Math.abs(x.cost.delta) > 0.004 || x.cost.unpriced))
    .map((x) => ({
      stack: r.stack,
      address: x.address,
      action: actionWord(x, r.mode),
      delta: x.cost!.delta,
      basis: costBasis(x.cost!),
      unpriced: x.cost!.unpriced,
      usage: x.cost!.usage,
    }));
}

function usageSummary(r: StackReview): string {
  return [...r.cost.usage.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, n]) => `${type}${n > 1 ? ` x${n}` : ""} (${USAGE_CHARGES[type]})`)
    .join(", ");
}

/** `us-east-1 list prices (2025, ...)` with the region factor when there is one. */
export function priceSource(reviews: readonly StackReview[]): string {
  const regions = [...new Set(reviews.map((r) => r.cost.region).filter((x): x is string => x !== undefined))];
  const factors = regions.map((region) => ({ region, factor: regionFactor(region).factor })).filter((f) => f.factor !== 1);
  const scaled = factors.length > 0 ? ` x${factors.map((f) => `${f.factor} for ${f.region}`).join(", ")}` : "";
  return `${PRICE_TABLE.region} list prices of ${PRICE_TABLE.asOf}${scaled}, scripts/lib/prices.ts`;
}

function totalDelta(reviews: readonly StackReview[]): number {
  return round(reviews.reduce((s, r) => s + r.cost.delta, 0));
}

function anyUsage(reviews: readonly StackReview[]): boolean {
  return reviews.some((r) => r.cost.usage.size > 0);
}

function stackCostLine(r: StackReview): string {
  const c = r.cost;
  const span = c.before !== undefined && c.after !== undefined ? ` (${money(c.before, false)} -> ${money(c.after, false)})` : "";
  return `${money(c.delta)}/month${span}`;
}

function stackSummary(r: StackReview): string {
  const total = (a: Action) => r.resources.filter((x) => x.actions.includes(a)).length;
  if (r.errors.length > 0) return "ERROR";
  if (!r.changed) return r.mode === "drift" ? "no drift" : "no changes";
  if (r.mode === "drift") {
    const parts = [
      `${total("update") + total("other")} changed outside Terraform`,
      total("delete") > 0 ? `${total("delete")} deleted outside Terraform` : "",
    ];
    return parts.filter(Boolean).join(", ");
  }
  return COLUMNS.filter((c) => c.always || total(c.action) > 0)
    .map((c) => `${total(c.action)} to ${c.action === "delete" ? "destroy" : c.title}`)
    .join(", ");
}

function columnsOf(r: StackReview): typeof COLUMNS {
  const total = (a: Action) => r.resources.filter((x) => x.actions.includes(a)).length;
  if (r.mode === "drift") return COLUMNS.filter((c) => c.action === "update" || c.action === "delete" || total(c.action) > 0);
  return COLUMNS.filter((c) => c.always || total(c.action) > 0);
}

function columnTitle(c: (typeof COLUMNS)[number], mode: ReviewMode): string {
  if (mode === "drift") return c.action === "update" ? "changed" : c.action === "delete" ? "deleted" : c.title;
  return c.title;
}

function countRows(r: StackReview): string[][] {
  const total = (a: Action) => r.resources.filter((x) => x.actions.includes(a)).length;
  const columns = columnsOf(r);
  const typeDelta = (t: string) => round(r.resources.filter((x) => x.type === t).reduce((s, x) => s + (x.cost?.delta ?? 0), 0));
  const types = [...r.counts.keys()].sort();
  return [
    ["resource type", ...columns.map((c) => columnTitle(c, r.mode)), "monthly"],
    ...types.map((t) => [
      t,
      ...columns.map((c) => String(r.counts.get(t)?.get(c.action) ?? 0)),
      Math.abs(typeDelta(t)) > 0.004 ? money(typeDelta(t)) : "",
    ]),
    ["total", ...columns.map((c) => String(total(c.action))), money(r.cost.delta)],
  ];
}

export function renderStack(r: StackReview): string[] {
  const lines: string[] = [];
  if (r.errors.length > 0) {
    lines.push(`${r.stack} (${r.file}): ERROR`, ...r.errors.map((e) => `  error: ${e}`));
    if (r.resources.length === 0) return [...lines, ""];
  } else if (!r.changed) {
    return [`${r.stack} (${r.file}): ${stackSummary(r)}`, ...r.notes.map((n) => `  note: ${n}`), ""];
  } else {
    lines.push(`${r.stack} (${r.file}): ${stackSummary(r)}`);
  }
  if (r.resources.length > 0) lines.push(...table(countRows(r), 1).map((l) => `  ${l}`));
  if (r.outputChanges.length > 0) lines.push(`  outputs: ${r.outputChanges.map((o) => `${o.name} (${o.action})`).join(", ")}`);
  if (r.resources.length > 0) {
    lines.push(`  cost: ${stackCostLine(r)}`);
    for (const c of costLines(r)) {
      const what = [c.action, c.basis, c.unpriced ? `not priced: ${c.unpriced}` : ""].filter(Boolean).join(": ");
      lines.push(`    ${money(c.delta)}/month ${c.address} (${what})`);
    }
    const usage = usageSummary(r);
    if (usage) lines.push(`    plus usage, not estimated: ${usage}`);
  }
  lines.push(...r.notes.map((n) => `  note: ${n}`), "");
  return lines;
}

function resultLine(reviews: readonly StackReview[]): string {
  const code = exitCode(reviews);
  const drift = reviews.some((r) => r.mode === "drift");
  const failed = reviews.filter((r) => r.errors.length > 0).map((r) => r.stack);
  const changed = reviews.filter((r) => r.changed && r.errors.length === 0).map((r) => r.stack);
  if (code === EXIT_ERROR) return `error in ${failed.join(", ") || "the arguments"} (exit code 1)`;
  if (code === EXIT_CHANGES)
    return `${drift ? "drift" : "changes"} in ${plural(changed.length, "stack")} of ${reviews.length}: ${changed.join(", ")} (exit code 2)`;
  return `no ${drift ? "drift" : "changes"} in ${plural(reviews.length, "stack")} (exit code 0)`;
}

function overallCost(reviews: readonly StackReview[]): string {
  return `${money(totalDelta(reviews))}/month${anyUsage(reviews) ? " plus usage" : ""}`;
}

/** The fixed monthly cost of all the reviewed stacks before and after, when every plan lists all its resources. */
function overallSpan(reviews: readonly StackReview[]): string {
  const ok = reviews.filter((r) => r.errors.length === 0);
  if (ok.length === 0 || ok.some((r) => r.cost.before === undefined)) return "";
  const before = round(ok.reduce((s, r) => s + (r.cost.before ?? 0), 0));
  const after = round(ok.reduce((s, r) => s + (r.cost.after ?? 0), 0));
  return `, fixed ${money(before, false)} -> ${money(after, false)} a month for ${plural(ok.length, "stack")}`;
}

/** The whole review: warning block first, then one section per stack, the cost, then a one-line result. */
export function renderReview(reviews: readonly StackReview[]): string[] {
  const cost = `Cost: ${overallCost(reviews)}${overallSpan(reviews)} (${priceSource(reviews)})`;
  return [...renderWarnings(reviews), ...reviews.flatMap(renderStack), cost, `Result: ${resultLine(reviews)}`];
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const mdRow = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;

function mdTable(rows: readonly string[][], rightAlignFrom: number): string[] {
  const align = rows[0].map((_, i) => (i >= rightAlignFrom ? "--:" : "---"));
  return [mdRow(rows[0]), `|${align.join("|")}|`, ...rows.slice(1).map(mdRow)];
}

/** The review as Markdown, for a pull request comment or a CI step summary. */
export function renderMarkdown(reviews: readonly StackReview[]): string[] {
  const drift = reviews.some((r) => r.mode === "drift");
  const out: string[] = [`### ${drift ? "Drift check" : "Plan review"}: ${resultLine(reviews)}`, ""];
  const summary = reviews.map((r) => `${r.stack}: ${stackSummary(r)}`).join("; ");
  out.push(`**Summary:** ${summary}. **Monthly cost change:** ${overallCost(reviews)}.`, "");
  const warnings = reviews.flatMap((r) => r.warnings);
  if (warnings.length > 0) {
    const head = renderWarnings(reviews)[0].replace(/^WARNING: /, "");
    out.push("> [!WARNING]", `> ${head}`, "");
    out.push(
      ...mdTable(
        [["stack", "action", "address", "why"], ...warnings.map((w) => [w.stack, w.action.toUpperCase(), `\`${w.address}\``, w.why])],
        99,
      ),
      "",
    );
  }
  for (const r of reviews) {
    out.push(`#### ${r.stack}: ${stackSummary(r)}`, "");
    out.push(...r.errors.map((e) => `- **error:** ${e}`));
    if (r.resources.length > 0) out.push(...mdTable(countRows(r), 1), "");
    if (r.outputChanges.length > 0) out.push(`Outputs: ${r.outputChanges.map((o) => `\`${o.name}\` (${o.action})`).join(", ")}`, "");
    out.push(...r.notes.map((n) => `- note: ${n}`));
    if (r.errors.length > 0 || r.notes.length > 0) out.push("");
  }
  const lines = reviews.flatMap(costLines);
  {
    out.push("#### Cost change", "");
    const rows = [["stack", "before", "after", "change"]];
    for (const r of reviews)
      rows.push([
        r.stack,
        r.cost.before !== undefined ? money(r.cost.before, false) : "",
        r.cost.after !== undefined ? money(r.cost.after, false) : "",
        `${money(r.cost.delta)}/month`,
      ]);
    const known = reviews.every((r) => r.cost.before !== undefined && r.cost.after !== undefined);
    const sum = (side: "before" | "after") =>
      known ? `**${money(round(reviews.reduce((s, r) => s + (r.cost[side] ?? 0), 0)), false)}**` : "";
    rows.push(["**all stacks**", sum("before"), sum("after"), `**${money(totalDelta(reviews))}/month**`]);
    out.push(...mdTable(rows, 1), "");
    if (lines.length > 0) {
      out.push(
        ...mdTable(
          [
            ["change", "address", "action", "what decides the price"],
            ...lines.map((c) => [
              `${money(c.delta)}/month`,
              `\`${c.address}\``,
              c.action,
              [c.basis, c.unpriced ? `not priced: ${c.unpriced}` : ""].filter(Boolean).join("; "),
            ]),
          ],
          99,
        ),
        "",
      );
    }
    const usage = reviews.map((r) => [r.stack, usageSummary(r)]).filter(([, u]) => u);
    if (usage.length > 0) out.push("Plus usage, not estimated:", ...usage.map(([stack, u]) => `- ${stack}: ${u}`), "");
    out.push(`Fixed monthly prices only: ${priceSource(reviews)}.`);
  }
  return out;
}

/** The review for other tools: the same content as the terminal and Markdown forms. */
export function reviewJson(reviews: readonly StackReview[]): object {
  const code = exitCode(reviews);
  return {
    kind: reviews.some((r) => r.mode === "drift") ? "drift" : "plan",
    exitCode: code,
    result: resultLine(reviews),
    warnings: reviews.flatMap((r) => r.warnings),
    stacks: reviews.map((r) => ({
      stack: r.stack,
      file: r.file,
      summary: stackSummary(r),
      changed: r.changed,
      errors: r.errors,
      notes: r.notes,
      outputs: r.outputChanges,
      counts: Object.fromEntries([...r.counts].map(([type, byAction]) => [type, Object.fromEntries(byAction)])),
      resources: r.resources.map((x) => ({
        address: x.address,
        type: x.type,
        actions: x.actions,
        ...(x.replacePaths.length ? { replacePaths: x.replacePaths } : {}),
        ...(x.cost ? { cost: x.cost } : {}),
      })),
      cost: {
        monthlyBefore: r.cost.before,
        monthlyAfter: r.cost.after,
        monthlyChange: r.cost.delta,
        plusUsage: Object.fromEntries(r.cost.usage),
        region: r.cost.region,
        regionFactor: r.cost.factor,
      },
    })),
    cost: { monthlyChange: totalDelta(reviews), plusUsage: anyUsage(reviews), currency: "USD" },
    prices: { ...PRICE_TABLE, table: "scripts/lib/prices.ts" },
  };
}

export const FORMATS = ["terminal", "markdown", "json"] as const;
export type Format = (typeof FORMATS)[number];

/** The review in one of the three forms, as lines. */
export function renderAs(format: Format, reviews: readonly StackReview[]): string[] {
  if (format === "json") return [JSON.stringify(reviewJson(reviews), null, 2)];
  if (format === "markdown") return renderMarkdown(reviews);
  return renderReview(reviews);
}

/** `--format` value check, with the one-line error the CLIs print. */
export function parseFormat(value: string | undefined): Format {
  if (value === undefined) return "terminal";
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new Error(`--format "${value}" is not allowed; expected one of ${FORMATS.join(", ")}`);
}

export interface PlanArg {
  readonly stack: string;
  readonly file: string;
}

export const USAGE = "usage: plan-review [--format terminal|markdown|json] [--drift] [--synth-dir DIR] <stack>=<plan.json> ...";

/** Parses the review's arguments; throws with one line on bad input. */
export function parseArgs(argv: readonly string[]): { plans: PlanArg[]; synthDir?: string; format: Format; mode: ReviewMode } {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
  } catch (e) {
    throw new Error(cliArgError((e as Error).message), { cause: e });
  }
  const { values, positionals } = parsed;
  if (values["synth-dir"] === "") throw new Error("--synth-dir needs a directory");
  const plans: PlanArg[] = [];
  for (const a of positionals) {
    const m = /^([A-Za-z0-9_-]+)=(.+)$/.exec(a);
    if (!m) throw new Error(`"${a}" is not <stack>=<plan.json>`);
    if (plans.some((p) => p.stack === m[1])) throw new Error(`stack ${m[1]} is given twice`);
    plans.push({ stack: m[1], file: m[2] });
  }
  if (plans.length === 0) throw new Error("no plan given");
  return { plans, synthDir: values["synth-dir"], format: parseFormat(values.format), mode: values.drift ? "drift" : "plan" };
}

/** node's util.parseArgs messages, as the one line this project prints. */
export function cliArgError(message: string): string {
  const missing = /^Option '(--[a-z-]+)[^']*' argument missing/.exec(message);
  if (missing)
    return missing[1] === "--synth-dir"
      ? "--synth-dir needs a directory"
      : missing[1] === "--format"
        ? `--format needs one of ${FORMATS.join(", ")}`
        : `${missing[1]} needs a value`;
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const noValue = /^Option '(--[a-z-]+)' does not take an argument/.exec(message);
  if (noValue) return `${noValue[1]} takes no value`;
  return message.split("\n")[0];
}

function parseCliArgs(argv: readonly string[]) {
  return parseUtilArgs({
    args: [...argv],
    options: { "synth-dir": { type: "string" }, format: { type: "string" }, drift: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
}

export interface ReviewIo {
  /** The review itself. */
  out(line: string): void;
  /** Argument errors and usage. */
  err(line: string): void;
}

export interface RunOptions {
  readonly cwd?: string;
  /** Where `<stack>/cdk.tf.json` is read for prevent_destroy when no --synth-dir is given. */
  readonly defaultSynthDir?: string;
  /** Also write the review in this form to this file (the terminal form still goes to `out`). */
  readonly also?: { readonly format: Format; readonly file: string };
}

/** The CLI: prints the review and returns the exit code. */
export function runPlanReview(argv: readonly string[], io: ReviewIo, options: RunOptions = {}): number {
  const cwd = options.cwd ?? process.cwd();
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    io.err(`plan-review: ${(e as Error).message}`);
    io.err(USAGE);
    return EXIT_ERROR;
  }
  const explicit = parsed.synthDir !== undefined;
  const synthDir = path.resolve(cwd, parsed.synthDir ?? options.defaultSynthDir ?? path.join("cdktf.out", "stacks"));
  if (explicit && !fs.existsSync(synthDir)) {
    io.err(`plan-review: --synth-dir ${parsed.synthDir} does not exist`);
    return EXIT_ERROR;
  }
  const reviews = parsed.plans.map(({ stack, file }) => {
    const stackFile = path.join(synthDir, stack, "cdk.tf.json");
    let preventDestroy = new Set<string>();
    const extraNotes: string[] = [];
    if (fs.existsSync(stackFile)) preventDestroy = preventDestroyAddresses(JSON.parse(fs.readFileSync(stackFile, "utf8")));
    else if (fs.existsSync(synthDir)) extraNotes.push(`no ${path.relative(cwd, stackFile)}: prevent_destroy not checked`);
    const review = reviewPlanFile(stack, path.resolve(cwd, file), { preventDestroy, mode: parsed.mode });
    return { ...review, file, notes: [...review.notes, ...extraNotes] };
  });
  renderAs(parsed.format, reviews).forEach((l) => io.out(l));
  if (options.also) {
    fs.mkdirSync(path.dirname(options.also.file), { recursive: true });
    fs.writeFileSync(options.also.file, `${renderAs(options.also.format, reviews).join("\n")}\n`);
  }
  return exitCode(reviews);
}
