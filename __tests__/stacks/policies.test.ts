/**
 * Tier 2 policies over the synthesized JSON of every stack of every config under test. New stacks and
 * new config files are covered without being registered here.
 */
import * as fs from "fs";
import * as path from "path";
import { StreamLinesConfig } from "../../config/schema";
import { configFilesUnderTest, configLabel } from "../../scripts/lib/terraform";
import { ROOT, StackJson, Synthesized, configNamed, synthAll } from "../helpers/synth";
import {
  PublicListener,
  checkBuckets,
  checkClearTextSecrets,
  checkDuplicateStatements,
  checkIam,
  checkIngress,
  checkInstances,
  checkKmsRotation,
  checkLogRetention,
  checkPolicySizes,
  checkProviders,
  checkSsmParameterScope,
  checkTags,
  collectStatements,
  resources,
  securityGroupCount,
  securityGroupRuleCount,
} from "../helpers/policy";

/** Ports that may be reached from 0.0.0.0/0 or ::/0, per stack: public listeners only, each with its reason. */
const PUBLIC_LISTENERS: readonly PublicListener[] = [
  { stack: "core", port: 443, reason: "public ALB: HTTPS from browsers" },
  {
    stack: "core",
    port: 80,
    reason: "public ALB: redirects to 443 when a certificate is configured, else serves HTTP with a synth warning",
  },
];

/**
 * Actions AWS defines without resource-level permissions, so "Resource": "*" is the only value
 * IAM accepts for them. A statement on "*" passes only if every action in it is listed here.
 */
const NO_RESOURCE_LEVEL_ACTIONS: ReadonlySet<string> = new Set([
  // Returns a registry-wide login token; ECR defines no resource type for it.
  "ecr:GetAuthorizationToken",
  // Session Manager and ECS Exec channels; ssmmessages has no resource types.
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
  // SSM agent message delivery; ec2messages has no resource types.
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:GetEndpoint",
  "ec2messages:GetMessages",
  "ec2messages:SendReply",
  // Scoped by the cloudwatch:namespace condition key; there is no metric resource type.
  "cloudwatch:PutMetricData",
  // X-Ray trace upload has no resource types.
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  // EC2 Describe* calls do not support resource-level permissions.
  "ec2:DescribeInstances",
  "ec2:DescribeVolumes",
  "ec2:DescribeTags",
  "ec2:DescribeNetworkInterfaces",
  // Generates a random string and touches no secret; no resource type.
  "secretsmanager:GetRandomPassword",
]);

/** Resources that only work with a security group, so a stack holding them must have one. */
const NEEDS_SECURITY_GROUP: Record<string, (body: Record<string, unknown>) => boolean> = {
  aws_vpc_endpoint: (b) => b.vpc_endpoint_type === "Interface",
  aws_lb: (b) => b.load_balancer_type === undefined || b.load_balancer_type === "application",
  aws_ecs_service: () => true,
  aws_instance: () => true,
  aws_efs_mount_target: () => true,
  aws_lambda_function: (b) => b.vpc_config !== undefined,
};

/** Stacks that must hold security groups under this config, whatever resources they have today. */
function stacksThatMustHaveSecurityGroups(config: StreamLinesConfig, stacks: Record<string, StackJson>): string[] {
  const names = Object.keys(stacks);
  const out = new Set<string>();
  // Interface endpoints sit behind a security group that admits 443 from the VPC.
  if (config.network.egress === "nat-and-endpoints") out.add("core");
  // InfluxDB's security group lives in core (with the VPC); the influx stack holds its rules.
  if (names.includes("influx")) out.add("core").add("influx");
  for (const [name, stack] of Object.entries(stacks)) {
    if (resources(stack).some((r) => NEEDS_SECURITY_GROUP[r.type]?.(r.body))) out.add(name);
  }
  return [...out].filter((n) => names.includes(n)).sort();
}

const TAGGABLE_FILE = path.join(ROOT, "__tests__", "fixtures", "aws-taggable-resource-types.json");
const TAGGABLE: readonly string[] = JSON.parse(fs.readFileSync(TAGGABLE_FILE, "utf8"));
const TAGGABLE_SET: ReadonlySet<string> = new Set(TAGGABLE);

const expectedTags = (config: StreamLinesConfig, stack: string) => ({ app: config.app, env: config.env, stack, owner: config.owner });

type Check = (stack: string, json: StackJson, config: StreamLinesConfig) => string[];

const CHECKS: ReadonlyArray<[string, Check]> = [
  ["every S3 bucket is encrypted and blocks public access", (_s, json) => checkBuckets(json)],
  ["no security-group ingress from 0.0.0.0/0 or ::/0 except listed public listeners", (s, json) => checkIngress(s, json, PUBLIC_LISTENERS)],
  ["every instance requires IMDSv2 and encrypts its disks; every EBS volume is encrypted", (_s, json) => checkInstances(json)],
  ["every log group has a retention", (_s, json) => checkLogRetention(json)],
  ["every KMS key rotates", (_s, json) => checkKmsRotation(json)],
  [
    'IAM: no action "*", no Allow on resource "*" beyond key policies and actions without resource scope',
    (_s, json) => checkIam(json, NO_RESOURCE_LEVEL_ACTIONS),
  ],
  ["IAM: no policy document holds the same statement twice", (_s, json) => checkDuplicateStatements(json)],
  [
    "IAM: each role's inline policies fit 10,240 characters and each managed policy 6,144 (minified, references estimated)",
    (_s, json) => checkPolicySizes(json),
  ],
  [
    "no role reads every SSM parameter (no AmazonSSMManagedInstanceCore, no ssm:GetParameter* on *)",
    (_s, json) => checkSsmParameterScope(json),
  ],
  ["every aws provider carries exactly the four default tags", (s, json, c) => checkProviders(json, expectedTags(c, s))],
  [
    "every taggable resource gets the four default tags and overrides none",
    (s, json, c) => checkTags(json, expectedTags(c, s), TAGGABLE_SET),
  ],
  ["no secrets in clear text", (_s, json) => checkClearTextSecrets(json)],
];

test("the taggable list is the provider schema's, sorted (npm run gen:taggable)", () => {
  expect(TAGGABLE.length).toBeGreaterThan(500);
  expect([...TAGGABLE].sort()).toEqual(TAGGABLE);
  expect(TAGGABLE).toEqual(
    expect.arrayContaining([
      "aws_s3_bucket",
      "aws_kms_key",
      "aws_ecr_repository",
      "aws_vpc",
      "aws_security_group",
      "aws_cloudwatch_log_group",
    ]),
  );
  // No tags attribute: these must not be in the list.
  expect(TAGGABLE).not.toEqual(expect.arrayContaining(["aws_s3_bucket_policy"]));
  expect(TAGGABLE).not.toContain("aws_kms_alias");
});

const CONFIGS = configFilesUnderTest(ROOT).map((file) => [configLabel(file), file] as const);

test("configs under test are discovered", () => {
  expect(CONFIGS.map(([label]) => label)).toEqual(expect.arrayContaining(["dev", "acceptance", "efs-endpoints"]));
});

describe.each(CONFIGS)("config %s", (_label, file) => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthAll(configNamed(file));
  });

  /** Violations of one check over every stack, each prefixed with the stack name. */
  const violations = (check: Check) =>
    Object.entries(synth.stacks).flatMap(([stack, json]) => check(stack, json, synth.config).map((v) => `${stack}: ${v}`));

  test("synthesizes foundations and core", () => {
    expect(Object.keys(synth.stacks)).toEqual(expect.arrayContaining(["foundations", "core"]));
  });

  test.each(CHECKS)("%s", (_title, check) => {
    expect(violations(check)).toEqual([]);
  });

  test("the checks have something to check: buckets, keys, IAM statements, taggable resources in every stack", () => {
    const all = Object.values(synth.stacks).flatMap(resources);
    expect(all.filter((r) => r.type === "aws_s3_bucket").length).toBeGreaterThan(0);
    expect(all.filter((r) => r.type === "aws_kms_key").length).toBeGreaterThan(0);
    expect(Object.values(synth.stacks).flatMap((s) => collectStatements(s).statements).length).toBeGreaterThan(0);
    expect(all.filter((r) => r.type === "aws_iam_role_policy").length).toBeGreaterThan(0);
    for (const [name, json] of Object.entries(synth.stacks)) {
      expect([name, resources(json).some((r) => TAGGABLE_SET.has(r.type))]).toEqual([name, true]);
    }
  });

  test("each stack looks up the caller identity and the partition once, and every reference reads that one", () => {
    const lookups = Object.entries(synth.stacks).flatMap(([name, json]) =>
      ["aws_caller_identity", "aws_partition"].map((type) => {
        const ids = Object.keys(json.data?.[type] ?? {});
        const referenced = [
          ...new Set([...JSON.stringify(json).matchAll(new RegExp(`data\\.${type}\\.([\\w-]+)\\.`, "g"))].map((m) => m[1])),
        ];
        return `${name} ${type}: ${ids.length} lookup(s) [${ids.join(", ")}], referenced [${referenced.join(", ")}]`;
      }),
    );
    const expected = Object.entries(synth.stacks).flatMap(([name, json]) =>
      ["aws_caller_identity", "aws_partition"].map((type) => {
        const used = JSON.stringify(json).includes(`data.${type}.`);
        const id = type === "aws_caller_identity" ? "caller-identity" : "partition";
        return used ? `${name} ${type}: 1 lookup(s) [${id}], referenced [${id}]` : `${name} ${type}: 0 lookup(s) [], referenced []`;
      }),
    );
    expect(lookups).toEqual(expected);
    // Not vacuous: foundations (the key policy) and core (task-role trust) always use both.
    for (const stack of ["foundations", "core"])
      expect(lookups.filter((l) => l.startsWith(`${stack} `) && l.includes(": 1 lookup"))).toHaveLength(2);
  });

  test("stacks that need security groups have groups or rules of their own (so the ingress check is not vacuous)", () => {
    const missing = stacksThatMustHaveSecurityGroups(synth.config, synth.stacks).filter(
      (s) => securityGroupCount(synth.stacks[s]) + securityGroupRuleCount(synth.stacks[s]) === 0,
    );
    expect(missing.map((s) => `${s}: no aws_security_group and no security group rule`)).toEqual([]);
  });
});
