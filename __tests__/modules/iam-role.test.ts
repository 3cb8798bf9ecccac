/** StreamLinesRole's inline policy: statements merged and de-duplicated at synth, as AWS CDK does. */
import { TerraformStack, Testing } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { StreamLinesRole } from "../../modules/iam-role";
import { TerraformStatement, mergeStatements } from "../../modules/iam-role/merge";
import { dataOf, resourcesOf, StackJson } from "../helpers/synth";
import { documentBehind } from "../helpers/stack-json";

const allow = (actions: string[], resources: string[], extra: Partial<TerraformStatement> = {}): TerraformStatement => ({
  actions,
  effect: "Allow",
  resources,
  ...extra,
});
const via = (service: string) => ({ condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [service] }] });

describe("mergeStatements", () => {
  test("identical statements collapse into the first; lists compared as sets", () => {
    expect(
      mergeStatements([allow(["kms:Decrypt"], ["k"]), allow(["s3:GetObject"], ["b/*"]), allow(["kms:Decrypt", "kms:Decrypt"], ["k"])]),
    ).toEqual([allow(["kms:Decrypt"], ["k"]), allow(["s3:GetObject"], ["b/*"])]);
  });

  test("same resources: actions united and sorted, in the place of the first", () => {
    expect(
      mergeStatements([
        allow(["sqs:SendMessage"], ["q"]),
        allow(["kms:GenerateDataKey", "kms:Decrypt"], ["k"]),
        allow(["kms:Decrypt"], ["k"]),
      ]),
    ).toEqual([allow(["sqs:SendMessage"], ["q"]), allow(["kms:Decrypt", "kms:GenerateDataKey"], ["k"])]);
  });

  test("same actions: resources united and sorted", () => {
    expect(mergeStatements([allow(["kms:Decrypt"], ["k2"]), allow(["kms:Decrypt"], ["k1"])])).toEqual([
      allow(["kms:Decrypt"], ["k1", "k2"]),
    ]);
  });

  test("a merge that makes another merge possible is found in a later pass", () => {
    // a+c share resources; the result shares actions with b.
    const merged = mergeStatements([allow(["x:A"], ["r1"]), allow(["x:A", "x:B"], ["r2"]), allow(["x:B"], ["r1"])]);
    expect(merged).toEqual([allow(["x:A", "x:B"], ["r1", "r2"])]);
  });

  test("neither actions nor resources equal: kept apart (a merge would grant more)", () => {
    const input = [allow(["dynamodb:Query"], ["t/index/i"]), allow(["dynamodb:Query", "dynamodb:DeleteItem"], ["t"])];
    expect(mergeStatements(input)).toEqual(input);
  });

  test("different conditions, effects or sids are kept apart; an exact copy with a sid still collapses", () => {
    const input = [
      allow(["kms:Decrypt"], ["k"]),
      allow(["kms:Decrypt"], ["k2"], via("s3.eu-central-1.amazonaws.com")),
      allow(["kms:Encrypt"], ["k"], { effect: "Deny" }),
      allow(["kms:Encrypt"], ["k"], { sid: "Named" }),
    ];
    expect(mergeStatements([...input, allow(["kms:Encrypt"], ["k"], { sid: "Named" })])).toEqual(input);
  });

  test("equal conditions merge, whatever the order of their blocks and values", () => {
    const two = (values: string[]) => ({
      condition: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: ["1"] },
        { test: "StringLike", variable: "s3:prefix", values },
      ],
    });
    const reversed = { condition: [...two(["b*", "a*"]).condition].reverse() };
    expect(mergeStatements([allow(["s3:ListBucket"], ["b1"], two(["a*", "b*"])), allow(["s3:ListBucket"], ["b2"], reversed)])).toEqual([
      allow(["s3:ListBucket"], ["b1", "b2"], two(["a*", "b*"])),
    ]);
  });

  test("an empty condition list is dropped", () => {
    expect(mergeStatements([allow(["kms:Decrypt"], ["k"], { condition: [] })])).toEqual([
      { actions: ["kms:Decrypt"], effect: "Allow", resources: ["k"] },
    ]);
  });

  test("resource policies: principals united when actions and resources are equal; Principal * never folded into typed ones", () => {
    const svc = (id: string) => ({ principals: [{ type: "Service", identifiers: [id] }] });
    expect(
      mergeStatements([allow(["s3:PutObject"], ["b/*"], svc("b.amazonaws.com")), allow(["s3:PutObject"], ["b/*"], svc("a.amazonaws.com"))]),
    ).toEqual([
      allow(["s3:PutObject"], ["b/*"], { principals: [{ type: "Service", identifiers: ["a.amazonaws.com", "b.amazonaws.com"] }] }),
    ]);
    const anyone = allow(["s3:GetObject"], ["b/*"], { principals: [{ type: "*", identifiers: ["*"] }] });
    const aws = allow(["s3:GetObject"], ["b/*"], { principals: [{ type: "AWS", identifiers: ["*"] }] });
    expect(mergeStatements([anyone, aws])).toEqual([anyone, aws]);
  });
});

describe("StreamLinesRole inline policy", () => {
  let json: StackJson;
  beforeAll(() => {
    const app = Testing.app();
    const scope = new TerraformStack(app, "role");
    const key = new KmsKey(scope, "key", {});
    const role = new StreamLinesRole(scope, "role", { name: "r", assumedBy: ["lambda.amazonaws.com"] });
    // Each `key.arn` read is a new token for the same reference, as when two modules are handed the key.
    role.addToPolicy({ actions: ["kms:Decrypt"], resources: [key.arn] });
    role.addToPolicy({ actions: ["sqs:SendMessage"], resources: ["arn:aws:sqs:eu-central-1:111122223333:q"] });
    role.addToPolicy({ actions: ["kms:Decrypt"], resources: [key.arn] });
    role.addToPolicy({ actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [key.arn] });
    role.addToPolicy({ actions: ["s3:ListBucket"], resources: ["arn:aws:s3:::b"], conditions: { StringLike: { "s3:prefix": ["p/*"] } } });
    json = JSON.parse(Testing.synth(scope)) as StackJson;
  });

  test("one statement per distinct grant, merged on the resolved key reference, conditions kept where set", () => {
    const policy = Object.values(resourcesOf(json, "aws_iam_role_policy"))[0];
    expect(documentBehind(json, policy.policy)).toEqual([
      {
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        effect: "Allow",
        resources: [expect.stringMatching(/^\$\{aws_kms_key\.key\w*\.arn\}$/)],
      },
      { actions: ["sqs:SendMessage"], effect: "Allow", resources: ["arn:aws:sqs:eu-central-1:111122223333:q"] },
      {
        actions: ["s3:ListBucket"],
        condition: [{ test: "StringLike", variable: "s3:prefix", values: ["p/*"] }],
        effect: "Allow",
        resources: ["arn:aws:s3:::b"],
      },
    ]);
  });

  test("the trust policy carries no empty condition", () => {
    const trust = Object.entries(dataOf(json, "aws_iam_policy_document")).find(([id]) => id.includes("trust"))![1];
    expect(trust.statement).toEqual([
      { actions: ["sts:AssumeRole"], effect: "Allow", principals: [{ identifiers: ["lambda.amazonaws.com"], type: "Service" }] },
    ]);
  });
});
