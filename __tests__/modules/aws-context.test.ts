/** The per-stack lookups: one caller identity and one partition per stack, however many modules ask. */
import { TerraformStack } from "cdktf";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { Construct } from "constructs";
import { accountIdOf, partitionOf } from "../../modules/aws-context";
import { moduleStack, resolved, synth } from "./harness";

test("modules in nested scopes share the stack's one lookup of each", () => {
  const stack = moduleStack();
  const a = new Construct(stack, "a");
  const b = new Construct(new Construct(stack, "b"), "deeper");
  const values = [accountIdOf(a), accountIdOf(b), partitionOf(a), partitionOf(b)].map((v) => resolved(stack, v));
  expect(values).toEqual([
    "${data.aws_caller_identity.caller-identity.account_id}",
    "${data.aws_caller_identity.caller-identity.account_id}",
    "${data.aws_partition.partition.partition}",
    "${data.aws_partition.partition.partition}",
  ]);
  const json = synth(stack);
  expect(Object.keys(json.data!.aws_caller_identity)).toEqual(["caller-identity"]);
  expect(Object.keys(json.data!.aws_partition)).toEqual(["partition"]);
});

test("another stack gets lookups of its own", () => {
  const first = moduleStack();
  const second = new TerraformStack(first.node.scope!, "second");
  accountIdOf(first);
  accountIdOf(second);
  expect(first.node.tryFindChild("caller-identity")).toBeInstanceOf(DataAwsCallerIdentity);
  expect(second.node.tryFindChild("caller-identity")).toBeInstanceOf(DataAwsCallerIdentity);
});

test("an id taken by something else is refused, naming the stack and the id", () => {
  const stack = moduleStack();
  new Construct(stack, "partition");
  expect(() => partitionOf(stack)).toThrow('module: the construct id "partition" is taken by something other than a DataAwsPartition');
});
