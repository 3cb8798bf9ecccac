import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
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

  constructor(
    scope: Construct,
    id: string,
    private readonly props: EmptySecretProps,
  ) {
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

  /**
   * Gives the secret a value that Secrets Manager generates (letters and digits), once per `version`.
   * The ephemeral GetRandomPassword result goes only into the write-only secret_string_wo, which
   * Terraform sends when `version` changes and never stores: this leaves no value in state or plans.
   */
  generateValue(id: string, opts: { readonly length: number; readonly version: number }): SecretsmanagerSecretVersion {
    const ephemeralId = `${this.node.path.replace(/\W/g, "_")}_${id.replace(/\W/g, "_")}`;
    TerraformStack.of(this).addOverride(`ephemeral.aws_secretsmanager_random_password.${ephemeralId}`, {
      password_length: opts.length,
      exclude_punctuation: true,
    });
    return new SecretsmanagerSecretVersion(this, id, {
      secretId: this.arn,
      secretStringWo: `\${ephemeral.aws_secretsmanager_random_password.${ephemeralId}.random_password}`,
      secretStringWoVersion: opts.version,
    });
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
