/** KinesisStream alone: KMS encryption, capacity mode, and the exact grants of each kind of reader and writer. */
import { KinesisStream, KinesisStreamProps } from "../../modules/kinesis-stream";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, granted, granteeRole, moduleStack, only, refTo, synth } from "./harness";

const PROPS: KinesisStreamProps = { name: "app-dev-ticks", mode: "ON_DEMAND", retentionHours: 24, kmsKeyArn: KEY_ARN };
const POLL = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
];

function build(
  use?: (stream: KinesisStream, grantee: ReturnType<typeof granteeRole>) => void,
  props: Partial<KinesisStreamProps> = {},
): StackJson {
  const stack = moduleStack();
  const stream = new KinesisStream(stack, "stream", { ...PROPS, ...props });
  if (use) use(stream, granteeRole(stack));
  return synth(stack);
}

test("on demand, KMS-encrypted with the given key, consumers deleted with it", () => {
  expect(only(build(), "aws_kinesis_stream")).toEqual({
    name: "app-dev-ticks",
    stream_mode_details: { stream_mode: "ON_DEMAND" },
    retention_period: 24,
    encryption_type: "KMS",
    kms_key_id: KEY_ARN,
    enforce_consumer_deletion: true,
  });
});

test("provisioned with its shard count", () => {
  expect(only(build(undefined, { mode: "PROVISIONED", shardCount: 2 }), "aws_kinesis_stream")).toMatchObject({
    stream_mode_details: { stream_mode: "PROVISIONED" },
    shard_count: 2,
  });
});

test("a shard count goes with PROVISIONED only", () => {
  const message = "KinesisStream app-dev-ticks: shardCount is required with PROVISIONED and not allowed with ON_DEMAND";
  expect(() => build(undefined, { mode: "PROVISIONED" })).toThrow(message);
  expect(() => build(undefined, { shardCount: 1 })).toThrow(message);
});

test("write: put records and find shards; a data key, no decrypt", () => {
  const json = build((s, g) => s.grantWrite(g));
  expect(granted(json)).toEqual([
    {
      actions: ["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"],
      effect: "Allow",
      resources: [refTo(json, "aws_kinesis_stream", "arn")],
    },
    { actions: ["kms:GenerateDataKey"], effect: "Allow", resources: [KEY_ARN] },
  ]);
});

test("polling read: the polling calls on the stream, and decrypt", () => {
  const json = build((s, g) => s.grantRead(g, "polling"));
  expect(granted(json)).toEqual([
    { actions: POLL, effect: "Allow", resources: [refTo(json, "aws_kinesis_stream", "arn")] },
    { actions: ["kms:Decrypt"], effect: "Allow", resources: [KEY_ARN] },
  ]);
});

test("poll (a Lambda event source): the polling calls on the stream, no enhanced fan-out consumers, and decrypt", () => {
  const json = build((s, g) => s.grantPoll(g));
  expect(granted(json)).toEqual([
    { actions: POLL, effect: "Allow", resources: [refTo(json, "aws_kinesis_stream", "arn")] },
    { actions: ["kms:Decrypt"], effect: "Allow", resources: [KEY_ARN] },
  ]);
});

test("fan-out read: consumer registration on the stream, subscription on its consumers, and decrypt", () => {
  const json = build((s, g) => s.grantRead(g, "fan-out"));
  const arn = refTo(json, "aws_kinesis_stream", "arn");
  expect(granted(json)).toEqual([
    { actions: [...POLL, "kinesis:ListStreamConsumers", "kinesis:RegisterStreamConsumer"], effect: "Allow", resources: [arn] },
    {
      actions: ["kinesis:DeregisterStreamConsumer", "kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"],
      effect: "Allow",
      resources: [`${arn}/consumer/*`],
    },
    { actions: ["kms:Decrypt"], effect: "Allow", resources: [KEY_ARN] },
  ]);
});

test("read and write by one role: stream actions united, data key and decrypt in one key statement", () => {
  const json = build((s, g) => {
    s.grantPoll(g);
    s.grantWrite(g);
  });
  expect(granted(json)).toEqual([
    {
      actions: [...POLL, "kinesis:PutRecord", "kinesis:PutRecords"].sort(),
      effect: "Allow",
      resources: [refTo(json, "aws_kinesis_stream", "arn")],
    },
    { actions: ["kms:Decrypt", "kms:GenerateDataKey"], effect: "Allow", resources: [KEY_ARN] },
  ]);
});
