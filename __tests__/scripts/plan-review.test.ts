import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  EXIT_CHANGES,
  EXIT_ERROR,
  EXIT_NO_CHANGES,
  PROTECTION_ATTRIBUTES,
  ReviewPlanJson,
  STATEFUL_TYPES,
  exitCode,
  parseArgs,
  preventDestroyAddresses,
  renderMarkdown,
  renderReview,
  reviewPlan,
  reviewPlanFile,
  runPlanReview,
} from "../../scripts/lib/plan-review";
import { main } from "../../scripts/plan-review";

const PLANS = path.join(__dirname, "..", "fixtures", "plans");
const SYNTH = path.join(PLANS, "synth");
const fixture = (name: string) => path.join(PLANS, `${name}.json`);
const load = (name: string) => JSON.parse(fs.readFileSync(fixture(name), "utf8")) as ReviewPlanJson;
const VOLUME = "aws_ebs_volume.influx-data_volume_3BD9A426";
const TABLE = "aws_dynamodb_table.connection-table_table_6D4A1E2B";

/** Runs the CLI entry in-process from the fixtures folder; returns what it printed and its code. */
function cli(args: string[], cwd = PLANS): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runPlanReview(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, { cwd });
  return { code, out, err };
}

describe("recorded plans (terraform 1.11.4 show -json, hashicorp/aws 5.100.0)", () => {
  test("the fixtures are real plan JSON: format 1.x, planned_values, actions on every change", () => {
    for (const f of fs.readdirSync(PLANS).filter((n) => /^(foundations|core)-.*\.json$/.test(n))) {
      const plan = load(f.replace(/\.json$/, ""));
      expect(plan.format_version).toMatch(/^1\./);
      expect(plan.terraform_version).toBe("1.11.4");
      expect(plan.planned_values).toBeDefined();
      for (const rc of plan.resource_changes ?? []) expect(rc.change.actions.length).toBeGreaterThan(0);
    }
  });

  test("the exit code matches terraform plan -detailed-exitcode, recorded with each fixture", () => {
    const codes = JSON.parse(fs.readFileSync(path.join(PLANS, "terraform-exit-codes.json"), "utf8")) as Record<string, unknown>;
    const recorded = Object.entries(codes).filter(([k]) => k !== "about");
    expect(recorded.map(([k]) => k).sort()).toEqual(
      fs
        .readdirSync(PLANS)
        .filter((n) => /^(foundations|core)-.*\.json$/.test(n))
        .map((n) => n.replace(/\.json$/, ""))
        .sort(),
    );
    for (const [name, code] of recorded) {
      const stack = name.split("-")[0];
      expect({ name, code: exitCode([reviewPlanFile(stack, fixture(name))]) }).toEqual({ name, code });
    }
  });

  test("create: every resource in the add column, no warning", () => {
    const r = cli(["foundations=foundations-create.json"]);
    expect(r.code).toBe(EXIT_CHANGES);
    expect(r.out).toEqual([
      "foundations (foundations-create.json): 5 to add, 0 to change, 0 to replace, 0 to destroy",
      "  resource type             add  change  replace  destroy  monthly",
      "  aws_cloudwatch_log_group    1       0        0        0",
      "  aws_dynamodb_table          1       0        0        0",
      "  aws_ebs_volume              1       0        0        0   +$4.60",
      "  aws_ecr_repository          1       0        0        0",
      "  aws_kms_key                 1       0        0        0   +$1.15",
      "  total                       5       0        0        0   +$5.75",
      "  outputs: influx_data_volume_id (create)",
      "  cost: +$5.75/month ($0.00 -> $5.75)",
      `    +$4.60/month ${VOLUME} (create: 50 GiB gp3)`,
      "    +$1.15/month aws_kms_key.key_F64E54E4 (create: customer managed key)",
      "    plus usage, not estimated: aws_cloudwatch_log_group ($0.50/GB ingested, $0.03/GB-month stored), aws_dynamodb_table ($0.25/GB-month stored, on-demand requests at $1.25/M writes and $0.25/M reads), aws_ebs_volume (its snapshots at $0.05/GB-month), aws_ecr_repository ($0.10/GB-month of images), aws_kms_key ($0.03 per 10,000 requests)",
      "",
      "Cost: +$5.75/month plus usage, fixed $0.00 -> $5.75 a month for 1 stack (us-east-1 list prices of 2025 x1.15 for eu-central-1, scripts/lib/prices.ts)",
      "Result: changes in 1 stack of 1: foundations (exit code 2)",
    ]);
  });

  test("update: in-place changes counted by type, drift noted, no warning", () => {
    const r = cli(["foundations=foundations-update.json"]);
    expect(r.code).toBe(EXIT_CHANGES);
    expect(r.out).toEqual([
      "foundations (foundations-update.json): 0 to add, 2 to change, 0 to replace, 0 to destroy",
      "  resource type             add  change  replace  destroy  monthly",
      "  aws_cloudwatch_log_group    0       1        0        0",
      "  aws_ecr_repository          0       1        0        0",
      "  total                       0       2        0        0    $0.00",
      "  cost: $0.00/month ($5.75 -> $5.75)",
      "    plus usage, not estimated: aws_cloudwatch_log_group ($0.50/GB ingested, $0.03/GB-month stored), aws_ecr_repository ($0.10/GB-month of images)",
      "  note: 4 resources changed outside Terraform since the last apply; the plan already accounts for that",
      "",
      "Cost: $0.00/month plus usage, fixed $5.75 -> $5.75 a month for 1 stack (us-east-1 list prices of 2025 x1.15 for eu-central-1, scripts/lib/prices.ts)",
      "Result: changes in 1 stack of 1: foundations (exit code 2)",
    ]);
  });

  test("replace: the warning block comes first and names what forces each replacement", () => {
    const r = cli(["foundations=foundations-replace.json"]);
    expect(r.code).toBe(EXIT_CHANGES);
    expect(r.out).toEqual([
      "WARNING: 2 replacements. Check each line before you apply (help/plan-review.md).",
      "  stack        action   address                                             why",
      `  foundations  REPLACE  ${TABLE}  stateful: holds the table's items; protected: deletion_protection_enabled; forced by name (destroy first)`,
      `  foundations  REPLACE  ${VOLUME}          stateful: holds the volume's data (the Influx data volume); forced by availability_zone (destroy first)`,
      "",
      "foundations (foundations-replace.json): 0 to add, 0 to change, 2 to replace, 0 to destroy",
      "  resource type       add  change  replace  destroy  monthly",
      "  aws_dynamodb_table    0       0        1        0",
      "  aws_ebs_volume        0       0        1        0",
      "  total                 0       0        2        0    $0.00",
      "  outputs: influx_data_volume_id (update)",
      "  cost: $0.00/month ($5.75 -> $5.75)",
      "    plus usage, not estimated: aws_dynamodb_table ($0.25/GB-month stored, on-demand requests at $1.25/M writes and $0.25/M reads), aws_ebs_volume (its snapshots at $0.05/GB-month)",
      "  note: 4 resources changed outside Terraform since the last apply; the plan already accounts for that",
      "",
      "Cost: $0.00/month plus usage, fixed $5.75 -> $5.75 a month for 1 stack (us-east-1 list prices of 2025 x1.15 for eu-central-1, scripts/lib/prices.ts)",
      "Result: changes in 1 stack of 1: foundations (exit code 2)",
    ]);
  });

  test("destroy of the EBS volume: a stateful destroy in the warning block, with terraform's reason", () => {
    const r = cli(["foundations=foundations-destroy-ebs.json"]);
    expect(r.code).toBe(EXIT_CHANGES);
    expect(r.out.slice(0, 4)).toEqual([
      "WARNING: 1 destroy of a stateful or protected resource. Check each line before you apply (help/plan-review.md).",
      "  stack        action   address                                     why",
      `  foundations  DESTROY  ${VOLUME}  stateful: holds the volume's data (the Influx data volume); no longer in the configuration`,
      "",
    ]);
    expect(r.out.slice(4, 11)).toEqual([
      "foundations (foundations-destroy-ebs.json): 0 to add, 0 to change, 0 to replace, 1 to destroy",
      "  resource type   add  change  replace  destroy  monthly",
      "  aws_ebs_volume    0       0        0        1   -$4.60",
      "  total             0       0        0        1   -$4.60",
      "  outputs: influx_data_volume_id (delete)",
      "  cost: -$4.60/month ($5.75 -> $1.15)",
      `    -$4.60/month ${VOLUME} (destroy: 50 GiB gp3)`,
    ]);
  });

  test("no-op: one line per stack and exit code 0", () => {
    const r = cli(["foundations=foundations-noop.json"]);
    expect(r.code).toBe(EXIT_NO_CHANGES);
    expect(r.out).toEqual([
      "foundations (foundations-noop.json): no changes",
      "",
      "Cost: $0.00/month, fixed $5.75 -> $5.75 a month for 1 stack (us-east-1 list prices of 2025 x1.15 for eu-central-1, scripts/lib/prices.ts)",
      "Result: no changes in 1 stack (exit code 0)",
    ]);
  });

  test("forget (removed block, destroy = false): its own column and a warning that it stays in AWS", () => {
    const r = cli(["foundations=foundations-forget-ebs.json"]);
    expect(r.code).toBe(EXIT_CHANGES);
    expect(r.out[0]).toBe("WARNING: 1 stateful resource leaving Terraform. Check each line before you apply (help/plan-review.md).");
    expect(r.out[2]).toContain(
      `FORGET  ${VOLUME}  stateful: holds the volume's data (the Influx data volume); leaves Terraform's management, stays in AWS`,
    );
    expect(r.out).toContain("foundations (foundations-forget-ebs.json): 0 to add, 0 to change, 0 to replace, 0 to destroy, 1 to forget");
    expect(r.out).toContain("  aws_ebs_volume    0       0        0        0       1");
  });

  test("import (import block): counted as a change though terraform's action is no-op, no warning", () => {
    const r = cli(["foundations=foundations-import-ebs.json"]);
    expect(r.code).toBe(EXIT_CHANGES);
    expect(r.out[0]).toBe("foundations (foundations-import-ebs.json): 0 to add, 0 to change, 0 to replace, 0 to destroy, 1 to import");
    expect(r.out.some((l) => l.startsWith("WARNING"))).toBe(false);
  });

  test("an errored plan (prevent_destroy) exits 1, still shows the replacement, and names prevent_destroy as the cause", () => {
    const r = cli(["--synth-dir", "synth", "foundations=foundations-errored-prevent-destroy.json"]);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.out[0]).toBe("WARNING: 1 replacement. Check each line before you apply (help/plan-review.md).");
    expect(r.out[2]).toContain(
      `REPLACE  ${VOLUME}  stateful: holds the volume's data (the Influx data volume); protected: prevent_destroy; forced by availability_zone (destroy first)`,
    );
    expect(r.out).toContain("foundations (foundations-errored-prevent-destroy.json): ERROR");
    expect(r.out).toContain(`  error: prevent_destroy stops the plan: ${VOLUME} would be replaced`);
    expect(r.out[r.out.length - 1]).toBe("Result: error in foundations (exit code 1)");
  });
});

describe("several stacks", () => {
  test("one warning block for all stacks, before every table; changes anywhere means exit 2", () => {
    const r = cli(["foundations=foundations-replace.json", "core=core-create.json", "edge=foundations-noop.json"]);
    expect(r.code).toBe(EXIT_CHANGES);
    const warning = r.out.findIndex((l) => l.startsWith("WARNING"));
    const sections = ["foundations", "core", "edge"].map((s) => r.out.findIndex((l) => l.startsWith(`${s} (`)));
    expect(warning).toBe(0);
    expect(sections.every((i) => i > warning)).toBe(true);
    expect(sections).toEqual([...sections].sort((a, b) => a - b));
    expect(r.out.filter((l) => / (REPLACE|DESTROY|FORGET) /.test(l))).toHaveLength(2);
    expect(r.out).toContain("core (core-create.json): 8 to add, 0 to change, 0 to replace, 0 to destroy");
    expect(r.out).toContain("  aws_kinesis_stream          2       0        0        0  +$67.16");
    expect(r.out).toContain("edge (foundations-noop.json): no changes");
    expect(r.out[r.out.length - 1]).toBe("Result: changes in 2 stacks of 3: foundations, core (exit code 2)");
  });

  test("all unchanged: exit 0", () => {
    const r = cli(["foundations=foundations-noop.json", "core=foundations-noop.json"]);
    expect(r.code).toBe(EXIT_NO_CHANGES);
    expect(r.out[r.out.length - 1]).toBe("Result: no changes in 2 stacks (exit code 0)");
  });

  test("an error in one stack wins over changes in another: exit 1", () => {
    const r = cli(["foundations=foundations-create.json", "core=missing.json", "edge=synth/foundations/cdk.tf.json"]);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.out).toContain("core (missing.json): ERROR");
    expect(r.out).toContain("  error: cannot read plan: file not found");
    expect(r.out).toContain(
      "  error: not a terraform plan in JSON (format_version missing); expected the output of terraform show -json <planfile>",
    );
    expect(r.out[r.out.length - 1]).toBe("Result: error in core, edge (exit code 1)");
  });

  test("unparseable JSON is an error, not a crash", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-review-"));
    try {
      fs.writeFileSync(path.join(dir, "bad.json"), "{ not json");
      const r = cli(["core=bad.json"], dir);
      expect(r.code).toBe(EXIT_ERROR);
      expect(r.out.find((l) => l.includes("cannot read plan"))).toMatch(/cannot read plan: .*JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("which changes are warnings", () => {
  const base = load("foundations-noop");
  type Rc = NonNullable<ReviewPlanJson["resource_changes"]>[number];
  const withChange = (
    address: string,
    type: string,
    actions: string[],
    opts: { reason?: string; mode?: string; before?: Record<string, unknown> } = {},
  ): ReviewPlanJson => {
    const rc: Rc = {
      address,
      type,
      name: address.split(".").slice(-1)[0],
      mode: opts.mode ?? "managed",
      action_reason: opts.reason,
      change: {
        actions,
        before: actions[0] === "create" && actions.length === 1 ? null : (opts.before ?? {}),
        after: actions.includes("create") || actions.includes("update") ? {} : null,
      },
    };
    return { ...base, resource_changes: [...(base.resource_changes ?? []), rc], output_changes: {} };
  };
  const warnings = (plan: ReviewPlanJson, preventDestroy?: Set<string>) =>
    reviewPlan("s", "f", plan, { preventDestroy }).warnings.map((w) => `${w.action} ${w.address}: ${w.why}`);

  test("any replacement, stateful or not, with terraform's reason when no attribute forces it", () => {
    expect(
      warnings(withChange("aws_security_group.sg", "aws_security_group", ["create", "delete"], { reason: "replace_by_request" })),
    ).toEqual(["replace aws_security_group.sg: replacement requested (-replace) (create first)"]);
    expect(warnings(withChange("aws_instance.host", "aws_instance", ["delete", "create"], { reason: "replace_because_tainted" }))).toEqual([
      "replace aws_instance.host: the resource is tainted (destroy first)",
    ]);
  });

  test("a destroy only when the resource is stateful or protected", () => {
    expect(warnings(withChange("aws_subnet.a", "aws_subnet", ["delete"]))).toEqual([]);
    expect(warnings(withChange("aws_s3_bucket.artifacts", "aws_s3_bucket", ["delete"]))).toEqual([
      "destroy aws_s3_bucket.artifacts: stateful: holds the bucket's objects",
    ]);
    expect(warnings(withChange("aws_lb.public", "aws_lb", ["delete"], { before: { enable_deletion_protection: true } }))).toEqual([
      "destroy aws_lb.public: protected: enable_deletion_protection",
    ]);
    expect(warnings(withChange("aws_lb.public", "aws_lb", ["delete"], { before: { enable_deletion_protection: false } }))).toEqual([]);
    expect(warnings(withChange("aws_iam_role.r", "aws_iam_role", ["delete"]), new Set(["aws_iam_role.r"]))).toEqual([
      "destroy aws_iam_role.r: protected: prevent_destroy",
    ]);
  });

  test("creates, updates, reads of data sources and no-ops are never warnings", () => {
    expect(warnings(withChange("aws_ebs_volume.v", "aws_ebs_volume", ["create"]))).toEqual([]);
    expect(warnings(withChange("aws_ebs_volume.v", "aws_ebs_volume", ["update"]))).toEqual([]);
    const read = withChange("data.aws_caller_identity.me", "aws_caller_identity", ["read"], { mode: "data" });
    expect(reviewPlan("s", "f", read).changed).toBe(false);
  });

  test("an output-only change is a change (exit 2), as terraform counts it", () => {
    const plan: ReviewPlanJson = { ...base, output_changes: { vpc_id: { actions: ["update"], before: "vpc-1", after: "vpc-2" } } };
    const review = reviewPlan("core", "f", plan);
    expect(exitCode([review])).toBe(EXIT_CHANGES);
    expect(renderReview([review])).toContain("  outputs: vpc_id (update)");
  });

  test("every stateful type says what it holds", () => {
    for (const t of [
      "aws_ebs_volume",
      "aws_efs_file_system",
      "aws_dynamodb_table",
      "aws_s3_bucket",
      "aws_kms_key",
      "aws_secretsmanager_secret",
      "aws_ecr_repository",
      "aws_db_instance",
    ]) {
      expect(STATEFUL_TYPES[t]).toMatch(/\w/);
    }
  });
});

describe("prevent_destroy from the synthesized stack", () => {
  test("read from cdk.tf.json lifecycle blocks", () => {
    const json = JSON.parse(fs.readFileSync(path.join(SYNTH, "foundations", "cdk.tf.json"), "utf8"));
    expect([...preventDestroyAddresses(json)]).toEqual([VOLUME]);
    expect([...preventDestroyAddresses({ resource: { aws_x: { a: { lifecycle: { prevent_destroy: false } } } } })]).toEqual([]);
  });

  test("found in cdktf.out/stacks by default; a missing stack there is a note, not an error", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-review-"));
    try {
      fs.mkdirSync(path.join(dir, "cdktf.out", "stacks", "foundations"), { recursive: true });
      fs.copyFileSync(path.join(SYNTH, "foundations", "cdk.tf.json"), path.join(dir, "cdktf.out", "stacks", "foundations", "cdk.tf.json"));
      const r = cli([`foundations=${fixture("foundations-errored-prevent-destroy")}`, `core=${fixture("core-create")}`], dir);
      expect(r.out[2]).toContain("protected: prevent_destroy");
      expect(r.out).toContain(`  note: no ${path.join("cdktf.out", "stacks", "core", "cdk.tf.json")}: prevent_destroy not checked`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an explicit --synth-dir that does not exist is an error", () => {
    const r = cli(["--synth-dir", "nowhere", "foundations=foundations-noop.json"]);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.err).toEqual(["plan-review: --synth-dir nowhere does not exist"]);
  });
});

describe("command line", () => {
  test.each([
    [[], "no plan given"],
    [["foundations"], '"foundations" is not <stack>=<plan.json>'],
    [["a=x.json", "a=y.json"], "stack a is given twice"],
    [["--synth-dir"], "--synth-dir needs a directory"],
    [["--format", "html", "a=x.json"], '--format "html" is not allowed; expected one of terminal, markdown, json'],
    [["--format"], "--format needs one of terminal, markdown, json"],
    [["--colour", "a=x.json"], "unknown option --colour"],
  ])("%j is rejected: %s", (args, message) => {
    expect(() => parseArgs(args)).toThrow(message);
    const r = cli(args);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.err).toEqual([
      `plan-review: ${message}`,
      "usage: plan-review [--format terminal|markdown|json] [--drift] [--synth-dir DIR] <stack>=<plan.json> ...",
    ]);
    expect(r.out).toEqual([]);
  });

  test("parses --synth-dir in both forms", () => {
    const parsed = { synthDir: "out", plans: [{ stack: "core", file: "p.json" }], format: "terminal", mode: "plan" };
    expect(parseArgs(["--synth-dir=out", "core=p.json"])).toEqual(parsed);
    expect(parseArgs(["core=p.json", "--synth-dir", "out"])).toEqual(parsed);
    expect(parseArgs(["--format=markdown", "--drift", "core=p.json"])).toMatchObject({ format: "markdown", mode: "drift" });
  });

  test("scripts/plan-review main prints the review to stdout and returns the code", () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(main([`foundations=${fixture("foundations-noop")}`])).toBe(EXIT_NO_CHANGES);
    } finally {
      spy.mockRestore();
    }
    expect(written.join("")).toMatch(/no changes\n\nCost: .*\nResult: no changes in 1 stack \(exit code 0\)\n$/);
  });
});

describe("help/plan-review.md", () => {
  const help = fs.readFileSync(path.join(__dirname, "..", "..", "help", "plan-review.md"), "utf8");

  test("names every stateful type and protection attribute the review knows", () => {
    for (const t of Object.keys(STATEFUL_TYPES)) expect(help).toContain(`\`${t}\``);
    for (const a of PROTECTION_ATTRIBUTES) expect(help).toContain(`\`${a}\``);
  });

  test("its no-changes example is exactly what the review prints for four unchanged stacks", () => {
    const section = help.slice(help.indexOf("## Expected output when nothing changes"));
    const example = /```\n([\s\S]*?)```/.exec(section)?.[1].trimEnd().split("\n");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-review-"));
    try {
      fs.mkdirSync(path.join(dir, "plans"));
      const stacks = ["foundations", "core", "influx", "edge"];
      for (const s of stacks) fs.copyFileSync(fixture("foundations-noop"), path.join(dir, "plans", `${s}.json`));
      const r = cli(
        stacks.map((s) => `${s}=plans/${s}.json`),
        dir,
      );
      expect(r.code).toBe(EXIT_NO_CHANGES);
      // The figures in the runbook are a real env's; the fixtures hold a cut-down stack.
      const figures = (lines: readonly string[] | undefined) => (lines ?? []).map((l) => l.replace(/\$[0-9.]+ -> \$[0-9.]+/, "$X -> $X"));
      expect(figures(r.out)).toEqual(figures(example));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("--format markdown and json", () => {
  const args = ["foundations=foundations-replace.json", "core=core-create.json", "edge=foundations-noop.json"];

  test("markdown: summary line, warnings before the stack tables, a table per stack, then the cost change", () => {
    const r = cli(["--format", "markdown", ...args]);
    expect(r.code).toBe(EXIT_CHANGES);
    const md = r.out.join("\n");
    expect(r.out[0]).toBe("### Plan review: changes in 2 stacks of 3: foundations, core (exit code 2)");
    expect(r.out[2]).toBe(
      "**Summary:** foundations: 0 to add, 0 to change, 2 to replace, 0 to destroy; core: 8 to add, 0 to change, 0 to replace, 0 to destroy; edge: no changes. **Monthly cost change:** +$67.16/month plus usage.",
    );
    const at = (text: string) => md.indexOf(text);
    expect(at("> [!WARNING]")).toBeGreaterThan(0);
    expect(md).toContain(
      `| foundations | REPLACE | \`${VOLUME}\` | stateful: holds the volume's data (the Influx data volume); forced by availability_zone (destroy first) |`,
    );
    const order = ["> [!WARNING]", "#### foundations: 0 to add", "#### core: 8 to add", "#### edge: no changes", "#### Cost change"].map(
      at,
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(md).toContain("| resource type | add | change | replace | destroy | monthly |\n|---|--:|--:|--:|--:|--:|");
    expect(md).toContain("| aws_kinesis_stream | 2 | 0 | 0 | 0 | +$67.16 |");
    expect(md).toContain("| **all stacks** | **$11.50** | **$78.66** | **+$67.16/month** |");
    expect(md).toContain("| +$33.58/month | `aws_kinesis_stream.upstream_stream_4C2D8E19` | create | on-demand stream |");
    expect(md).toContain("- core: aws_cloudwatch_log_group x2 ($0.50/GB ingested, $0.03/GB-month stored)");
    expect(r.out[r.out.length - 1]).toBe(
      "Fixed monthly prices only: us-east-1 list prices of 2025 x1.15 for eu-central-1, scripts/lib/prices.ts.",
    );
  });

  test("markdown: no warning block when nothing is replaced or lost; an errored plan shows its error", () => {
    const md = cli(["--format", "markdown", "foundations=foundations-update.json"]).out.join("\n");
    expect(md).not.toContain("[!WARNING]");
    const plan = load("foundations-noop");
    const review = reviewPlan("s", "f.json", { ...plan, errored: true });
    const errored = renderMarkdown([review]);
    expect(errored).toContain("#### s: ERROR");
    expect(errored).toContain("- **error:** terraform could not finish this plan (errored: true); rerun terraform plan and read its error");
  });

  test("json: the same review as data, for other tools", () => {
    const r = cli(["--format", "json", ...args]);
    expect(r.code).toBe(EXIT_CHANGES);
    expect(r.out).toHaveLength(1);
    const review = JSON.parse(r.out[0]);
    expect(review).toMatchObject({
      kind: "plan",
      exitCode: 2,
      result: "changes in 2 stacks of 3: foundations, core (exit code 2)",
      cost: { monthlyChange: 67.16, plusUsage: true },
    });
    expect(review.warnings.map((w: { action: string }) => w.action)).toEqual(["replace", "replace"]);
    const core = review.stacks[1];
    expect(core).toMatchObject({
      stack: "core",
      summary: "8 to add, 0 to change, 0 to replace, 0 to destroy",
      counts: { aws_kinesis_stream: { create: 2 } },
    });
    expect(core.cost).toMatchObject({
      monthlyBefore: 0,
      monthlyAfter: 67.16,
      monthlyChange: 67.16,
      region: "eu-central-1",
      regionFactor: 1.15,
    });
    expect(core.resources.find((x: { address: string }) => x.address === "aws_kinesis_stream.upstream_stream_4C2D8E19").cost).toMatchObject(
      { after: 33.58, delta: 33.58, basisAfter: "on-demand stream" },
    );
    expect(review.prices).toMatchObject({ region: "us-east-1", asOf: "2025", table: "scripts/lib/prices.ts" });
  });

  test("the terminal form stays the default", () => {
    expect(cli(args).out).toEqual(cli(["--format", "terminal", ...args]).out);
    expect(cli(args).out[0]).toMatch(/^WARNING: /);
  });
});

describe("drift (a refresh-only plan)", () => {
  test("recorded refresh-only plans: a change made outside Terraform is drift with its cost; null read back as {} is not", () => {
    const drifted = cli(["--drift", "core=drift-refresh-only.json"]);
    expect(drifted.code).toBe(EXIT_CHANGES);
    expect(drifted.out).toEqual([
      "core (drift-refresh-only.json): 2 changed outside Terraform",
      "  resource type             changed  deleted  monthly",
      "  aws_cloudwatch_log_group        1        0",
      "  aws_kinesis_stream              1        0  +$10.95",
      "  total                           2        0  +$10.95",
      "  cost: +$10.95/month",
      "    +$10.95/month aws_kinesis_stream.ks (changed outside Terraform: 1 provisioned shard -> 2 provisioned shards)",
      "",
      "Cost: +$10.95/month (us-east-1 list prices of 2025, scripts/lib/prices.ts)",
      "Result: drift in 1 stack of 1: core (exit code 2)",
    ]);
    const settled = cli(["--drift", "core=drift-refresh-only-none.json"]);
    expect(settled.code).toBe(EXIT_NO_CHANGES);
    expect(settled.out).toContain(
      "  note: 2 resources read back only null as {} or [] (the provider's normalization, not drift); not counted",
    );
    expect(settled.out[settled.out.length - 1]).toBe("Result: no drift in 1 stack (exit code 0)");
  });

  const driftPlan = (): ReviewPlanJson => {
    const plan = JSON.parse(fs.readFileSync(path.join(PLANS, "drift-refresh-only.json"), "utf8")) as ReviewPlanJson;
    return plan;
  };

  test("lists resource_drift as changed outside Terraform and exits 2", () => {
    const review = reviewPlan("foundations", "f", driftPlan(), { mode: "drift" });
    expect(review.resources).toHaveLength(2);
    expect(exitCode([review])).toBe(EXIT_CHANGES);
    const out = renderReview([review]);
    expect(out[0]).toBe("foundations (f): 2 changed outside Terraform");
    expect(out[1]).toBe("  resource type             changed  deleted  monthly");
    expect(out[out.length - 1]).toBe("Result: drift in 1 stack of 1: foundations (exit code 2)");
    expect(renderMarkdown([review])[0]).toBe("### Drift check: drift in 1 stack of 1: foundations (exit code 2)");
  });

  test("no drift: exit 0; a stateful resource deleted outside Terraform is a warning", () => {
    const clean = reviewPlan("core", "f", { ...driftPlan(), resource_drift: [] }, { mode: "drift" });
    expect(exitCode([clean])).toBe(EXIT_NO_CHANGES);
    expect(renderReview([clean])).toContain("Result: no drift in 1 stack (exit code 0)");
    const plan = driftPlan();
    const volume = {
      address: VOLUME,
      type: "aws_ebs_volume",
      name: "influx-data_volume_3BD9A426",
      mode: "managed",
      change: { actions: ["delete"], before: { size: 50, type: "gp3" }, after: null },
    };
    const review = reviewPlan("foundations", "f", { ...plan, resource_drift: [volume] }, { mode: "drift" });
    expect(review.warnings).toEqual([
      {
        stack: "foundations",
        address: VOLUME,
        action: "destroy",
        why: "stateful: holds the volume's data (the Influx data volume); deleted outside Terraform",
      },
    ]);
    expect(review.resources[0].cost?.delta).toBe(-4);
    expect(renderReview([review])).toContain(`    -$4.00/month ${VOLUME} (deleted outside Terraform: 50 GiB gp3)`);
  });
});
