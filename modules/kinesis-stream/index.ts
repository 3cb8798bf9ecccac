import { Construct } from "constructs";
import { KinesisStream as KinesisStreamResource } from "@cdktf/provider-aws/lib/kinesis-stream";
import { Grantable } from "../iam-role";
import { keyFromArn } from "../kms-key";

/** What a polling consumer calls: find the shards, get iterators, read. */
const POLL_ACTIONS = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
] as const;

export interface KinesisStreamProps {
  /** `<app>-<env>-<component>`. */
  readonly name: string;
  /** ON_DEMAND scales by itself; PROVISIONED needs shardCount. */
  readonly mode: "ON_DEMAND" | "PROVISIONED";
  /** PROVISIONED only; AWS rejects a shard count on an on-demand stream. */
  readonly shardCount?: number;
  /** 24 to 8760. */
  readonly retentionHours: number;
  /** Customer managed key for server-side encryption. */
  readonly kmsKeyArn: string;
}

/** A KMS-encrypted Kinesis data stream that grants its own read and write access. */
export class KinesisStream extends Construct {
  readonly arn: string;
  readonly name: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: KinesisStreamProps,
  ) {
    super(scope, id);
    if ((props.mode === "PROVISIONED") !== (props.shardCount !== undefined)) {
      throw new Error(`KinesisStream ${props.name}: shardCount is required with PROVISIONED and not allowed with ON_DEMAND`);
    }
    const stream = new KinesisStreamResource(this, "stream", {
      name: props.name,
      streamModeDetails: { streamMode: props.mode },
      ...(props.mode === "PROVISIONED" && { shardCount: props.shardCount }),
      retentionPeriod: props.retentionHours,
      encryptionType: "KMS",
      kmsKeyId: props.kmsKeyArn,
      // Consumers are registered by the app's services; they must not block the stream's destroy.
      enforceConsumerDeletion: true,
    });
    this.arn = stream.arn;
    this.name = stream.name;
  }

  /**
   * Consume records through enhanced fan-out and decrypt them: register (or find) a consumer on the stream,
   * then subscribe to shards through it. The shard discovery calls of polling come with it.
   */
  grantFanOutRead(grantee: Grantable): void {
    grantee.addToPolicy({
      actions: [...POLL_ACTIONS, "kinesis:ListStreamConsumers", "kinesis:RegisterStreamConsumer"],
      resources: [this.arn],
    });
    grantee.addToPolicy({
      actions: ["kinesis:DeregisterStreamConsumer", "kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"],
      resources: [`${this.arn}/consumer/*`],
    });
    keyFromArn(this.props.kmsKeyArn).grantDecrypt(grantee);
  }

  /** Consume records as `reader.mode` says. */
  grantRead(grantee: Grantable, mode: "polling" | "fan-out"): void {
    if (mode === "fan-out") this.grantFanOutRead(grantee);
    else this.grantPoll(grantee);
  }

  /** Consume records by polling only (GetRecords: a Lambda event source mapping, a Flink consumer's default). */
  grantPoll(grantee: Grantable): void {
    grantee.addToPolicy({ actions: [...POLL_ACTIONS], resources: [this.arn] });
    keyFromArn(this.props.kmsKeyArn).grantDecrypt(grantee);
  }

  /** Put records; Kinesis asks KMS for a data key on the producer's behalf. */
  grantWrite(grantee: Grantable): void {
    grantee.addToPolicy({
      actions: ["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"],
      resources: [this.arn],
    });
    keyFromArn(this.props.kmsKeyArn).grantEncrypt(grantee);
  }
}
