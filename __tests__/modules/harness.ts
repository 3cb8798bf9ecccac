/** One module alone in a minimal stack: the AWS provider, a role to grant to, and the synthesized JSON. */
import { DefaultTokenResolver, StringConcat, TerraformStack, Testing, Tokenization } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { StreamLinesRole } from "../../modules/iam-role";
import { StackJson, dataOf, resourcesOf } from "../helpers/synth";
import { Statement, documentBehind, roleStatements } from "../helpers/stack-json";

export const REGION = "eu-central-1";
export const KEY_ARN = "arn:aws:kms:eu-central-1:111122223333:key/module-test";
export const GRANTEE = "app-dev-grantee";

export function moduleStack(region = REGION): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "module");
  new AwsProvider(stack, "aws", { region });
  return stack;
}

/** A role that only receives grants, so its policy holds exactly what the module under test adds. */
export function granteeRole(stack: TerraformStack): StreamLinesRole {
  return new StreamLinesRole(stack, "grantee", { name: GRANTEE, assumedBy: ["ecs-tasks.amazonaws.com"] });
}

export function synth(stack: TerraformStack): StackJson {
  return JSON.parse(Testing.synth(stack)) as StackJson;
}

/** The one resource of `type`; throws unless there is exactly one. */
export function only(json: StackJson, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(json, type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

/** Resources of `type`, keyed by their logical id. */
export const byId = resourcesOf;
export const dataById = dataOf;

/** The grantee's inline policy statements, merged as synthesized. */
export const granted = (json: StackJson, role = GRANTEE): Statement[] => roleStatements(json, role);

/** The trust policy statements of the role named `role`. */
export function trustOf(json: StackJson, role: string): Array<Record<string, unknown>> {
  const found = Object.values(resourcesOf(json, "aws_iam_role")).find((r) => r.name === role);
  if (!found) throw new Error(`no aws_iam_role named ${role}`);
  return documentBehind(json, found.assume_role_policy);
}

/**
 * The one trust statement a service role gets: `service` may assume it, with a confused-deputy guard on
 * this stack's account and, when given, on the ARNs of the resources that assume it.
 */
export function serviceTrust(
  json: StackJson,
  service: string,
  sourceArn?: (partition: string, account: string) => string,
): Array<Record<string, unknown>> {
  const account = refTo(json, "aws_caller_identity", "account_id", "data");
  const partition = refTo(json, "aws_partition", "partition", "data");
  return [
    {
      effect: "Allow",
      actions: ["sts:AssumeRole"],
      principals: [{ type: "Service", identifiers: [service] }],
      condition: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [account] },
        ...(sourceArn ? [{ test: "ArnLike", variable: "aws:SourceArn", values: [sourceArn(partition, account)] }] : []),
      ],
    },
  ];
}

/** `${<type>.<logical id>.<attr>}` of the one resource of `type`. */
export function refTo(json: StackJson, type: string, attr: string, block: "resource" | "data" = "resource"): string {
  const ids = Object.keys(block === "resource" ? resourcesOf(json, type) : dataOf(json, type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return block === "resource" ? `\${${type}.${ids[0]}.${attr}}` : `\${data.${type}.${ids[0]}.${attr}}`;
}

/** A module's attribute (a token) as it renders in the stack, e.g. `${aws_lb.x.dns_name}`. */
export function resolved(stack: TerraformStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) });
}

/** Synth warnings (Annotations) the stack's constructs added. */
export function warnings(stack: TerraformStack): unknown[] {
  return stack.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === "@cdktf/warn")
    .map((m) => m.data);
}
