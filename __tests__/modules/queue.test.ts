/** EncryptedQueue alone: SSE-KMS with the given key, and the exact grant a sender gets. */
import { EncryptedQueue } from "../../modules/queue";
import { KEY_ARN, granted, granteeRole, moduleStack, only, refTo, synth } from "./harness";

test("named, KMS-encrypted and kept as long as asked", () => {
  const stack = moduleStack();
  new EncryptedQueue(stack, "dlq", { name: "app-dev-dlq", kmsKeyArn: KEY_ARN, retentionSeconds: 1_209_600 });
  expect(only(synth(stack), "aws_sqs_queue")).toEqual({
    name: "app-dev-dlq",
    message_retention_seconds: 1_209_600,
    kms_master_key_id: KEY_ARN,
  });
});

test("send: SendMessage on this queue, and both data key and decrypt on the key", () => {
  const stack = moduleStack();
  new EncryptedQueue(stack, "dlq", { name: "app-dev-dlq", kmsKeyArn: KEY_ARN, retentionSeconds: 60 }).grantSend(granteeRole(stack));
  const json = synth(stack);
  expect(granted(json)).toEqual([
    { actions: ["sqs:SendMessage"], effect: "Allow", resources: [refTo(json, "aws_sqs_queue", "arn")] },
    { actions: ["kms:Decrypt", "kms:GenerateDataKey"], effect: "Allow", resources: [KEY_ARN] },
  ]);
});
