import { IConstruct } from "constructs";
import { TerraformStack } from "cdktf";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";

/** One lookup per stack, created by the first module that asks, so a stack reads each fact once. */
function perStack<T extends IConstruct>(scope: IConstruct, id: string, type: new (scope: TerraformStack, id: string) => T): T {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(id);
  if (existing === undefined) return new type(stack, id);
  if (!(existing instanceof type))
    throw new Error(`${stack.node.path}: the construct id "${id}" is taken by something other than a ${type.name}`);
  return existing;
}

/** The account the stack deploys into (`data.aws_caller_identity`). */
export function accountIdOf(scope: IConstruct): string {
  return perStack(scope, "caller-identity", DataAwsCallerIdentity).accountId;
}

/** `aws`, `aws-cn` or `aws-us-gov`, for ARNs the stack builds (`data.aws_partition`). */
export function partitionOf(scope: IConstruct): string {
  return perStack(scope, "partition", DataAwsPartition).partition;
}
