/** EmptySecret alone: no value through Terraform state, KMS encryption, and the exact read and write grants. */
import { TerraformStack } from "cdktf";
import { EmptySecret } from "../../modules/secret";
import { checkClearTextSecrets } from "../helpers/policy";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, granted, granteeRole, moduleStack, only, refTo, synth } from "./harness";

function build(use?: (secret: EmptySecret, stack: TerraformStack) => void): StackJson {
  const stack = moduleStack();
  const secret = new EmptySecret(stack, "secret", {
    name: "app-dev/api-token",
    description: "the market-data API token",
    kmsKeyArn: KEY_ARN,
    recoveryWindowDays: 7,
  });
  use?.(secret, stack);
  return synth(stack);
}

test("a secret without a value: named, described, encrypted with the key, with a recovery window", () => {
  const json = build();
  expect(only(json, "aws_secretsmanager_secret")).toEqual({
    name: "app-dev/api-token",
    description: "the market-data API token",
    kms_key_id: KEY_ARN,
    recovery_window_in_days: 7,
  });
  expect(json.resource?.aws_secretsmanager_secret_version).toBeUndefined();
});

test("a generated value goes only into the write-only attribute, from an ephemeral password", () => {
  const json = build((s) => s.generateValue("value", { length: 48, version: 3 }));
  const ephemeral = (json.ephemeral as Record<string, Record<string, Record<string, unknown>>>).aws_secretsmanager_random_password;
  const [id] = Object.keys(ephemeral);
  expect(ephemeral[id]).toEqual({ password_length: 48, exclude_punctuation: true });
  expect(only(json, "aws_secretsmanager_secret_version")).toEqual({
    secret_id: refTo(json, "aws_secretsmanager_secret", "arn"),
    secret_string_wo: `\${ephemeral.aws_secretsmanager_random_password.${id}.random_password}`,
    secret_string_wo_version: 3,
  });
  expect(checkClearTextSecrets(json)).toEqual([]);
});

test("read: value and description of this secret, and decrypt", () => {
  const json = build((s, stack) => s.grantRead(granteeRole(stack)));
  expect(granted(json)).toEqual([
    {
      actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      effect: "Allow",
      resources: [refTo(json, "aws_secretsmanager_secret", "arn")],
    },
    { actions: ["kms:Decrypt"], effect: "Allow", resources: [KEY_ARN] },
  ]);
});

test("write: put a value of this secret, and encrypt it under the key", () => {
  const json = build((s, stack) => s.grantWrite(granteeRole(stack)));
  expect(granted(json)).toEqual([
    {
      actions: ["secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"],
      effect: "Allow",
      resources: [refTo(json, "aws_secretsmanager_secret", "arn")],
    },
    { actions: ["kms:GenerateDataKey", "kms:Encrypt"], effect: "Allow", resources: [KEY_ARN] },
  ]);
});

test("read and write by one role: secret actions united, key actions united", () => {
  const json = build((s, stack) => {
    const role = granteeRole(stack);
    s.grantRead(role);
    s.grantWrite(role);
  });
  expect(granted(json)).toEqual([
    {
      actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
      effect: "Allow",
      resources: [refTo(json, "aws_secretsmanager_secret", "arn")],
    },
    { actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], effect: "Allow", resources: [KEY_ARN] },
  ]);
});
