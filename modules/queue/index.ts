import { Construct } from "constructs";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Grantable } from "../iam-role";
import { keyFromArn } from "../kms-key";

export interface EncryptedQueueProps {
  /** `<app>-<env>-<component>`. */
  readonly name: string;
  /** Customer managed key for SSE-KMS. */
  readonly kmsKeyArn: string;
  /** 60 s to 14 days; a dead-letter queue keeps its messages as long as SQS allows. */
  readonly retentionSeconds: number;
}

/** An SQS queue encrypted with the project key (a dead-letter queue, say), which grants its own access. */
export class EncryptedQueue extends Construct {
  readonly arn: string;
  readonly name: string;
  readonly url: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: EncryptedQueueProps,
  ) {
    super(scope, id);
    const queue = new SqsQueue(this, "queue", {
      name: props.name,
      messageRetentionSeconds: props.retentionSeconds,
      kmsMasterKeyId: props.kmsKeyArn,
    });
    this.arn = queue.arn;
    this.name = queue.name;
    this.url = queue.url;
  }

  /** Send messages; SQS asks KMS for a data key on the sender's behalf. */
  grantSend(grantee: Grantable): void {
    grantee.addToPolicy({ actions: ["sqs:SendMessage"], resources: [this.arn] });
    keyFromArn(this.props.kmsKeyArn).grantEncryptDecrypt(grantee);
  }
}
