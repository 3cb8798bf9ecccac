import { Construct } from "constructs";
import { ITerraformDependable, TerraformProvider } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Grantable } from "../iam-role";

export interface StreamLinesLogGroupProps {
  /** Full log group name, e.g. `/streamlines/dev/vpc-flow-logs`. */
  readonly name: string;
  /** Must be a value CloudWatch accepts; config validation guarantees it. */
  readonly retentionDays: number;
  /** Customer managed key; its policy must admit the regional logs service. */
  readonly kmsKeyArn: string;
  /** Where the group is not in the stack's default region (CloudFront's WAF logs: us-east-1). */
  readonly provider?: TerraformProvider;
}

/** A Terraform-owned log group: created before anything writes to it, so destroy leaves none behind. */
export class StreamLinesLogGroup extends Construct {
  readonly arn: string;
  readonly name: string;
  /** For resources that must wait until the group exists (a writer that would otherwise create it). */
  readonly resource: ITerraformDependable;

  constructor(scope: Construct, id: string, props: StreamLinesLogGroupProps) {
    super(scope, id);
    const group = new CloudwatchLogGroup(this, "group", {
      name: props.name,
      retentionInDays: props.retentionDays,
      kmsKeyId: props.kmsKeyArn,
      provider: props.provider,
    });
    this.arn = group.arn;
    this.name = group.name;
    this.resource = group;
  }

  grantWrite(grantee: Grantable): void {
    grantee.addToPolicy({
      actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      resources: [this.arn, `${this.arn}:log-stream:*`],
    });
  }
}
