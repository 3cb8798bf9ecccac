import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";

export interface SiteWebAclProps {
  /** Web ACL name; also the prefix of its CloudWatch metric names. */
  readonly name: string;
  /** Requests per IP per 5 minutes before that IP is blocked. */
  readonly rateLimit: number;
  /** An aws provider for us-east-1: CLOUDFRONT-scope web ACLs exist only there. */
  readonly usEast1: TerraformProvider;
}

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });

/** A CloudFront web ACL: AWS's common rule set, then a per-IP rate limit; everything else passes. */
export class SiteWebAcl extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string, props: SiteWebAclProps) {
    super(scope, id);
    const acl = new Wafv2WebAcl(this, "web-acl", {
      provider: props.usEast1,
      name: props.name,
      description: `${props.name}: AWS common rule set and a per-IP rate limit`,
      scope: "CLOUDFRONT",
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      rule: [
        {
          name: "aws-common-rule-set",
          priority: 10,
          overrideAction: { none: {} },
          // `statement` is untyped in the binding (too deeply nested), so its keys are Terraform's own.
          statement: { managed_rule_group_statement: { name: "AWSManagedRulesCommonRuleSet", vendor_name: "AWS" } },
          visibilityConfig: visibility(`${props.name}-common`),
        },
        {
          name: "rate-limit-per-ip",
          priority: 20,
          action: { block: {} },
          statement: { rate_based_statement: { limit: props.rateLimit, aggregate_key_type: "IP" } },
          visibilityConfig: visibility(`${props.name}-rate`),
        },
      ],
    });
    this.arn = acl.arn;
  }
}
