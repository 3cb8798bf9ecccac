/** LambdaFunction alone: the function, its code object, log group and role, and the exact grants of its role. */
import { TerraformStack } from "cdktf";
import { LambdaFunction, LambdaFunctionProps } from "../../modules/lambda-function";
import { KinesisStream } from "../../modules/kinesis-stream";
import { EncryptedQueue } from "../../modules/queue";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, byId, granted, moduleStack, only, refTo, synth } from "./harness";

const NAME = "app-dev-connection-handler";
const PROPS: LambdaFunctionProps = {
  name: NAME,
  description: "WebSocket connect, subscribe and disconnect",
  handler: "connection-handler",
  codeBucket: "app-dev-artifacts",
  kmsKeyArn: KEY_ARN,
  memoryMb: 256,
  timeoutSeconds: 10,
  tracing: false,
  logRetentionDays: 14,
};

function build(props: Partial<LambdaFunctionProps> = {}, use?: (fn: LambdaFunction, stack: TerraformStack) => void): StackJson {
  const stack = moduleStack();
  const fn = new LambdaFunction(stack, "fn", { ...PROPS, ...props });
  use?.(fn, stack);
  return synth(stack);
}

// One synth builds the bundle (esbuild); the tests below read it.
let plain: StackJson;
beforeAll(() => {
  plain = build({ environment: { TABLE: "t" }, reservedConcurrency: 5 });
});

const logWrite = (json: StackJson) => {
  const arn = refTo(json, "aws_cloudwatch_log_group", "arn");
  return {
    actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
    effect: "Allow",
    resources: [arn, `${arn}:log-stream:*`],
  };
};

test("Node.js 22 on arm64 from its KMS-encrypted code object, after its log group exists", () => {
  const fn = only(plain, "aws_lambda_function");
  expect(fn).toMatchObject({
    function_name: NAME,
    description: PROPS.description,
    role: refTo(plain, "aws_iam_role", "arn"),
    runtime: "nodejs22.x",
    architectures: ["arm64"],
    handler: "index.handler",
    s3_bucket: "app-dev-artifacts",
    s3_key: refTo(plain, "aws_s3_object", "key"),
    memory_size: 256,
    timeout: 10,
    kms_key_arn: KEY_ARN,
    tracing_config: { mode: "PassThrough" },
    reserved_concurrent_executions: 5,
    environment: { variables: { TABLE: "t" } },
  });
  expect(fn.depends_on).toEqual([expect.stringMatching(/^aws_cloudwatch_log_group\./), expect.stringMatching(/^aws_s3_object\./)]);
  const code = only(plain, "aws_s3_object");
  expect(code).toMatchObject({
    bucket: "app-dev-artifacts",
    server_side_encryption: "aws:kms",
    kms_key_id: KEY_ARN,
    content_type: "application/zip",
  });
  expect(code.key).toMatch(new RegExp(`^lambdas/${NAME}-[0-9A-F]{64}\\.zip$`));
});

test("its own encrypted log group, /aws/lambda/<name>", () => {
  expect(only(plain, "aws_cloudwatch_log_group")).toEqual({ name: `/aws/lambda/${NAME}`, retention_in_days: 14, kms_key_id: KEY_ARN });
});

test("no environment block without variables", () => {
  expect(only(build(), "aws_lambda_function").environment).toBeUndefined();
});

test("its role: assumed by Lambda; writes its log group and decrypts its environment, nothing else", () => {
  expect(only(plain, "aws_iam_role")).toMatchObject({ name: NAME, description: `${NAME}: the Lambda function's execution role` });
  expect(granted(plain, NAME)).toEqual([logWrite(plain), { actions: ["kms:Decrypt"], effect: "Allow", resources: [KEY_ARN] }]);
});

test("tracing: active, with trace upload on * (X-Ray has no resource types)", () => {
  const json = build({ tracing: true });
  expect(only(json, "aws_lambda_function").tracing_config).toEqual({ mode: "Active" });
  expect(granted(json, NAME)[2]).toEqual({
    actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    effect: "Allow",
    resources: ["*"],
  });
});

test("consuming a stream: polling and sending failures, merged on the key; the mapping waits for the policy", () => {
  const json = build({}, (fn, stack) => {
    const stream = new KinesisStream(stack, "stream", {
      name: "app-dev-results",
      mode: "ON_DEMAND",
      retentionHours: 24,
      kmsKeyArn: KEY_ARN,
    });
    const dlq = new EncryptedQueue(stack, "dlq", { name: "app-dev-results-dlq", kmsKeyArn: KEY_ARN, retentionSeconds: 1_209_600 });
    fn.consumeStream("results", stream, { batchSize: 100, batchingWindowSeconds: 1, maximumRetryAttempts: 3, onFailure: dlq });
  });
  expect(granted(json, NAME)).toEqual([
    logWrite(json),
    { actions: ["kms:Decrypt", "kms:GenerateDataKey"], effect: "Allow", resources: [KEY_ARN] },
    {
      actions: [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
      ],
      effect: "Allow",
      resources: [refTo(json, "aws_kinesis_stream", "arn")],
    },
    { actions: ["sqs:SendMessage"], effect: "Allow", resources: [refTo(json, "aws_sqs_queue", "arn")] },
  ]);
  expect(only(json, "aws_lambda_event_source_mapping")).toEqual({
    function_name: refTo(json, "aws_lambda_function", "arn"),
    event_source_arn: refTo(json, "aws_kinesis_stream", "arn"),
    starting_position: "LATEST",
    batch_size: 100,
    maximum_batching_window_in_seconds: 1,
    maximum_retry_attempts: 3,
    bisect_batch_on_function_error: true,
    function_response_types: ["ReportBatchItemFailures"],
    destination_config: { on_failure: { destination_arn: refTo(json, "aws_sqs_queue", "arn") } },
    depends_on: [`aws_iam_role_policy.${Object.keys(byId(json, "aws_iam_role_policy"))[0]}`],
  });
});
