/** StreamLinesLogGroup alone: retention and encryption, and the exact write grant. */
import { StreamLinesLogGroup } from "../../modules/log-group";
import { checkLogRetention } from "../helpers/policy";
import { KEY_ARN, granted, granteeRole, moduleStack, only, refTo, synth } from "./harness";

test("named, retained and encrypted with the key", () => {
  const stack = moduleStack();
  new StreamLinesLogGroup(stack, "logs", { name: "/app/dev/vpc-flow-logs", retentionDays: 30, kmsKeyArn: KEY_ARN });
  const json = synth(stack);
  expect(only(json, "aws_cloudwatch_log_group")).toEqual({ name: "/app/dev/vpc-flow-logs", retention_in_days: 30, kms_key_id: KEY_ARN });
  expect(checkLogRetention(json)).toEqual([]);
});

test("write: streams and events of this group only", () => {
  const stack = moduleStack();
  new StreamLinesLogGroup(stack, "logs", { name: "/app/dev/ingest", retentionDays: 7, kmsKeyArn: KEY_ARN }).grantWrite(granteeRole(stack));
  const json = synth(stack);
  const arn = refTo(json, "aws_cloudwatch_log_group", "arn");
  expect(granted(json)).toEqual([
    {
      actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      effect: "Allow",
      resources: [arn, `${arn}:log-stream:*`],
    },
  ]);
});
