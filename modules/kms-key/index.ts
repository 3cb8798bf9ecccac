import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
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
  /** The provider of `region` where that is not the stack's default (CloudFront's us-east-1). */
  readonly provider?: TerraformProvider;
}

/** A customer managed key with rotation, an alias, and a key policy for CloudWatch Logs and alarms. */
export class StreamLinesKey extends Construct {
  readonly arn: string;
  readonly keyId: string;
  readonly aliasName: string;

  constructor(scope: Construct, id: string, props: StreamLinesKeyProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account");
    const partition = new DataAwsPartition(this, "partition");
    const logsPrincipal = `logs.${props.region}.amazonaws.com`;
    const policy = new DataAwsIamPolicyDocument(this, "policy", {
      statement: [
        {
          sid: "AccountAdministersKeyThroughIam",
          actions: ["kms:*"],
          principals: [{ type: "AWS", identifiers: [`arn:${partition.partition}:iam::${account.accountId}:root`] }],
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
              values: [`arn:${partition.partition}:logs:${props.region}:${account.accountId}:log-group:*`],
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
              values: [`arn:${partition.partition}:sns:${props.region}:${account.accountId}:*`],
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
      provider: props.provider,
    });
    const alias = new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: key.keyId, provider: props.provider });
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
