/** The policy checkers must report broken stacks; hand-made bad JSON proves they are not vacuous. */
import type { StackJson } from "../helpers/synth";
import {
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
  estimatedPolicySize,
  renderDocument,
  REFERENCE_SIZE_ESTIMATE,
} from "../helpers/policy";

const TAGS = { app: "streamlines", env: "dev", stack: "core", owner: "platform-team" };
const provider = (extra: Record<string, unknown> = {}) => ({ region: "eu-central-1", default_tags: [{ tags: TAGS }], ...extra });

function stack(
  resource: StackJson["resource"],
  data?: StackJson["data"],
  providers: StackJson["provider"] = { aws: [provider()] },
): StackJson {
  return { terraform: {}, provider: providers, resource, ...(data && { data }) };
}

const fullBlock = { block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true };
const sse = { rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" } }] };

describe("buckets", () => {
  test("a compliant bucket passes, matched by .id or .bucket", () => {
    const s = stack({
      aws_s3_bucket: { b: { bucket: "x" } },
      aws_s3_bucket_server_side_encryption_configuration: { e: { bucket: "${aws_s3_bucket.b.id}", ...sse } },
      aws_s3_bucket_public_access_block: { p: { bucket: "${aws_s3_bucket.b.bucket}", ...fullBlock } },
    });
    expect(checkBuckets(s)).toEqual([]);
  });

  test("a public bucket (no block, no encryption) is reported", () => {
    expect(checkBuckets(stack({ aws_s3_bucket: { open: { bucket: "x" } } }))).toEqual([
      "aws_s3_bucket.open: no aws_s3_bucket_server_side_encryption_configuration",
      "aws_s3_bucket.open: no aws_s3_bucket_public_access_block",
    ]);
  });

  test("a block with one flag off, or one for another bucket, does not count", () => {
    const s = stack({
      aws_s3_bucket: { a: { bucket: "a" }, b: { bucket: "b" } },
      aws_s3_bucket_server_side_encryption_configuration: {
        ea: { bucket: "${aws_s3_bucket.a.id}", ...sse },
        eb: { bucket: "${aws_s3_bucket.b.id}", ...sse },
      },
      aws_s3_bucket_public_access_block: { pa: { bucket: "${aws_s3_bucket.a.id}", ...fullBlock, restrict_public_buckets: false } },
    });
    expect(checkBuckets(s)).toEqual([
      "aws_s3_bucket.a: aws_s3_bucket_public_access_block.pa has restrict_public_buckets=false, expected true",
      "aws_s3_bucket.b: no aws_s3_bucket_public_access_block",
    ]);
  });
});

describe("ingress", () => {
  const open = stack({
    aws_security_group: {
      inline: {
        ingress: [
          { from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] },
          { from_port: 443, to_port: 443, protocol: "tcp", cidr_blocks: ["10.0.0.0/16"] },
        ],
      },
    },
    aws_security_group_rule: {
      v6: { type: "ingress", from_port: 443, to_port: 443, protocol: "tcp", ipv6_cidr_blocks: ["::/0"] },
      out: { type: "egress", from_port: 0, to_port: 0, protocol: "-1", cidr_blocks: ["0.0.0.0/0"] },
    },
    aws_vpc_security_group_ingress_rule: {
      all: { ip_protocol: "-1", cidr_ipv4: "0.0.0.0/0" },
      https: { ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0" },
    },
  });

  test("every form of ingress from anywhere is reported; egress and private CIDRs are not", () => {
    expect(checkIngress("core", open, [])).toEqual([
      'aws_security_group.inline ingress[0]: ingress from 0.0.0.0/0 on "tcp" 22-22 is not a listed public listener',
      'aws_security_group_rule.v6: ingress from ::/0 on "tcp" 443-443 is not a listed public listener',
      'aws_vpc_security_group_ingress_rule.all: ingress from 0.0.0.0/0 on "-1" undefined-undefined is not a listed public listener',
      'aws_vpc_security_group_ingress_rule.https: ingress from 0.0.0.0/0 on "tcp" 443-443 is not a listed public listener',
    ]);
  });

  test("a listed (stack, port) passes only in that stack, only for that TCP port", () => {
    const allowed = [{ stack: "core", port: 443, reason: "public ALB" }];
    expect(checkIngress("core", open, allowed)).toEqual([
      'aws_security_group.inline ingress[0]: ingress from 0.0.0.0/0 on "tcp" 22-22 is not a listed public listener',
      'aws_vpc_security_group_ingress_rule.all: ingress from 0.0.0.0/0 on "-1" undefined-undefined is not a listed public listener',
    ]);
    expect(checkIngress("influx", open, allowed)).toHaveLength(4);
  });
});

describe("instances", () => {
  const imdsv2 = { metadata_options: { http_endpoint: "enabled", http_tokens: "required" } };
  test("IMDSv2 with an encrypted root volume passes, as does an encrypted EBS volume", () => {
    expect(
      checkInstances(
        stack({ aws_instance: { ok: { ...imdsv2, root_block_device: { encrypted: true } } }, aws_ebs_volume: { v: { encrypted: true } } }),
      ),
    ).toEqual([]);
  });

  test("IMDSv1 allowed, no root_block_device, an unencrypted extra disk, template or volume are reported", () => {
    const s = stack({
      aws_instance: {
        v1: { metadata_options: { http_tokens: "optional" }, root_block_device: { encrypted: true } },
        plain: { ...imdsv2, ebs_block_device: [{ device_name: "/dev/sdf", encrypted: false }] },
      },
      aws_launch_template: { lt: { block_device_mappings: [{ ebs: { encrypted: false } }] } },
      aws_ebs_volume: { v: { size: 10 } },
    });
    expect(checkInstances(s)).toEqual([
      "aws_instance.plain: root_block_device.encrypted is not true",
      "aws_instance.plain: ebs_block_device[0].encrypted is not true",
      'aws_instance.v1: metadata_options.http_tokens is "optional", expected "required" (IMDSv2 only)',
      'aws_launch_template.lt: metadata_options.http_tokens is undefined, expected "required" (IMDSv2 only)',
      "aws_launch_template.lt: block_device_mappings[0].ebs.encrypted is not true",
      "aws_ebs_volume.v: encrypted is undefined, expected true",
    ]);
  });
});

test("a log group without retention, or with 0 (never expire), is reported", () => {
  const s = stack({
    aws_cloudwatch_log_group: { none: { name: "a" }, zero: { name: "b", retention_in_days: 0 }, ok: { name: "c", retention_in_days: 30 } },
  });
  expect(checkLogRetention(s)).toEqual([
    "aws_cloudwatch_log_group.none: retention_in_days is undefined, expected a number of days > 0",
    "aws_cloudwatch_log_group.zero: retention_in_days is 0, expected a number of days > 0",
  ]);
});

test("a KMS key without rotation is reported", () => {
  expect(checkKmsRotation(stack({ aws_kms_key: { k: { description: "x" }, ok: { enable_key_rotation: true } } }))).toEqual([
    "aws_kms_key.k: enable_key_rotation is undefined, expected true",
  ]);
});

describe("IAM", () => {
  const noScope = new Set(["ecr:GetAuthorizationToken"]);
  const doc = (...statement: Record<string, unknown>[]) => ({ statement });

  test('Action "*" is reported, in documents and in literal JSON, Allow or Deny', () => {
    const s = stack(
      {
        aws_iam_policy: {
          p: {
            policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::x" }] }),
          },
        },
      },
      { aws_iam_policy_document: { d: doc({ effect: "Deny", actions: ["*"], resources: ["*"] }) } },
    );
    expect(checkIam(s, noScope)).toEqual([
      'data.aws_iam_policy_document.d statement[0]: action "*"',
      'aws_iam_policy.p.policy Statement[0]: action "*"',
    ]);
  });

  test('Allow on "*" is reported unless every action lacks resource scope, or the document is a key policy', () => {
    const s = stack(
      {
        aws_kms_key: { k: { enable_key_rotation: true, policy: "${data.aws_iam_policy_document.key.json}" } },
        aws_iam_role_policy: { r: { policy: "${data.aws_iam_policy_document.role.json}" } },
      },
      {
        aws_iam_policy_document: {
          key: doc({ actions: ["kms:*"], resources: ["*"] }),
          role: doc(
            { actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
            { actions: ["ecr:GetAuthorizationToken", "s3:GetObject"], resources: ["*"] },
            { effect: "Deny", actions: ["s3:DeleteObject"], resources: ["*"] },
            { actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }] },
          ),
        },
      },
    );
    expect(checkIam(s, noScope)).toEqual([
      'data.aws_iam_policy_document.role statement[1]: Allow on resource "*" for s3:GetObject, which AWS can scope to resources',
    ]);
    const key = collectStatements(s).statements.filter((st) => st.keyPolicy);
    expect(key.map((st) => st.source)).toEqual(["data.aws_iam_policy_document.key statement[0]"]);
  });

  test("a jsonencode policy cannot be reviewed and is reported", () => {
    const s = stack({ aws_iam_role_policy: { r: { policy: '${jsonencode({"Statement" = [{"Action" = "*"}]})}' } } });
    expect(checkIam(s, noScope)).toEqual([
      "aws_iam_role_policy.r.policy: a jsonencode(...) policy cannot be reviewed; use an aws_iam_policy_document",
    ]);
  });

  test("a broad managed policy is reported", () => {
    const s = stack({ aws_iam_role_policy_attachment: { a: { role: "r", policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" } } });
    expect(checkIam(s, noScope)).toEqual([
      "aws_iam_role_policy_attachment.a: attaches broad managed policy arn:aws:iam::aws:policy/AdministratorAccess",
    ]);
  });
});

test("a role that can read every SSM parameter is reported: AmazonSSMManagedInstanceCore, or ssm:GetParameter* on * or parameter/*", () => {
  const s = stack(
    {
      aws_iam_role_policy_attachment: { core: { role: "r", policy_arn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" } },
      aws_iam_role: { legacy: { name: "x", managed_policy_arns: ["arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM"] } },
      aws_iam_role_policy: { p: { policy: "${data.aws_iam_policy_document.p.json}" } },
    },
    {
      aws_iam_policy_document: {
        p: {
          statement: [
            { actions: ["ssm:GetParameters"], resources: ["*"] },
            { actions: ["ssm:GetParameter*"], resources: ["arn:aws:ssm:eu-central-1:123456789012:parameter/*"] },
            { actions: ["ssm:GetParameter"], resources: ["arn:aws:ssm:eu-central-1:123456789012:parameter/streamlines/dev/x"] },
            { actions: ["ssm:UpdateInstanceInformation", "ssmmessages:OpenDataChannel"], resources: ["*"] },
            { effect: "Deny", actions: ["ssm:*"], resources: ["*"] },
          ],
        },
      },
    },
  );
  expect(checkSsmParameterScope(s)).toEqual([
    "aws_iam_role.legacy: attaches arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM, which reads every SSM parameter of the account",
    "aws_iam_role_policy_attachment.core: attaches arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore, which reads every SSM parameter of the account",
    "data.aws_iam_policy_document.p statement[0]: ssm:GetParameters on *",
    "data.aws_iam_policy_document.p statement[1]: ssm:GetParameter* on arn:aws:ssm:eu-central-1:123456789012:parameter/*",
  ]);
});

describe("tags", () => {
  const taggable = new Set(["aws_s3_bucket", "aws_vpc"]);

  test("a compliant stack passes; untaggable types are ignored", () => {
    const s = stack({ aws_s3_bucket: { b: { bucket: "x", tags: { Name: "x" } } }, aws_s3_bucket_policy: { p: { bucket: "x" } } });
    expect(checkProviders(s, TAGS)).toEqual([]);
    expect(checkTags(s, TAGS, taggable)).toEqual([]);
  });

  test("a missing tag (provider default_tags without owner) is reported on the provider and each resource", () => {
    const three = { app: TAGS.app, env: TAGS.env, stack: TAGS.stack };
    const s = stack({ aws_vpc: { v: { cidr_block: "10.0.0.0/16" } } }, undefined, {
      aws: [{ region: "x", default_tags: [{ tags: three }] }],
    });
    expect(checkProviders(s, TAGS)).toEqual([
      `provider.aws: default_tags ${JSON.stringify(three)}, expected exactly ${JSON.stringify(TAGS)}`,
    ]);
    expect(checkTags(s, TAGS, taggable)).toEqual([
      `aws_vpc.v: provider aws default_tags ${JSON.stringify(three)}, expected exactly ${JSON.stringify(TAGS)}`,
    ]);
  });

  test("an aliased provider without default_tags, an undeclared alias and an override are reported", () => {
    const s = stack(
      {
        aws_s3_bucket: {
          a: { bucket: "a", provider: "aws.use1" },
          b: { bucket: "b", provider: "aws.nowhere" },
          c: { bucket: "c", tags: { env: "prod" } },
        },
      },
      undefined,
      { aws: [provider(), { region: "us-east-1", alias: "use1" }] },
    );
    expect(checkProviders(s, TAGS)).toEqual(["provider.aws.use1: no default_tags"]);
    expect(checkTags(s, TAGS, taggable)).toEqual([
      "aws_s3_bucket.a: provider aws.use1 default_tags undefined, expected exactly " + JSON.stringify(TAGS),
      "aws_s3_bucket.b: provider aws.nowhere is not declared",
      'aws_s3_bucket.c: tags.env="prod" overrides the default tag',
    ]);
  });

  test("a stack without an aws provider is reported", () => {
    expect(checkProviders(stack({}, undefined, {}), TAGS)).toEqual(["provider.aws: the stack has no aws provider"]);
  });
});

describe("secrets", () => {
  test("literal secrets are reported; references and look-alike names are not", () => {
    const s = stack({
      aws_db_instance: { db: { password: "hunter2", username: "admin" }, ok: { password: "${random_password.p.result}" } },
      aws_secretsmanager_secret_version: {
        literal: { secret_id: "x", secret_string: "s3cr3t" },
        ref: { secret_id: "x", secret_string: "${random_password.p.result}" },
      },
      aws_instance: { i: { metadata_options: [{ http_tokens: "required" }] } },
      aws_efs_file_system: { f: { creation_token: "streamlines-dev-influx-data" } },
      aws_ssm_parameter: { p: { name: "p", type: "SecureString", value: "plain" } },
      aws_ecs_task_definition: {
        t: {
          container_definitions: JSON.stringify([
            {
              name: "app",
              environment: [
                { name: "INFLUX_TOKEN", value: "abc" },
                { name: "INFLUX_TOKEN_SECRET_ARN", value: "arn:x" },
                { name: "LEVEL", value: "info" },
              ],
            },
          ]),
        },
      },
    });
    expect(checkClearTextSecrets(s)).toEqual([
      "aws_db_instance.db.password: literal value in clear text",
      "aws_ecs_task_definition.t.container_definitions[0].environment INFLUX_TOKEN: a secret as plain environment; use secrets (valueFrom)",
      "aws_secretsmanager_secret_version.literal.secret_string: literal value in clear text",
      "aws_secretsmanager_secret_version.ref.secret_string: the secret value is stored in Terraform state",
      "aws_ssm_parameter.p.value: SecureString with a literal value",
    ]);
  });
});

describe("IAM documents: duplicates and size", () => {
  const decrypt = { actions: ["kms:Decrypt"], effect: "Allow", resources: ["${aws_kms_key.k.arn}"] };

  test("a statement repeated in a document is reported, lists compared as sets and an empty condition as none", () => {
    const s = stack(
      {},
      {
        aws_iam_policy_document: {
          d: {
            statement: [
              decrypt,
              { ...decrypt, condition: [] },
              { actions: ["kms:Decrypt", "kms:Decrypt"], resources: ["${aws_kms_key.k.arn}"], effect: "Allow" },
            ],
          },
        },
      },
    );
    expect(checkDuplicateStatements(s)).toEqual([
      "data.aws_iam_policy_document.d: statement[1] repeats statement[0]",
      "data.aws_iam_policy_document.d: statement[2] repeats statement[0]",
    ]);
  });

  test("statements that differ in a condition are not duplicates; nor are the same statements in two documents", () => {
    const scoped = {
      ...decrypt,
      condition: [{ test: "StringEquals", variable: "kms:ViaService", values: ["s3.eu-central-1.amazonaws.com"] }],
    };
    const s = stack({}, { aws_iam_policy_document: { a: { statement: [decrypt, scoped] }, b: { statement: [decrypt] } } });
    expect(checkDuplicateStatements(s)).toEqual([]);
  });

  test("a literal JSON policy with a repeated statement is reported", () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["a:B", "a:C"], Resource: "*" },
        { Effect: "Allow", Action: ["a:C", "a:B"], Resource: "*" },
      ],
    });
    expect(checkDuplicateStatements(stack({ aws_ecr_repository_policy: { p: { policy } } }))).toEqual([
      "aws_ecr_repository_policy.p.policy: statement[1] repeats statement[0]",
    ]);
  });

  test("a document renders as Terraform renders it, minified, and references count at their estimate", () => {
    const json = renderDocument([
      { ...decrypt, condition: [] },
      { actions: ["s3:GetObject", "s3:PutObject"], effect: "Allow", resources: ["arn:aws:s3:::b/*"] },
    ]);
    expect(json).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"${aws_kms_key.k.arn}"},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/*"}]}',
    );
    expect(estimatedPolicySize(json)).toBe(json.length - "${aws_kms_key.k.arn}".length + REFERENCE_SIZE_ESTIMATE);
  });

  /** A role policy whose document holds `n` statements of one action on one reference each. */
  const rolePolicyOf = (n: number) =>
    stack(
      {
        aws_iam_role: { r: { name: "x" } },
        aws_iam_role_policy: { p: { role: "${aws_iam_role.r.name}", policy: "${data.aws_iam_policy_document.d.json}" } },
      },
      {
        aws_iam_policy_document: {
          d: {
            statement: Array.from({ length: n }, (_, i) => ({
              actions: [`s3:GetObject${i}`],
              effect: "Allow",
              resources: [`\${aws_s3_bucket.b${i}.arn}`],
            })),
          },
        },
      },
    );

  test("a role's inline policy over 10,240 characters is reported; one under passes", () => {
    const size = (n: number) => estimatedPolicySize(renderDocument(rolePolicyOf(n).data!.aws_iam_policy_document.d.statement as unknown[]));
    const fits = Array.from({ length: 200 }, (_, n) => n)
      .filter((n) => size(n) <= 10_240)
      .pop()!;
    expect(checkPolicySizes(rolePolicyOf(fits))).toEqual([]);
    expect(checkPolicySizes(rolePolicyOf(fits + 1))).toEqual([
      `aws_iam_role_policy.p: inline policies of role \${aws_iam_role.r.name} come to about ${size(fits + 1)} characters, over IAM's 10240`,
    ]);
  });

  test("two inline policies of one role count together; a managed policy is held to 6,144", () => {
    const big = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${"b".repeat(6000)}/*` }],
    });
    const s = stack({
      aws_iam_role_policy: { p1: { role: "r", policy: big }, p2: { role: "r", policy: big } },
      aws_iam_policy: { fits: { policy: big }, huge: { policy: big.replace("s3:GetObject", "s3:GetObject" + "x".repeat(200)) } },
    });
    expect(checkPolicySizes(s)).toEqual([
      `aws_iam_role_policy.p1, aws_iam_role_policy.p2: inline policies of role r come to about ${2 * big.length} characters, over IAM's 10240`,
      `aws_iam_policy.huge: about ${big.length + 200} characters, over IAM's managed-policy 6144`,
    ]);
  });

  test("a policy that cannot be sized is reported", () => {
    expect(checkPolicySizes(stack({ aws_iam_policy: { m: { policy: "${jsonencode({})}" } } }))).toEqual([
      'aws_iam_policy.m: policy "${jsonencode({})}" is neither a document reference nor literal JSON, so its size cannot be estimated',
    ]);
  });
});
