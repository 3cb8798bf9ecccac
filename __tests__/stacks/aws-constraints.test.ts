/**
 * Every literal value in the synthesized JSON of every shipped config and fixture, checked against AWS's own
 * API models (pattern as a full match, length, enum, range) and AWS's tag rules. The emulator accepts much
 * that AWS refuses; this is the tier that knows the difference. Table: npm run gen:constraints.
 */
import * as fs from "fs";
import * as path from "path";
import { API_MAP, NOT_MAPPED } from "../../scripts/lib/aws-api-map";
import type { ConstraintsTable } from "../../scripts/generate-aws-constraints";
import { configFilesUnderTest, configLabel } from "../../scripts/lib/terraform";
import { Coverage, checkResource, checkTagMap, emptyCoverage, javaToJs, uncompilablePatterns } from "../helpers/aws-constraints";
import { ROOT, StackJson, configNamed, synthAll } from "../helpers/synth";

const TABLE: ConstraintsTable = JSON.parse(fs.readFileSync(path.join(ROOT, "__tests__", "fixtures", "aws-api-constraints.json"), "utf8"));
const CONFIGS = configFilesUnderTest(ROOT).map((file) => [configLabel(file), file] as const);
const total = emptyCoverage();

function checkStack(label: string, stack: string, json: StackJson, coverage: Coverage): string[] {
  const findings: string[] = [];
  for (const providers of Object.values(json.provider ?? {})) {
    for (const p of providers) {
      for (const d of (p.default_tags as Array<{ tags?: Record<string, unknown> }> | undefined) ?? []) {
        if (d.tags) findings.push(...checkTagMap(`${label}/${stack}: provider default_tags`, d.tags, coverage));
      }
    }
  }
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    const mapping = API_MAP[type];
    if (!mapping) continue;
    for (const [name, body] of Object.entries(byName)) {
      findings.push(...checkResource(TABLE, mapping, type, name, body, coverage).map((f) => `${label}/${stack}: ${f}`));
    }
  }
  return findings;
}

function merge(into: Coverage, from: Coverage): void {
  for (const k of ["literals", "checked", "mappedUnconstrained", "unmapped", "interpolated", "tags"] as const) into[k] += from[k];
  for (const [p, n] of from.unmappedPaths) into.unmappedPaths.set(p, (into.unmappedPaths.get(p) ?? 0) + n);
  for (const p of from.checkedPaths) into.checkedPaths.add(p);
}

test("the table covers every mapped resource type (npm run gen:constraints after editing scripts/lib/aws-api-map.ts)", () => {
  expect(Object.keys(TABLE.roots).sort()).toEqual(Object.keys(API_MAP).sort());
  expect(TABLE.botocore).toMatch(/^\d+\.\d+\.\d+$/);
});

test("the DLM schedule name that failed on AWS is refused, and its fix passes", () => {
  const body = (name: string) => ({
    description: "daily snapshots of streamlines-dev-influx-data",
    execution_role_arn: "${aws_iam_role.r.arn}",
    state: "ENABLED",
    policy_details: {
      resource_types: ["VOLUME"],
      schedule: [{ name, create_rule: { interval: 24, interval_unit: "HOURS", times: ["03:00"] }, retain_rule: { count: 7 } }],
    },
  });
  const check = (name: string) =>
    checkResource(TABLE, API_MAP.aws_dlm_lifecycle_policy, "aws_dlm_lifecycle_policy", "snapshots", body(name), emptyCoverage());
  expect(check("daily, kept 7 days")).toEqual([
    expect.stringContaining('policy_details.schedule[0].name = "daily, kept 7 days": does not match ScheduleName\'s pattern'),
  ]);
  expect(check("daily kept 7 days")).toEqual([]);
});

test("length, enum, range and the tag rules each refuse a bad value", () => {
  const coverage = emptyCoverage();
  const tg = checkResource(
    TABLE,
    API_MAP.aws_lb_target_group,
    "aws_lb_target_group",
    "tg",
    { name: "streamlines-production-dashboard-tg", port: 70000, protocol: "HTTP2", tags: { "aws:owner": "x", Name: "a,b" } },
    coverage,
  );
  expect(tg).toEqual([
    expect.stringContaining('name = "streamlines-production-dashboard-tg": longer than CreateTargetGroupInput.Name\'s maximum length 32'),
    expect.stringContaining("port = 70000: above Port's maximum 65535"),
    expect.stringContaining('protocol = "HTTP2": not one of ProtocolEnum\'s values'),
    expect.stringContaining('tags.Name = "a,b": does not match TagValue\'s pattern'),
    expect.stringContaining('tag key "aws:owner" uses the reserved aws: prefix'),
    expect.stringContaining('tag Name value "a,b" has characters outside'),
  ]);
  expect(coverage.checked).toBeGreaterThanOrEqual(3);
});

test("Java pattern syntax from the models reads the same in JavaScript", () => {
  expect(javaToJs("\\p{Print}+")).toBe("[\\x20-\\x7E]+");
  expect(javaToJs("[\\p{all}]*")).toBe("[\\s\\S]*");
  expect(javaToJs("^(\\/|(\\/(?!\\.)+[^$#]+){1,4})$")).toBe("^(\\/|(\\/(?!\\.)[^$#]+){1,4})$");
  expect(javaToJs("[\\p{L}\\p{Z}_.:/=+\\-@]*")).toBe("[\\p{L}\\p{Z}_.:/=+\\-@]*");
  expect(new RegExp(`^(?:${javaToJs("\\p{Print}+")})$`, "u").test("streamlines-dev-backend-cpu")).toBe(true);
});

test("every pattern in the table compiles in JavaScript", () => {
  expect(uncompilablePatterns(TABLE)).toEqual([]);
});

describe.each(CONFIGS)("config %s", (label, file) => {
  test("every literal value is accepted by AWS's API models and tag rules", () => {
    const { stacks } = synthAll(configNamed(file));
    const coverage = emptyCoverage();
    const findings = Object.entries(stacks).flatMap(([stack, json]) => checkStack(label, stack, json, coverage));
    merge(total, coverage);
    const unclassified = Object.values(stacks)
      .flatMap((s) => Object.keys(s.resource ?? {}))
      .filter((t) => !API_MAP[t] && !NOT_MAPPED[t]);
    expect(unclassified.map((t) => `${t}: add it to API_MAP or NOT_MAPPED in scripts/lib/aws-api-map.ts`)).toEqual([]);
    expect(findings).toEqual([]);
    // Not vacuous: most literals reach a member with constraints.
    expect(coverage.checked).toBeGreaterThan(coverage.unmapped);
  });
});

afterAll(() => {
  if (total.literals === 0) return;
  const pct = (n: number) => `${((100 * n) / total.literals).toFixed(1)}%`;
  const unmapped = [...total.unmappedPaths.entries()].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} (${n})`);
  console.log(
    [
      `AWS constraints over ${CONFIGS.length} configs, botocore ${TABLE.botocore}, ${Object.keys(API_MAP).length} mapped resource types (not mapped: ${Object.keys(NOT_MAPPED).join(", ")})`,
      `literal values ${total.literals}: checked ${total.checked} (${pct(total.checked)}), mapped without constraints ${total.mappedUnconstrained} (${pct(total.mappedUnconstrained)}), unmapped ${total.unmapped} (${pct(total.unmapped)}); interpolated ${total.interpolated}; tag keys/values ${total.tags}`,
      `checked attributes ${total.checkedPaths.size}: ${[...total.checkedPaths].sort().join(", ")}`,
      `unmapped attributes ${unmapped.length}: ${unmapped.join(", ")}`,
    ].join("\n"),
  );
});
