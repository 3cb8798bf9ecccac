import { Construct } from "constructs";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { accountIdOf, partitionOf } from "../aws-context";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { Grantable } from "../iam-role";

export interface StreamLinesKeyProps {
  /** Alias without the `alias/` prefix, normally `<app>-<env>`. */
  readonly alias: string;
  readonly description: string;
  /** 7-30 days; AWS never deletes a key at once. */
  readonly deletionWindowDays: number;
  /** Region of the CloudWatch Logs service that may use the key for log groups. */
  readonly region: string;
}

/** A customer managed key with rotation, an alias, and a key policy for CloudWatch Logs and alarms. */
export class StreamLinesKey extends Construct {
  readonly arn: string;
  readonly keyId: string;
  readonly aliasName: string;

  constructor(scope: Construct, id: string, props: StreamLinesKeyProps) {
    super(scope, id);
    const accountId = accountIdOf(this);
    const partition = partitionOf(this);
    const logsPrincipal = `logs.${props.region}.amazonaws.com`;
    const policy = new DataAwsIamPolicyDocument(this, "policy", {
      statement: [
        {
          sid: "AccountAdministersKeyThroughIam",
          actions: ["kms:*"],
          principals: [{ type: "AWS", identifiers: [`arn:${partition}:iam::${accountId}:root`] }],
          // A key policy's Resource "*" means this key; key policies admit nothing else.
          resources: ["*"],
        },
        {
          sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
          actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          principals: [{ type: "Service", identifiers: [logsPrincipal] }],
          resources: ["*"],
          condition: [
            {
              test: "ArnLike",
              variable: "kms:EncryptionContext:aws:logs:arn",
              values: [`arn:${partition}:logs:${props.region}:${accountId}:log-group:*`],
            },
          ],
        },
        {
          // CloudWatch alarms publish to KMS-encrypted SNS topics as the cloudwatch service, which
          // then needs a data key; SNS names the topic in the encryption context.
          sid: "CloudWatchAlarmsPublishToThisAccountsEncryptedTopics",
          actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
          resources: ["*"],
          condition: [
            {
              test: "StringLike",
              variable: "kms:EncryptionContext:aws:sns:topicArn",
              values: [`arn:${partition}:sns:${props.region}:${accountId}:*`],
            },
          ],
        },
      ],
    });
    const key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays,
      policy: policy.json,
    });
    const alias = new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: key.keyId });
    this.arn = key.arn;
    this.keyId = key.keyId;
    this.aliasName = alias.name;
  }

  /** Use of the key for data in services that call KMS on the grantee's behalf. */
  grantEncryptDecrypt(grantee: Grantable): void {
    grantee.addToPolicy({ actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"], resources: [this.arn] });
  }

  grantDecrypt(grantee: Grantable): void {
    grantee.addToPolicy({ actions: ["kms:Decrypt", "kms:DescribeKey"], resources: [this.arn] });
  }
}
