/**
 * Policy checks over synthesized Terraform JSON. Each check returns violations as
 * `<address>: <problem>` strings; an empty list means the stack complies.
 */
import type { StackJson } from "./synth";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const strings = (v: unknown): string[] => asArray(v).filter((x): x is string => typeof x === "string");

export interface ResourceRef {
  readonly type: string;
  readonly id: string;
  readonly address: string;
  readonly body: Json;
}

/** Every managed resource of a stack, in a stable order. */
export function resources(stack: StackJson): ResourceRef[] {
  const out: ResourceRef[] = [];
  for (const [type, instances] of Object.entries(stack.resource ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [id, body] of Object.entries(instances ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      if (isObject(body)) out.push({ type, id, address: `${type}.${id}`, body });
    }
  }
  return out;
}

function ofType(stack: StackJson, type: string): ResourceRef[] {
  return resources(stack).filter((r) => r.type === type);
}

/** `${...}` interpolations removed; what is left is literal text. */
function literalPart(value: string): string {
  let out = "";
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    if (value.startsWith("${", i)) {
      depth++;
      i++;
    } else if (depth > 0 && value[i] === "{") depth++;
    else if (depth > 0 && value[i] === "}") depth--;
    else if (depth === 0) out += value[i];
  }
  return out;
}

// ---------------------------------------------------------------- S3

/** Every bucket has default encryption and a public access block with all four flags on. */
export function checkBuckets(stack: StackJson): string[] {
  const out: string[] = [];
  const refersTo = (bucket: ResourceRef, value: unknown) =>
    typeof value === "string" &&
    (value === `\${aws_s3_bucket.${bucket.id}.id}` ||
      value === `\${aws_s3_bucket.${bucket.id}.bucket}` ||
      (typeof bucket.body.bucket === "string" && !bucket.body.bucket.includes("${") && value === bucket.body.bucket));
  const encryptions = ofType(stack, "aws_s3_bucket_server_side_encryption_configuration");
  const blocks = ofType(stack, "aws_s3_bucket_public_access_block");
  for (const bucket of ofType(stack, "aws_s3_bucket")) {
    const enc = encryptions.filter((e) => refersTo(bucket, e.body.bucket));
    if (enc.length === 0) out.push(`${bucket.address}: no aws_s3_bucket_server_side_encryption_configuration`);
    for (const e of enc) {
      const algorithms = asArray(e.body.rule).flatMap((r) => asArray(isObject(r) ? r.apply_server_side_encryption_by_default : undefined));
      if (!algorithms.some((a) => isObject(a) && typeof a.sse_algorithm === "string" && a.sse_algorithm !== "")) {
        out.push(`${bucket.address}: ${e.address} sets no sse_algorithm`);
      }
    }
    const pab = blocks.filter((b) => refersTo(bucket, b.body.bucket));
    if (pab.length === 0) out.push(`${bucket.address}: no aws_s3_bucket_public_access_block`);
    for (const b of pab) {
      for (const flag of ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]) {
        if (b.body[flag] !== true) out.push(`${bucket.address}: ${b.address} has ${flag}=${JSON.stringify(b.body[flag])}, expected true`);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- security groups

/** A port that may be reached from anywhere, in one stack (a public listener such as an ALB). */
export interface PublicListener {
  readonly stack: string;
  readonly port: number;
  readonly reason: string;
}

export const SECURITY_GROUP_TYPES = ["aws_security_group", "aws_default_security_group"] as const;

export function securityGroupCount(stack: StackJson): number {
  return SECURITY_GROUP_TYPES.reduce((n, t) => n + ofType(stack, t).length, 0);
}

interface IngressRule {
  readonly where: string;
  readonly cidrs: string[];
  readonly from: unknown;
  readonly to: unknown;
  readonly protocol: unknown;
}

function ingressRules(stack: StackJson): IngressRule[] {
  const rules: IngressRule[] = [];
  for (const type of SECURITY_GROUP_TYPES) {
    for (const sg of ofType(stack, type)) {
      asArray(sg.body.ingress).forEach((r, i) => {
        if (!isObject(r)) return;
        rules.push({
          where: `${sg.address} ingress[${i}]`,
          cidrs: [...strings(r.cidr_blocks), ...strings(r.ipv6_cidr_blocks)],
          from: r.from_port,
          to: r.to_port,
          protocol: r.protocol,
        });
      });
    }
  }
  for (const r of ofType(stack, "aws_security_group_rule")) {
    if (r.body.type !== "ingress") continue;
    rules.push({
      where: r.address,
      cidrs: [...strings(r.body.cidr_blocks), ...strings(r.body.ipv6_cidr_blocks)],
      from: r.body.from_port,
      to: r.body.to_port,
      protocol: r.body.protocol,
    });
  }
  for (const r of ofType(stack, "aws_vpc_security_group_ingress_rule")) {
    rules.push({
      where: r.address,
      cidrs: [...strings(r.body.cidr_ipv4), ...strings(r.body.cidr_ipv6)],
      from: r.body.from_port,
      to: r.body.to_port,
      protocol: r.body.ip_protocol,
    });
  }
  return rules;
}

/** `0.0.0.0/0`, `::/0` and any other spelling of a zero-length prefix. */
const isAnywhere = (cidr: string) => /\/0+$/.test(cidr.trim());

/** No ingress from anywhere, except a single TCP port listed in `allowed` for this stack. */
export function checkIngress(stackName: string, stack: StackJson, allowed: readonly PublicListener[]): string[] {
  const out: string[] = [];
  for (const rule of ingressRules(stack)) {
    const open = rule.cidrs.filter(isAnywhere);
    if (open.length === 0) continue;
    const tcp = rule.protocol === "tcp" || rule.protocol === "6" || rule.protocol === 6;
    const listed = allowed.some((a) => a.stack === stackName && tcp && Number(rule.from) === a.port && Number(rule.to) === a.port);
    if (!listed) {
      out.push(
        `${rule.where}: ingress from ${open.join(", ")} on ${JSON.stringify(rule.protocol)} ${JSON.stringify(rule.from)}-${JSON.stringify(rule.to)} is not a listed public listener`,
      );
    }
  }
  return out;
}

/** Security groups plus their standalone rules: what a stack contributes to network policy. */
export function securityGroupRuleCount(stack: StackJson): number {
  return ["aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"].reduce(
    (n, t) => n + ofType(stack, t).length,
    0,
  );
}

// ---------------------------------------------------------------- compute

/**
 * Every instance and launch template requires IMDSv2 (http_tokens "required") and encrypts its root
 * volume; every EBS volume is encrypted.
 */
export function checkInstances(stack: StackJson): string[] {
  const out: string[] = [];
  for (const r of [...ofType(stack, "aws_instance"), ...ofType(stack, "aws_launch_template")]) {
    const metadata = asArray(r.body.metadata_options)[0];
    const tokens = isObject(metadata) ? metadata.http_tokens : undefined;
    if (tokens !== "required")
      out.push(`${r.address}: metadata_options.http_tokens is ${JSON.stringify(tokens)}, expected "required" (IMDSv2 only)`);
    if (r.type === "aws_instance") {
      const root = asArray(r.body.root_block_device)[0];
      if (!isObject(root) || root.encrypted !== true) out.push(`${r.address}: root_block_device.encrypted is not true`);
      asArray(r.body.ebs_block_device).forEach((d, i) => {
        if (!isObject(d) || d.encrypted !== true) out.push(`${r.address}: ebs_block_device[${i}].encrypted is not true`);
      });
    } else {
      asArray(r.body.block_device_mappings).forEach((m, i) => {
        const ebs = isObject(m) ? asArray(m.ebs)[0] : undefined;
        if (isObject(ebs) && ebs.encrypted !== true && ebs.encrypted !== "true")
          out.push(`${r.address}: block_device_mappings[${i}].ebs.encrypted is not true`);
      });
    }
  }
  for (const v of ofType(stack, "aws_ebs_volume")) {
    if (v.body.encrypted !== true) out.push(`${v.address}: encrypted is ${JSON.stringify(v.body.encrypted)}, expected true`);
  }
  return out;
}

// ---------------------------------------------------------------- logs, keys

export function checkLogRetention(stack: StackJson): string[] {
  return ofType(stack, "aws_cloudwatch_log_group").flatMap((g) => {
    const days = g.body.retention_in_days;
    const n = typeof days === "number" ? days : typeof days === "string" && /^\d+$/.test(days) ? Number(days) : NaN;
    return n > 0 ? [] : [`${g.address}: retention_in_days is ${JSON.stringify(days)}, expected a number of days > 0`];
  });
}

export function checkKmsRotation(stack: StackJson): string[] {
  return ofType(stack, "aws_kms_key").flatMap((k) =>
    k.body.enable_key_rotation === true
      ? []
      : [`${k.address}: enable_key_rotation is ${JSON.stringify(k.body.enable_key_rotation)}, expected true`],
  );
}

// ---------------------------------------------------------------- IAM

export interface Statement {
  /** Where the statement comes from, e.g. `data.aws_iam_policy_document.x statement[0]`. */
  readonly source: string;
  readonly effect: string;
  readonly actions: string[];
  readonly notActions: string[];
  readonly resources: string[];
  readonly notResources: string[];
  /** Part of a KMS key policy, where Resource "*" means the key itself. */
  readonly keyPolicy: boolean;
}

/** Resource attributes that hold an IAM policy document (identity, trust or resource policy). */
export const POLICY_ATTRIBUTES: Record<string, readonly string[]> = {
  aws_iam_policy: ["policy"],
  aws_iam_role_policy: ["policy"],
  aws_iam_user_policy: ["policy"],
  aws_iam_group_policy: ["policy"],
  aws_iam_role: ["assume_role_policy", "inline_policy.policy"],
  aws_s3_bucket: ["policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_s3_access_point: ["policy"],
  aws_kms_key: ["policy"],
  aws_kms_key_policy: ["policy"],
  aws_sqs_queue: ["policy"],
  aws_sqs_queue_policy: ["policy"],
  aws_sns_topic: ["policy"],
  aws_sns_topic_policy: ["policy"],
  aws_ecr_repository_policy: ["policy"],
  aws_ecr_registry_policy: ["policy"],
  aws_secretsmanager_secret: ["policy"],
  aws_secretsmanager_secret_policy: ["policy"],
  aws_cloudwatch_log_resource_policy: ["policy_document"],
  aws_cloudwatch_log_destination_policy: ["access_policy"],
  aws_cloudwatch_event_bus_policy: ["policy"],
  aws_vpc_endpoint: ["policy"],
  aws_vpc_endpoint_policy: ["policy"],
  aws_kinesis_resource_policy: ["policy"],
  aws_efs_file_system_policy: ["policy"],
  aws_dynamodb_resource_policy: ["policy"],
  aws_backup_vault_policy: ["policy"],
  aws_api_gateway_rest_api_policy: ["policy"],
  aws_glue_resource_policy: ["policy"],
  aws_opensearch_domain_policy: ["access_policies"],
};

const KEY_POLICY_ATTRIBUTES: Record<string, string> = { aws_kms_key: "policy", aws_kms_key_policy: "policy" };

const POLICY_DOCUMENT_REF = /^\$\{data\.aws_iam_policy_document\.([^.}]+)\.(json|minified_json)\}$/;

/** Calls `visit` for every leaf of a resource body with its key path (array indexes dropped), skipping cdktf metadata. */
function walk(value: unknown, visit: (path: string, leaf: unknown) => void, path = ""): void {
  if (Array.isArray(value)) value.forEach((v) => walk(v, visit, path));
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) if (k !== "//") walk(v, visit, path ? `${path}.${k}` : k);
  } else visit(path, value);
}

function fromJsonStatement(s: unknown, source: string, keyPolicy: boolean): Statement | undefined {
  if (!isObject(s)) return undefined;
  return {
    source,
    effect: typeof s.Effect === "string" ? s.Effect : "Allow",
    actions: strings(s.Action),
    notActions: strings(s.NotAction),
    resources: strings(s.Resource),
    notResources: strings(s.NotResource),
    keyPolicy,
  };
}

function parsePolicyJson(text: string): unknown[] | undefined {
  if (!text.trimStart().startsWith("{")) return undefined;
  try {
    const doc = JSON.parse(text) as unknown;
    return isObject(doc) && "Statement" in doc ? asArray(doc.Statement) : undefined;
  } catch {
    return undefined;
  }
}

const isJsonencode = (v: string) => /^\$\{\s*jsonencode\s*\(/.test(v);

/**
 * Every IAM statement in a stack: the structured `aws_iam_policy_document` data sources, plus any
 * literal JSON policy in a resource attribute. Policies that cannot be read are violations.
 */
export function collectStatements(stack: StackJson): { statements: Statement[]; violations: string[] } {
  const statements: Statement[] = [];
  const violations: string[] = [];
  const docs = stack.data?.aws_iam_policy_document ?? {};

  // Documents used as key policies, including documents they merge in.
  const keyDocs = new Set<string>();
  for (const r of resources(stack)) {
    const attr = KEY_POLICY_ATTRIBUTES[r.type];
    const m = attr && typeof r.body[attr] === "string" ? POLICY_DOCUMENT_REF.exec(r.body[attr] as string) : null;
    if (m) keyDocs.add(m[1]);
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const id of [...keyDocs]) {
      const doc = docs[id] ?? {};
      for (const ref of [...strings(doc.source_policy_documents), ...strings(doc.override_policy_documents)]) {
        const m = POLICY_DOCUMENT_REF.exec(ref);
        if (m && !keyDocs.has(m[1])) {
          keyDocs.add(m[1]);
          grew = true;
        }
      }
    }
  }

  for (const [id, doc] of Object.entries(docs).sort(([a], [b]) => a.localeCompare(b))) {
    const where = `data.aws_iam_policy_document.${id}`;
    asArray(doc.statement).forEach((s, i) => {
      if (!isObject(s)) return;
      statements.push({
        source: `${where} statement[${i}]${typeof s.sid === "string" ? ` (${s.sid})` : ""}`,
        effect: typeof s.effect === "string" ? s.effect : "Allow",
        actions: strings(s.actions),
        notActions: strings(s.not_actions),
        resources: strings(s.resources),
        notResources: strings(s.not_resources),
        keyPolicy: keyDocs.has(id),
      });
    });
    for (const attr of ["source_policy_documents", "override_policy_documents"]) {
      strings(doc[attr]).forEach((text, i) => {
        if (POLICY_DOCUMENT_REF.test(text)) return;
        const parsed = parsePolicyJson(text);
        if (!parsed) violations.push(`${where}.${attr}[${i}]: not a policy document reference or literal JSON, cannot be reviewed`);
        else
          parsed.forEach((s, j) => {
            const st = fromJsonStatement(s, `${where}.${attr}[${i}] Statement[${j}]`, keyDocs.has(id));
            if (st) statements.push(st);
          });
      });
    }
  }

  for (const r of resources(stack)) {
    const known = POLICY_ATTRIBUTES[r.type] ?? [];
    walk(r.body, (path, leaf) => {
      if (typeof leaf !== "string") return;
      const where = `${r.address}.${path}`;
      const keyPolicy = KEY_POLICY_ATTRIBUTES[r.type] === path;
      const parsed = parsePolicyJson(leaf);
      if (parsed) {
        parsed.forEach((s, j) => {
          const st = fromJsonStatement(s, `${where} Statement[${j}]`, keyPolicy);
          if (st) statements.push(st);
        });
        return;
      }
      if (known.includes(path)) {
        if (POLICY_DOCUMENT_REF.test(leaf)) return;
        if (isJsonencode(leaf)) violations.push(`${where}: a jsonencode(...) policy cannot be reviewed; use an aws_iam_policy_document`);
        else
          violations.push(
            `${where}: ${JSON.stringify(leaf.slice(0, 80))} is neither an aws_iam_policy_document reference nor literal JSON, so it cannot be reviewed`,
          );
      } else if (isJsonencode(leaf) && /Statement/.test(leaf)) {
        violations.push(`${where}: a jsonencode(...) policy cannot be reviewed; use an aws_iam_policy_document`);
      }
    });
  }
  return { statements, violations };
}

/** Managed policies too broad for any workload role. */
const BROAD_MANAGED_POLICY = /:policy\/(AdministratorAccess|PowerUserAccess|[A-Za-z0-9]*FullAccess)$/;

/**
 * No action "*"; no Allow on resource "*" except in key policies or when every action is one AWS
 * defines without resource-level permissions (`noResourceActions`); no broad managed policies.
 */
export function checkIam(stack: StackJson, noResourceActions: ReadonlySet<string>): string[] {
  const { statements, violations } = collectStatements(stack);
  const out = [...violations];
  for (const s of statements) {
    if (s.actions.includes("*")) out.push(`${s.source}: action "*"`);
    if (s.effect !== "Allow") continue;
    if (s.notActions.length > 0) out.push(`${s.source}: Allow with NotAction grants everything else`);
    if (s.notResources.length > 0) out.push(`${s.source}: Allow with NotResource grants everything else`);
    if (s.resources.includes("*") && !s.keyPolicy) {
      const scoped = s.actions.filter((a) => !noResourceActions.has(a));
      if (s.actions.length === 0 || scoped.length > 0) {
        out.push(
          `${s.source}: Allow on resource "*" for ${(scoped.length ? scoped : ["(no actions)"]).join(", ")}, which AWS can scope to resources`,
        );
      }
    }
  }
  for (const r of resources(stack)) {
    const arns = [...strings(r.body.policy_arn), ...strings(r.body.managed_policy_arns)];
    for (const arn of arns) if (BROAD_MANAGED_POLICY.test(arn)) out.push(`${r.address}: attaches broad managed policy ${arn}`);
  }
  return out;
}

/** AWS managed policies that let an instance read Systems Manager parameters across the account. */
const ACCOUNT_WIDE_SSM_POLICY =
  /:policy\/(service-role\/)?(AmazonSSMManagedInstanceCore|AmazonEC2RoleforSSM|AmazonSSMFullAccess|AmazonSSMReadOnlyAccess|AmazonSSMManagedEC2InstanceDefaultPolicy)$/;
/** Actions that include ssm:GetParameter, GetParameters, GetParametersByPath or GetParameterHistory. */
const PARAMETER_READ = /^ssm:(\*|Get\*|GetParameter\w*\*?)$/i;

/**
 * No role reads every SSM parameter: no managed policy above attached, and no Allow of a
 * parameter read on "*" or on every parameter (`parameter/*`).
 */
export function checkSsmParameterScope(stack: StackJson): string[] {
  const out: string[] = [];
  for (const r of resources(stack)) {
    const arns = [...strings(r.body.policy_arn), ...strings(r.body.managed_policy_arns)];
    for (const arn of arns)
      if (ACCOUNT_WIDE_SSM_POLICY.test(arn)) out.push(`${r.address}: attaches ${arn}, which reads every SSM parameter of the account`);
  }
  for (const s of collectStatements(stack).statements) {
    if (s.effect !== "Allow") continue;
    const reads = s.actions.filter((a) => PARAMETER_READ.test(a) || a === "*");
    const everywhere = s.resources.filter((res) => res === "*" || /:parameter\/?\*$/.test(res));
    if (reads.length > 0 && everywhere.length > 0) out.push(`${s.source}: ${reads.join(", ")} on ${everywhere.join(", ")}`);
  }
  return out;
}

// ---------------------------------------------------------------- tags

export const DEFAULT_TAG_KEYS = ["app", "env", "stack", "owner"] as const;

const sameTags = (a: unknown, b: Record<string, string>) =>
  isObject(a) && Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);

/** Each aws provider block carries exactly the four default tags with this stack's values. */
export function checkProviders(stack: StackJson, expected: Record<string, string>): string[] {
  const blocks = stack.provider?.aws ?? [];
  if (blocks.length === 0) return ["provider.aws: the stack has no aws provider"];
  return blocks.flatMap((b) => {
    const name = typeof b.alias === "string" ? `provider.aws.${b.alias}` : "provider.aws";
    const tags = asArray(b.default_tags)[0];
    if (!isObject(tags) || !isObject(tags.tags)) return [`${name}: no default_tags`];
    return sameTags(tags.tags, expected)
      ? []
      : [`${name}: default_tags ${JSON.stringify(tags.tags)}, expected exactly ${JSON.stringify(expected)}`];
  });
}

/**
 * Every resource of a taggable type is reached by default_tags (its provider has the four tags) and
 * does not set any of the four keys itself.
 */
export function checkTags(stack: StackJson, expected: Record<string, string>, taggable: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const providers = stack.provider?.aws ?? [];
  for (const r of resources(stack)) {
    if (!taggable.has(r.type)) continue;
    const ref = typeof r.body.provider === "string" ? r.body.provider : "aws";
    const [local, alias] = ref.split(".");
    if (local !== "aws") {
      out.push(`${r.address}: provider ${ref} is not an aws provider, so the default tags do not reach it`);
      continue;
    }
    const block = providers.find((p) => (typeof p.alias === "string" ? p.alias : undefined) === alias);
    const tags = block && isObject(asArray(block.default_tags)[0]) ? (asArray(block.default_tags)[0] as Json).tags : undefined;
    if (!block) out.push(`${r.address}: provider ${ref} is not declared`);
    else if (!sameTags(tags, expected))
      out.push(`${r.address}: provider ${ref} default_tags ${JSON.stringify(tags)}, expected exactly ${JSON.stringify(expected)}`);
    const own = r.body.tags;
    if (own === undefined) continue;
    if (!isObject(own)) out.push(`${r.address}: tags is ${JSON.stringify(own)}, not a literal map, so the default keys cannot be checked`);
    else
      for (const key of DEFAULT_TAG_KEYS)
        if (key in own) out.push(`${r.address}: tags.${key}=${JSON.stringify(own[key])} overrides the default tag`);
  }
  return out;
}

// ---------------------------------------------------------------- secrets

const SECRET_NAME =
  /password|passwd|secret_string|secret_binary|secret_key|private_key|api_key|auth_token|access_token|(^|_)tokens?$|(^|_)secret$/;
/** Names that match the pattern but hold no secret: ids, names, flags, lengths and idempotency tokens. */
const NOT_SECRET =
  /(^|_)(creation_token|client_token|idempotency_token|http_tokens)$|_(arn|arns|id|ids|name|names|length|version|wo_version|enabled|required|type|mode|count|policy)$/;
const SECRET_ENV_NAME = /PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY/i;
/** Environment names that point at a secret rather than hold one. */
const SECRET_POINTER_ENV_NAME = /_(ARN|NAME|ID|PATH|FILE)$/i;

const hasLiteral = (v: unknown) => typeof v === "string" && literalPart(v).trim() !== "";

/**
 * No secret-looking attribute with a literal value, no secret version whose value lands in state,
 * no SecureString parameter with a literal value, no task definition passing a secret as plain environment.
 */
export function checkClearTextSecrets(stack: StackJson): string[] {
  const out: string[] = [];
  for (const r of resources(stack)) {
    walk(r.body, (path, leaf) => {
      const name = path.split(".").pop() as string;
      if (SECRET_NAME.test(name) && !NOT_SECRET.test(name) && hasLiteral(leaf))
        out.push(`${r.address}.${path}: literal value in clear text`);
    });
    if (r.type === "aws_secretsmanager_secret_version") {
      // Even a reference lands in state in clear text; values are written outside Terraform (or write-only, secret_string_wo).
      for (const attr of ["secret_string", "secret_binary"]) {
        if (r.body[attr] !== undefined && !hasLiteral(r.body[attr]))
          out.push(`${r.address}.${attr}: the secret value is stored in Terraform state`);
      }
    }
    if (r.type === "aws_ssm_parameter" && r.body.type === "SecureString" && hasLiteral(r.body.value)) {
      out.push(`${r.address}.value: SecureString with a literal value`);
    }
    if (r.type === "aws_ecs_task_definition" && typeof r.body.container_definitions === "string") {
      const text = r.body.container_definitions;
      let containers: unknown;
      try {
        containers = JSON.parse(text);
      } catch {
        out.push(`${r.address}.container_definitions: not literal JSON, so its environment cannot be reviewed`);
        continue;
      }
      asArray(containers).forEach((c, i) => {
        if (!isObject(c)) return;
        for (const e of asArray(c.environment)) {
          if (
            isObject(e) &&
            typeof e.name === "string" &&
            SECRET_ENV_NAME.test(e.name) &&
            !SECRET_POINTER_ENV_NAME.test(e.name) &&
            e.value !== undefined &&
            e.value !== ""
          ) {
            out.push(
              `${r.address}.container_definitions[${i}].environment ${e.name}: a secret as plain environment; use secrets (valueFrom)`,
            );
          }
        }
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- IAM documents: duplicates and size

/** A statement's content with every list as a sorted set, so equal permissions give equal strings. */
function canonical(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const items = v.map(norm);
      return items.every((x) => typeof x === "string")
        ? [...new Set(items as string[])].sort()
        : items.map((x) => JSON.stringify(x)).sort();
    }
    if (isObject(v))
      return Object.fromEntries(
        Object.keys(v)
          .filter((k) => v[k] !== undefined && k !== "//")
          .sort()
          .map((k) => [k, norm(v[k])]),
      );
    return v;
  };
  return JSON.stringify(norm(value));
}

/** The statements of every policy document in a stack: documents, then literal JSON policies. */
function documentStatementLists(stack: StackJson): Array<{ where: string; statements: unknown[] }> {
  const out: Array<{ where: string; statements: unknown[] }> = [];
  for (const [id, doc] of Object.entries(stack.data?.aws_iam_policy_document ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    out.push({ where: `data.aws_iam_policy_document.${id}`, statements: asArray(doc.statement) });
  }
  for (const r of resources(stack)) {
    walk(r.body, (path, leaf) => {
      const parsed = typeof leaf === "string" ? parsePolicyJson(leaf) : undefined;
      if (parsed) out.push({ where: `${r.address}.${path}`, statements: parsed });
    });
  }
  return out;
}

/** No policy document holds the same statement twice (lists compared as sets, an empty condition as none). */
export function checkDuplicateStatements(stack: StackJson): string[] {
  const out: string[] = [];
  for (const { where, statements } of documentStatementLists(stack)) {
    const seen = new Map<string, number>();
    statements.forEach((s, i) => {
      const body = isObject(s) && Array.isArray(s.condition) && s.condition.length === 0 ? { ...s, condition: undefined } : s;
      const key = canonical(body);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else out.push(`${where}: statement[${i}] repeats statement[${first}]`);
    });
  }
  return out;
}

/**
 * Characters one `${...}` reference stands for once applied: an upper bound for the ARNs and names it
 * resolves to here (partition, service, region, account and a `<app>-<env>-<component>` name).
 */
export const REFERENCE_SIZE_ESTIMATE = 128;

/** IAM's limits, in characters of the minified JSON (whitespace is not counted). */
export const ROLE_INLINE_POLICY_LIMIT = 10_240;
export const MANAGED_POLICY_LIMIT = 6_144;

const single = (v: string[]) => (v.length === 1 ? v[0] : v);

/** The policy JSON Terraform renders from an `aws_iam_policy_document`'s statements, minified. */
export function renderDocument(statements: unknown[]): string {
  const principals = (v: unknown) => {
    const byType: Record<string, string[]> = {};
    for (const p of asArray(v))
      if (isObject(p) && typeof p.type === "string") byType[p.type] = [...(byType[p.type] ?? []), ...strings(p.identifiers)];
    return Object.keys(byType).length === 0
      ? undefined
      : byType["*"]
        ? "*"
        : Object.fromEntries(Object.entries(byType).map(([t, ids]) => [t, single(ids)]));
  };
  const conditions = (v: unknown) => {
    const out: Record<string, Record<string, string | string[]>> = {};
    for (const c of asArray(v))
      if (isObject(c) && typeof c.test === "string" && typeof c.variable === "string")
        (out[c.test] ??= {})[c.variable] = single(strings(c.values));
    return Object.keys(out).length === 0 ? undefined : out;
  };
  const list = (v: unknown) => (strings(v).length === 0 ? undefined : single(strings(v)));
  const rendered = statements.filter(isObject).map((s) => ({
    Sid: s.sid,
    Effect: typeof s.effect === "string" ? s.effect : "Allow",
    Action: list(s.actions),
    NotAction: list(s.not_actions),
    Resource: list(s.resources),
    NotResource: list(s.not_resources),
    Principal: principals(s.principals),
    NotPrincipal: principals(s.not_principals),
    Condition: conditions(s.condition),
  }));
  return JSON.stringify({ Version: "2012-10-17", Statement: rendered });
}

/** Characters a policy counts once applied, each `${...}` reference at its estimate. */
export function estimatedPolicySize(json: string): number {
  return literalPart(json).length + (json.split("${").length - 1) * REFERENCE_SIZE_ESTIMATE;
}

/** The minified JSON behind a policy attribute, or a reason it cannot be sized. */
function policyText(stack: StackJson, value: unknown): string | { problem: string } {
  if (typeof value !== "string") return { problem: `policy is ${JSON.stringify(value)}, not a string` };
  const m = POLICY_DOCUMENT_REF.exec(value);
  if (m) {
    const doc = stack.data?.aws_iam_policy_document?.[m[1]];
    if (!doc) return { problem: `data.aws_iam_policy_document.${m[1]} is not in this stack` };
    if (doc.source_policy_documents !== undefined || doc.override_policy_documents !== undefined)
      return { problem: `data.aws_iam_policy_document.${m[1]} merges other documents, so its size cannot be estimated` };
    return renderDocument(asArray(doc.statement));
  }
  if (parsePolicyJson(value)) return JSON.stringify(JSON.parse(value));
  return {
    problem: `policy ${JSON.stringify(value.slice(0, 80))} is neither a document reference nor literal JSON, so its size cannot be estimated`,
  };
}

/**
 * Each role's inline policies together stay within 10,240 characters and each managed policy within
 * 6,144, as IAM counts them (minified), with references at their estimated size.
 */
export function checkPolicySizes(stack: StackJson): string[] {
  const out: string[] = [];
  const perRole = new Map<string, { size: number; where: string[] }>();
  const addInline = (role: string, where: string, value: unknown) => {
    const text = policyText(stack, value);
    if (typeof text !== "string") {
      out.push(`${where}: ${text.problem}`);
      return;
    }
    const entry = perRole.get(role) ?? { size: 0, where: [] };
    perRole.set(role, { size: entry.size + estimatedPolicySize(text), where: [...entry.where, where] });
  };
  for (const p of ofType(stack, "aws_iam_role_policy")) addInline(String(p.body.role), p.address, p.body.policy);
  for (const r of ofType(stack, "aws_iam_role")) {
    asArray(r.body.inline_policy).forEach((ip, i) => {
      if (isObject(ip) && ip.policy !== undefined)
        addInline(`\${aws_iam_role.${r.id}.name}`, `${r.address}.inline_policy[${i}]`, ip.policy);
    });
  }
  for (const [role, { size, where }] of perRole) {
    if (size > ROLE_INLINE_POLICY_LIMIT)
      out.push(
        `${where.join(", ")}: inline policies of role ${role} come to about ${size} characters, over IAM's ${ROLE_INLINE_POLICY_LIMIT}`,
      );
  }
  for (const p of ofType(stack, "aws_iam_policy")) {
    const text = policyText(stack, p.body.policy);
    if (typeof text !== "string") out.push(`${p.address}: ${text.problem}`);
    else if (estimatedPolicySize(text) > MANAGED_POLICY_LIMIT)
      out.push(`${p.address}: about ${estimatedPolicySize(text)} characters, over IAM's managed-policy ${MANAGED_POLICY_LIMIT}`);
  }
  return out;
}
