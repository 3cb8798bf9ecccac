import * as path from "path";
import {
  GapList,
  PlanJson,
  acceptedGapNames,
  analyzePlan,
  attributeChanges,
  formatViolations,
  loadGapList,
} from "../../scripts/lib/plan-diff";

const TAGS = { app: "streamlines", env: "acc", owner: "platform-team", stack: "core" };

const GAPS: GapList = {
  gaps: [
    { type: "aws_kinesis_stream", attribute: "tags_all", reason: "moto CreateStream drops tags" },
    { type: "aws_ecs_service", attribute: "enable_execute_command", reason: "moto does not echo it" },
    { type: "aws_example_thing", attribute: "*", actions: ["create"], reason: "the emulator never lists it" },
  ],
};

function update(
  address: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  afterUnknown: Record<string, unknown> = {},
): NonNullable<PlanJson["resource_changes"]>[number] {
  return {
    address,
    type: address.split(".")[0],
    mode: "managed",
    change: { actions: ["update"], before, after, after_unknown: afterUnknown },
  };
}

const noop = (address: string, values: Record<string, unknown>) => ({
  address,
  type: address.split(".")[0],
  mode: "managed",
  change: { actions: ["no-op"], before: values, after: values, after_unknown: {} },
});

describe("analyzePlan", () => {
  test("no-op plan is clean", () => {
    const plan: PlanJson = {
      resource_changes: [
        noop("aws_s3_bucket.artifacts", { bucket: "b", tags_all: TAGS }),
        {
          address: "data.aws_caller_identity.me",
          type: "aws_caller_identity",
          mode: "data",
          change: { actions: ["read"], before: null, after: {} },
        },
      ],
      output_changes: { vpc_id: { actions: ["no-op"], before: "vpc-1", after: "vpc-1" } },
    };
    const a = analyzePlan(plan, GAPS);
    expect(a).toEqual({ clean: true, ok: true, accepted: [], violations: [] });
  });

  test("a change listed in the gap list is accepted, with its reason", () => {
    const plan: PlanJson = {
      resource_changes: [
        update("aws_kinesis_stream.upstream", { name: "s", tags: {}, tags_all: {} }, { name: "s", tags: {}, tags_all: TAGS }),
        noop("aws_kinesis_stream.downstream", { name: "d" }),
      ],
    };
    const a = analyzePlan(plan, GAPS);
    expect(a.clean).toBe(false);
    expect(a.ok).toBe(true);
    expect(a.violations).toEqual([]);
    expect(a.accepted).toEqual([
      {
        address: "aws_kinesis_stream.upstream",
        type: "aws_kinesis_stream",
        attribute: "tags_all",
        kind: "update",
        reason: "moto CreateStream drops tags",
      },
    ]);
    expect(acceptedGapNames(a)).toEqual(["aws_kinesis_stream.tags_all"]);
  });

  test("a change outside the gap list is rejected with address, attribute, before and after", () => {
    const plan: PlanJson = {
      resource_changes: [
        update(
          "aws_kinesis_stream.upstream",
          { name: "s", retention_period: 24, tags_all: {} },
          { name: "s", retention_period: 48, tags_all: TAGS },
        ),
      ],
    };
    const a = analyzePlan(plan, GAPS);
    expect(a.ok).toBe(false);
    expect(a.accepted.map((g) => g.attribute)).toEqual(["tags_all"]);
    expect(a.violations).toEqual([
      {
        address: "aws_kinesis_stream.upstream",
        kind: "update",
        attribute: "retention_period",
        before: 24,
        after: 48,
        detail: "retention_period",
      },
    ]);
    expect(formatViolations(a.violations)).toEqual(["aws_kinesis_stream.upstream: update retention_period: 24 -> 48 [retention_period]"]);
  });

  test("the same attribute on another resource type is not covered", () => {
    const plan: PlanJson = { resource_changes: [update("aws_sqs_queue.dlq", { tags_all: {} }, { tags_all: TAGS })] };
    const a = analyzePlan(plan, GAPS);
    expect(a.ok).toBe(false);
    expect(a.violations.map((v) => `${v.address} ${v.attribute}`)).toEqual(["aws_sqs_queue.dlq tags_all"]);
  });

  test("a value known only after apply counts as a change", () => {
    const plan: PlanJson = {
      resource_changes: [
        update(
          "aws_ecs_service.api",
          { task_definition: "td:1", enable_execute_command: false },
          { enable_execute_command: false },
          { task_definition: true },
        ),
      ],
    };
    const a = analyzePlan(plan, GAPS);
    expect(a.violations).toEqual([
      {
        address: "aws_ecs_service.api",
        kind: "update",
        attribute: "task_definition",
        before: "td:1",
        after: "(known after apply)",
        detail: "task_definition (known after apply)",
      },
    ]);
  });

  test("a replacement is rejected even when its attributes are listed as update gaps", () => {
    const plan: PlanJson = {
      resource_changes: [
        {
          address: "aws_kinesis_stream.upstream",
          type: "aws_kinesis_stream",
          mode: "managed",
          change: {
            actions: ["delete", "create"],
            before: { name: "s", tags_all: {} },
            after: { name: "s", tags_all: TAGS },
            after_unknown: { arn: true },
            replace_paths: [["name"]],
          },
        },
      ],
    };
    const a = analyzePlan(plan, GAPS);
    expect(a.ok).toBe(false);
    expect(a.violations.map((v) => `${v.kind} ${v.attribute}`)).toEqual(["replace arn", "replace tags_all"]);
  });

  test("create and delete are rejected unless the gap list names them", () => {
    const plan: PlanJson = {
      resource_changes: [
        {
          address: "aws_s3_object.prefix",
          type: "aws_s3_object",
          mode: "managed",
          change: { actions: ["create"], before: null, after: { key: "flink/" }, after_unknown: { id: true } },
        },
        {
          address: "aws_vpc.old",
          type: "aws_vpc",
          mode: "managed",
          change: { actions: ["delete"], before: { cidr_block: "10.0.0.0/16" }, after: null },
        },
        {
          address: "aws_example_thing.x",
          type: "aws_example_thing",
          mode: "managed",
          change: { actions: ["create"], before: null, after: {} },
        },
      ],
    };
    const a = analyzePlan(plan, GAPS);
    expect(a.violations.map((v) => `${v.address} ${v.kind}`)).toEqual(["aws_s3_object.prefix create", "aws_vpc.old delete"]);
    expect(a.accepted.map((g) => `${g.address} ${g.kind}`)).toEqual(["aws_example_thing.x create"]);
    expect(formatViolations(a.violations)[1]).toBe("aws_vpc.old: delete (would delete)");
  });

  test("output changes are rejected", () => {
    const a = analyzePlan({ output_changes: { vpc_id: { actions: ["update"], before: "vpc-1", after: "vpc-2" } } }, GAPS);
    expect(a.clean).toBe(false);
    expect(a.violations).toEqual([{ address: "output.vpc_id", kind: "update", attribute: "value", before: "vpc-1", after: "vpc-2" }]);
  });
});

describe("attributeChanges", () => {
  test("names nested paths and treats null and absent alike", () => {
    const changes = attributeChanges(
      { rule: [{ filter: [{ prefix: "" }], status: "Enabled" }], policy: null, name: "x" },
      { rule: [{ filter: [{ prefix: "logs/" }], status: "Enabled" }], name: "x" },
      {},
    );
    expect(changes).toEqual([
      {
        attribute: "rule",
        before: [{ filter: [{ prefix: "" }], status: "Enabled" }],
        after: [{ filter: [{ prefix: "logs/" }], status: "Enabled" }],
        unknown: false,
        paths: ["rule[0].filter[0].prefix"],
      },
    ]);
  });

  test("an unknown nested value marks only its top-level attribute", () => {
    const changes = attributeChanges({ a: { b: 1 }, c: 2 }, { a: {}, c: 2 }, { a: { b: true }, c: false });
    expect(changes.map((c) => [c.attribute, c.unknown])).toEqual([["a", true]]);
  });
});

test("the checked-in gap list is well formed: type, attribute and a reason for each entry", () => {
  const list = loadGapList(path.join(__dirname, "..", "..", "acceptance", "known-emulator-gaps.json"));
  expect(list.gaps.length).toBeGreaterThan(0);
  for (const g of list.gaps) {
    expect(g.type).toMatch(/^aws_[a-z0-9_]+$/);
    expect(g.reason.length).toBeGreaterThan(20);
  }
});
