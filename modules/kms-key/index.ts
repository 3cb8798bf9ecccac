import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
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
  /** The provider of `region` where that is not the stack's default (CloudFront's us-east-1). */
  readonly provider?: TerraformProvider;
}

/**
 * The KMS actions a grantee needs on the key, by what it does with data a service (Kinesis, S3, SQS,
 * DynamoDB, Secrets Manager, Lambda) encrypts under it. The key policy admits the account's IAM, so
 * these identity-policy statements are all a grantee needs.
 */
export const KMS_ACTIONS = {
  /** Read: the service has KMS decrypt the data key it stored with the data. */
  decrypt: ["kms:Decrypt"],
  /** Write: the service asks KMS for a fresh data key to encrypt with. */
  encrypt: ["kms:GenerateDataKey"],
  /** Secrets Manager's PutSecretValue, which encrypts the new value under the key. */
  encryptSecret: ["kms:GenerateDataKey", "kms:Encrypt"],
} as const;

/** A KMS key as resource modules see it: its ARN, and the grants on it (AWS CDK's `IKey` idea). */
export interface EncryptionKey {
  readonly arn: string;
  grant(grantee: Grantable, actions: readonly string[]): void;
  grantDecrypt(grantee: Grantable): void;
  grantEncrypt(grantee: Grantable): void;
  /** Both, for a producer whose service also reads back what it wrote (SQS SendMessage). */
  grantEncryptDecrypt(grantee: Grantable): void;
}

class KeyGrants implements EncryptionKey {
  constructor(readonly arn: string) {}

  grant(grantee: Grantable, actions: readonly string[]): void {
    grantee.addToPolicy({ actions, resources: [this.arn] });
  }

  grantDecrypt(grantee: Grantable): void {
    this.grant(grantee, KMS_ACTIONS.decrypt);
  }

  grantEncrypt(grantee: Grantable): void {
    this.grant(grantee, KMS_ACTIONS.encrypt);
  }

  grantEncryptDecrypt(grantee: Grantable): void {
    this.grant(grantee, [...KMS_ACTIONS.decrypt, ...KMS_ACTIONS.encrypt]);
  }
}

/** A key known by its ARN (made in another stack, or passed as a string), with the same grants. */
export function keyFromArn(arn: string): EncryptionKey {
  return new KeyGrants(arn);
}

/** A customer managed key with rotation, an alias, and a key policy for CloudWatch Logs and alarms. */
export class StreamLinesKey extends Construct implements EncryptionKey {
  readonly arn: string;
  readonly keyId: string;
  readonly aliasName: string;
  private readonly grants: KeyGrants;

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
      provider: props.provider,
    });
    const alias = new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: key.keyId, provider: props.provider });
    this.arn = key.arn;
    this.keyId = key.keyId;
    this.aliasName = alias.name;
    this.grants = new KeyGrants(this.arn);
  }

  grant(grantee: Grantable, actions: readonly string[]): void {
    this.grants.grant(grantee, actions);
  }

  grantDecrypt(grantee: Grantable): void {
    this.grants.grantDecrypt(grantee);
  }

  grantEncrypt(grantee: Grantable): void {
    this.grants.grantEncrypt(grantee);
  }

  grantEncryptDecrypt(grantee: Grantable): void {
    this.grants.grantEncryptDecrypt(grantee);
  }
}
