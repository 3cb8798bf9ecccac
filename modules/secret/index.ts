import { Construct } from "constructs";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Grantable } from "../iam-role";
import { KMS_ACTIONS, keyFromArn } from "../kms-key";

export interface EmptySecretProps {
  /** `<app>-<env>/<purpose>`. */
  readonly name: string;
  readonly description: string;
  readonly kmsKeyArn: string;
  /** 0 deletes at once on destroy; 7-30 keeps a recovery window. */
  readonly recoveryWindowDays: number;
}

/**
 * A secret created without a value: hosts and operators write it, so no value ever sits in
 * Terraform state.
 */
export class EmptySecret extends Construct {
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, private readonly props: EmptySecretProps) {
    super(scope, id);
    const secret = new SecretsmanagerSecret(this, "secret", {
      name: props.name,
      description: props.description,
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: props.recoveryWindowDays,
    });
    this.arn = secret.arn;
    this.name = secret.name;
  }

  grantRead(grantee: Grantable): void {
    grantee.addToPolicy({ actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], resources: [this.arn] });
    keyFromArn(this.props.kmsKeyArn).grantDecrypt(grantee);
  }

  grantWrite(grantee: Grantable): void {
    grantee.addToPolicy({ actions: ["secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"], resources: [this.arn] });
    keyFromArn(this.props.kmsKeyArn).grant(grantee, KMS_ACTIONS.encryptSecret);
  }
}
