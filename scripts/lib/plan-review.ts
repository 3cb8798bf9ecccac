/**
 * Reviews `terraform show -json` plans, one per stack: a warning block first for every replacement
 * and every destroy of a stateful or protected resource, then a table per stack of adds, changes,
 * replacements and destroys by resource type, and an exit code like `terraform plan
 * -detailed-exitcode`: 0 no changes, 2 changes, 1 error. Runbook: help/plan-review.md.
 */
import * as fs from "fs";
import * as path from "path";
import { PlanJson, changeKind } from "./plan-diff";

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
  resource_drift?: Array<{ address: string }>;
  errored?: boolean;
  complete?: boolean;
}

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

function warningFor(stack: string, r: ResourceReview): Warning | undefined {
  const precious = [r.stateful ? `stateful: holds ${r.stateful}` : "", r.protectedBy.length > 0 ? `protected: ${r.protectedBy.join(", ")}` : ""].filter(Boolean);
  if (r.actions.includes("replace")) {
    const cause = r.replacePaths.length > 0 ? `forced by ${r.replacePaths.join(", ")}` : REPLACE_REASONS[r.actionReason ?? ""] ?? r.actionReason ?? "replacement";
    const order = r.planActions[0] === "delete" ? "destroy first" : "create first";
    return { stack, address: r.address, action: "replace", why: [...precious, `${cause} (${order})`].join("; ") };
  }
  if (precious.length === 0) return undefined;
  if (r.actions.includes("delete")) {
    const cause = DELETE_REASONS[r.actionReason ?? ""] ?? r.actionReason;
    return { stack, address: r.address, action: "destroy", why: [...precious, ...(cause ? [cause] : [])].join("; ") };
  }
  if (r.actions.includes("forget")) {
    return { stack, address: r.address, action: "forget", why: [...precious, "leaves Terraform's management, stays in AWS"].join("; ") };
  }
  return undefined;
}

/** Reviews one stack's plan. `preventDestroy` holds `type.name` addresses from the synthesized config. */
export function reviewPlan(stack: string, file: string, plan: ReviewPlanJson, preventDestroy: ReadonlySet<string> = new Set()): StackReview {
  const errors: string[] = [];
  const notes: string[] = [];
  if (!/^1\./.test(plan.format_version ?? "") || plan.planned_values === undefined) {
    errors.push(`not a terraform plan in JSON (format_version ${plan.format_version ?? "missing"}); expected the output of terraform show -json <planfile>`);
  }
  if (plan.errored) errors.push("terraform could not finish this plan (errored: true); rerun terraform plan and read its error");

  const resources: ResourceReview[] = [];
  for (const rc of plan.resource_changes ?? []) {
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

  const warnings = resources.map((r) => warningFor(stack, r)).filter((w): w is Warning => w !== undefined);
  if (plan.errored) {
    // The usual cause: Terraform refuses any plan that destroys a prevent_destroy resource.
    for (const r of resources) {
      if (r.protectedBy.includes("prevent_destroy") && (r.actions.includes("replace") || r.actions.includes("delete"))) {
        errors.push(`prevent_destroy stops the plan: ${r.address} would be ${r.actions.includes("replace") ? "replaced" : "destroyed"}`);
      }
    }
  }

  const drift = plan.resource_drift ?? [];
  if (drift.length > 0) notes.push(`${plural(drift.length, "resource")} changed outside Terraform since the last apply; the plan already accounts for that`);
  if (plan.complete === false && !plan.errored) notes.push("the plan is incomplete (deferred changes): apply, then plan again");

  return { stack, file, resources, counts, outputChanges, warnings, notes, errors, changed: resources.length > 0 || outputChanges.length > 0 };
}

/** Reads and reviews one plan file; unreadable or invalid JSON becomes an error in the review. */
export function reviewPlanFile(stack: string, file: string, preventDestroy?: ReadonlySet<string>): StackReview {
  let plan: ReviewPlanJson;
  try {
    plan = JSON.parse(fs.readFileSync(file, "utf8")) as ReviewPlanJson;
    if (!isObject(plan)) throw new Error("the JSON is not an object");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (e as Error).message;
    return { stack, file, resources: [], counts: new Map(), outputChanges: [], warnings: [], notes: [], errors: [`cannot read plan: ${reason}`], changed: false };
  }
  return reviewPlan(stack, file, plan, preventDestroy);
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
    n("destroy") === 1 ? "1 destroy of a stateful or protected resource" : n("destroy") > 1 ? `${n("destroy")} destroys of stateful or protected resources` : "",
    n("forget") > 0 ? `${plural(n("forget"), "stateful resource")} leaving Terraform` : "",
  ].filter(Boolean);
  const rows = [["stack", "action", "address", "why"], ...warnings.map((w) => [w.stack, w.action.toUpperCase(), w.address, w.why])];
  return [
    `WARNING: ${parts.join(", ")}. Check each line before you apply (help/plan-review.md).`,
    ...table(rows, 99).map((l) => `  ${l}`),
    "",
  ];
}

export function renderStack(r: StackReview): string[] {
  const lines: string[] = [];
  const total = (a: Action) => r.resources.filter((x) => x.actions.includes(a)).length;
  if (r.errors.length > 0) {
    lines.push(`${r.stack} (${r.file}): ERROR`, ...r.errors.map((e) => `  error: ${e}`));
    if (r.resources.length === 0) return [...lines, ""];
  } else if (!r.changed) {
    return [`${r.stack} (${r.file}): no changes`, ...r.notes.map((n) => `  note: ${n}`), ""];
  } else {
    const summary = COLUMNS.filter((c) => c.always || total(c.action) > 0).map((c) => `${total(c.action)} to ${c.action === "delete" ? "destroy" : c.title}`);
    lines.push(`${r.stack} (${r.file}): ${summary.join(", ")}`);
  }
  if (r.resources.length > 0) {
    const columns = COLUMNS.filter((c) => c.always || total(c.action) > 0);
    const types = [...r.counts.keys()].sort();
    const rows = [
      ["resource type", ...columns.map((c) => c.title)],
      ...types.map((t) => [t, ...columns.map((c) => String(r.counts.get(t)?.get(c.action) ?? 0))]),
      ["total", ...columns.map((c) => String(total(c.action)))],
    ];
    lines.push(...table(rows, 1).map((l) => `  ${l}`));
  }
  if (r.outputChanges.length > 0) lines.push(`  outputs: ${r.outputChanges.map((o) => `${o.name} (${o.action})`).join(", ")}`);
  lines.push(...r.notes.map((n) => `  note: ${n}`), "");
  return lines;
}

/** The whole review: warning block first, then one section per stack, then a one-line result. */
export function renderReview(reviews: readonly StackReview[]): string[] {
  const code = exitCode(reviews);
  const failed = reviews.filter((r) => r.errors.length > 0).map((r) => r.stack);
  const changed = reviews.filter((r) => r.changed && r.errors.length === 0).map((r) => r.stack);
  const result =
    code === EXIT_ERROR
      ? `Result: error in ${failed.join(", ") || "the arguments"} (exit code 1)`
      : code === EXIT_CHANGES
        ? `Result: changes in ${plural(changed.length, "stack")} of ${reviews.length}: ${changed.join(", ")} (exit code 2)`
        : `Result: no changes in ${plural(reviews.length, "stack")} (exit code 0)`;
  return [...renderWarnings(reviews), ...reviews.flatMap(renderStack), result];
}

export interface PlanArg {
  readonly stack: string;
  readonly file: string;
}

export const USAGE = "usage: plan-review [--synth-dir DIR] <stack>=<plan.json> ...";

/** Parses `[--synth-dir DIR] <stack>=<plan.json> ...`; throws with one line on bad input. */
export function parseArgs(argv: readonly string[]): { plans: PlanArg[]; synthDir?: string } {
  const plans: PlanArg[] = [];
  let synthDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--synth-dir") {
      synthDir = argv[++i];
      if (!synthDir) throw new Error("--synth-dir needs a directory");
      continue;
    }
    if (a.startsWith("--synth-dir=")) {
      synthDir = a.slice("--synth-dir=".length);
      continue;
    }
    const m = /^([A-Za-z0-9_-]+)=(.+)$/.exec(a);
    if (!m) throw new Error(`"${a}" is not <stack>=<plan.json>`);
    if (plans.some((p) => p.stack === m[1])) throw new Error(`stack ${m[1]} is given twice`);
    plans.push({ stack: m[1], file: m[2] });
  }
  if (plans.length === 0) throw new Error("no plan given");
  return { plans, synthDir };
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
    const review = reviewPlanFile(stack, path.resolve(cwd, file), preventDestroy);
    return { ...review, file, notes: [...review.notes, ...extraNotes] };
  });
  renderReview(reviews).forEach((l) => io.out(l));
  return exitCode(reviews);
}
