import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { StreamLinesKey } from "../kms-key";
import { StreamLinesLogGroup } from "../log-group";
import { API_PATH_PATTERN } from "./index";

export interface SiteWebAclProps {
  /** Web ACL name; also the prefix of its CloudWatch metric names and of its log group's name. */
  readonly name: string;
  /** Requests per IP per 5 minutes before that IP is blocked. */
  readonly rateLimit: number;
  /** An aws provider for us-east-1: CLOUDFRONT-scope web ACLs, and so their log groups, exist only there. */
  readonly usEast1: TerraformProvider;
  readonly logs: {
    /** `blocked`: only requests a rule blocked or counted; `all`: every request. */
    readonly mode: "blocked" | "all";
    readonly retentionDays: number;
    /** Of the us-east-1 key that encrypts the log group. */
    readonly keyDeletionWindowDays: number;
  };
}

/** The common rule set's 8 KB body rule, and the label it sets on a match when it only counts. */
export const BODY_SIZE_RULE = "SizeRestrictions_BODY";
export const BODY_SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body";

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
const managedGroup = (name: string, extra: Record<string, unknown> = {}) => ({
  managed_rule_group_statement: { name, vendor_name: "AWS", ...extra },
});

/**
 * A CloudFront web ACL: AWS's common and known-bad-inputs rule sets, the common set's body size rule
 * everywhere but the API, then a per-IP rate limit; everything else passes. About 905 of the 1,500
 * WCUs a web ACL has without extra charge (700 + 200 + a few for the label and rate rules).
 * Requests it blocks or counts are logged to a KMS-encrypted log group with retention.
 */
export class SiteWebAcl extends Construct {
  readonly arn: string;
  readonly logGroupName: string;

  constructor(scope: Construct, id: string, props: SiteWebAclProps) {
    super(scope, id);
    const acl = new Wafv2WebAcl(this, "web-acl", {
      provider: props.usEast1,
      name: props.name,
      description: `${props.name}: AWS common and known-bad-inputs rule sets and a per-IP rate limit`,
      scope: "CLOUDFRONT",
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      rule: [
        {
          name: "aws-common-rule-set",
          priority: 10,
          overrideAction: { none: {} },
          // `statement` is untyped in the binding (too deeply nested), so its keys are Terraform's own.
          // GraphQL POSTs outgrow 8 KB (large queries, variables), so the body size rule only counts and
          // labels here; body-size-outside-api blocks on that label for every path but the API's.
          statement: managedGroup("AWSManagedRulesCommonRuleSet", {
            rule_action_override: [{ name: BODY_SIZE_RULE, action_to_use: { count: {} } }],
          }),
          visibilityConfig: visibility(`${props.name}-common`),
        },
        {
          name: "aws-known-bad-inputs",
          priority: 20,
          overrideAction: { none: {} },
          statement: managedGroup("AWSManagedRulesKnownBadInputsRuleSet"),
          visibilityConfig: visibility(`${props.name}-bad-inputs`),
        },
        {
          name: "body-size-outside-api",
          priority: 30,
          action: { block: {} },
          statement: {
            and_statement: {
              statement: [
                { label_match_statement: { scope: "LABEL", key: BODY_SIZE_LABEL } },
                {
                  not_statement: {
                    statement: {
                      byte_match_statement: {
                        search_string: API_PATH_PATTERN.replace(/\*$/, ""),
                        positional_constraint: "STARTS_WITH",
                        field_to_match: { uri_path: {} },
                        text_transformation: [{ priority: 0, type: "NONE" }],
                      },
                    },
                  },
                },
              ],
            },
          },
          visibilityConfig: visibility(`${props.name}-body-size`),
        },
        {
          name: "rate-limit-per-ip",
          priority: 40,
          action: { block: {} },
          statement: { rate_based_statement: { limit: props.rateLimit, aggregate_key_type: "IP" } },
          visibilityConfig: visibility(`${props.name}-rate`),
        },
      ],
    });
    this.arn = acl.arn;

    // The log group, and so its key, must be in us-east-1 with the web ACL; WAF requires the name prefix.
    const key = new StreamLinesKey(this, "logs-key", {
      alias: `${props.name}-waf-logs`,
      description: `${props.name}: encrypts the WAF log group`,
      deletionWindowDays: props.logs.keyDeletionWindowDays,
      region: "us-east-1",
      provider: props.usEast1,
    });
    const group = new StreamLinesLogGroup(this, "logs", {
      name: `aws-waf-logs-${props.name}`,
      retentionDays: props.logs.retentionDays,
      kmsKeyArn: key.arn,
      provider: props.usEast1,
    });
    this.logGroupName = group.name;
    // WAF adds the log group resource policy for delivery itself (logs:PutResourcePolicy, help/edge.md).
    new Wafv2WebAclLoggingConfiguration(this, "logging", {
      provider: props.usEast1,
      resourceArn: acl.arn,
      logDestinationConfigs: [group.arn],
      // Session cookies and credentials stay out of the logs.
      redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
      ...(props.logs.mode === "blocked" && {
        loggingFilter: {
          defaultBehavior: "DROP",
          filter: [
            {
              behavior: "KEEP",
              requirement: "MEETS_ANY",
              condition: [{ actionCondition: { action: "BLOCK" } }, { actionCondition: { action: "COUNT" } }],
            },
          ],
        },
      }),
    });
  }
}
