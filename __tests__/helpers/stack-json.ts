/** Reading synthesized stacks in tests: resources, references, and what IAM roles may do. */
import { StackJson, dataOf, resourcesOf } from "./synth";

export const values = (stack: StackJson, type: string): Array<Record<string, unknown>> => Object.values(resourcesOf(stack, type));

/** The policy document data source behind `${data.aws_iam_policy_document.<id>.json}`. */
export const documentBehind = (stack: StackJson, ref: unknown): Array<Record<string, unknown>> => {
  const id = String(ref).match(/data\.aws_iam_policy_document\.([\w-]+)\.json/)![1];
  return dataOf(stack, "aws_iam_policy_document")[id].statement as Array<Record<string, unknown>>;
};

export type Statement = { actions: string[]; resources: string[]; condition?: Array<Record<string, unknown>> };

/** Statements of a StreamLinesRole's inline policy (`<role>-policy`); none when it has no policy. */
export const roleStatements = (stack: StackJson, roleName: string): Statement[] => {
  const policy = values(stack, "aws_iam_role_policy").find((p) => p.name === `${roleName}-policy`);
  return policy ? (documentBehind(stack, policy.policy) as unknown as Statement[]) : [];
};

/** What a role may do, as sorted `action on resource` lines; a pair granted twice shows twice. */
export const grants = (stack: StackJson, roleName: string): string[] =>
  roleStatements(stack, roleName)
    .flatMap((s) => s.actions.flatMap((a) => s.resources.map((r) => `${a} on ${r}`)))
    .sort();

/** `${<type>.<id>.<attr>}` of the first resource of `type` that `match` accepts. */
export const ref = (stack: StackJson, type: string, match: (r: Record<string, unknown>) => boolean, attr: string): string => {
  const found = Object.entries(resourcesOf(stack, type)).find(([, r]) => match(r));
  if (!found) throw new Error(`no ${type} matches`);
  return `\${${type}.${found[0]}.${attr}}`;
};

/** A foundations output read through terraform_remote_state, by the part of its name that identifies it. */
export const remote = (stack: StackJson, idPart: string, attr: string): string => {
  const text = JSON.stringify(stack);
  const re = new RegExp(
    `\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-foundations\\.outputs\\.cross-stack-output-[\\w-]*${idPart}[\\w-]*?${attr}\\}`,
  );
  const m = re.exec(text);
  if (!m) throw new Error(`no foundations output for ${idPart} ${attr}`);
  return m[0];
};
