import { Construct } from "constructs";
import { allowTcpIn, allowTcpOut } from "../security-group-rule";
import { Annotations, ITerraformDependable } from "cdktf";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { accountIdOf, partitionOf } from "../aws-context";
import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { DataAwsEc2ManagedPrefixList } from "@cdktf/provider-aws/lib/data-aws-ec2-managed-prefix-list";
import { DataAwsSecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version";
import { LbListenerRuleCondition } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { EmptySecret } from "../secret";
import { SecureBucket } from "../secure-bucket";
import { dnsValidatedCertificate } from "../certificate";
import { LoadBalancerAttachment } from "../fargate-service";

/**
 * Regions where ELB writes access logs as a regional AWS account (hashicorp/aws knows those accounts).
 * Regions opened since then accept only the log delivery service principal.
 */
const ELB_ACCOUNT_REGIONS: ReadonlySet<string> = new Set([
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ca-central-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-north-1",
  "me-south-1",
  "sa-east-1",
  "us-gov-east-1",
  "us-gov-west-1",
  "cn-north-1",
  "cn-northwest-1",
]);

/** Up to 6 characters, as AWS allows for a prefix; AWS appends a unique suffix to reach 32. */
export function targetGroupNamePrefix(key: string): string {
  return `${key.replace(/[^A-Za-z0-9]/g, "").slice(0, 5)}-`;
}

/** The header CloudFront adds to every request to the ALB, whose listener forwards only with it. */
export const ORIGIN_HEADER_NAME = "X-Origin-Verify";
/** Bump to have Secrets Manager generate a new header value (then apply core, then edge). */
export const ORIGIN_HEADER_VERSION = 1;
/** AWS's list of CloudFront's addresses towards origins. */
export const CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing";

/** TLS 1.2 and 1.3 only, forward-secret ciphers: AWS's recommended policy for new listeners. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface LoadBalancerTargetProps {
  /** `<app>-<env>-<component>`: the group's Name tag. AWS names it from a short prefix, so it can be replaced. */
  readonly name: string;
  readonly port: number;
  readonly healthCheckPath: string;
  /** HTTP codes that count as healthy. */
  readonly healthyCodes: string;
  /** Paths routed to this target; without them, it is the listener's default (everything else). */
  readonly pathPatterns?: readonly string[];
}

export interface LoadBalancerProps {
  /** `<app>-<env>`: the ALB and its security group are named after it. */
  readonly name: string;
  readonly region: string;
  readonly vpcId: string;
  /** Public subnets in at least two zones. */
  readonly subnetIds: readonly string[];
  /** HTTPS with this certificate. */
  readonly certificateArn?: string;
  /** An alias record for the ALB; without certificateArn also a DNS-validated certificate for it. */
  readonly domain?: { readonly name: string; readonly hostedZoneId: string };
  /** Access logs to a bucket of their own (SSE-S3: ELB log delivery cannot use a customer managed key). */
  readonly accessLogs?: {
    readonly bucketName: string;
    /** Days a log object is kept. */
    readonly expirationDays: number;
    readonly noncurrentVersionExpirationDays: number;
    readonly denyInsecureTransport: boolean;
  };
  readonly idleTimeoutSeconds: number;
  readonly deletionProtection: boolean;
  /** One default target and any number of path-routed ones, keyed by service. */
  readonly targets: Readonly<Record<string, LoadBalancerTargetProps>>;
  /**
   * CloudFront fronts the ALB (edge.backendOrigins): ingress only from CloudFront's origin-facing
   * addresses, and the listener forwards only requests with the origin header, whose value is generated
   * into this secret (`<app>-<env>/<purpose>`).
   */
  readonly onlyFromCloudFront?: {
    readonly secret: { readonly name: string; readonly kmsKeyArn: string; readonly recoveryWindowDays: number };
  };
}

/**
 * One internet-facing ALB: HTTPS when a certificate or domain is configured (HTTP redirects to it),
 * otherwise HTTP only with a synth warning. Its security group is the only internet ingress.
 */
export class LoadBalancer extends Construct {
  readonly arn: string;
  readonly arnSuffix: string;
  readonly dnsName: string;
  readonly securityGroupId: string;
  readonly https: boolean;
  /** `https://<domain>` or `http(s)://<ALB DNS name>`: where browsers reach the app. */
  readonly url: string;
  /** With `onlyFromCloudFront`: the header CloudFront must send, its value in this secret. */
  readonly originHeader?: { readonly name: string; readonly secretArn: string };
  /** Attachments for FargateService, keyed like `props.targets`. */
  readonly targets: Record<string, LoadBalancerAttachment & { readonly arnSuffix: string; readonly name: string }> = {};

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const defaults = Object.entries(props.targets).filter(([, t]) => !t.pathPatterns);
    if (defaults.length !== 1)
      throw new Error(`LoadBalancer ${props.name}: exactly one target without pathPatterns (the default), got ${defaults.length}`);

    const cloudFrontOnly = props.onlyFromCloudFront;
    const group = new SecurityGroup(this, "security-group", {
      name: `${props.name}-alb`,
      // The same text either way: AWS cannot change a group's description, so a new one would replace
      // the ALB's group. The ingress rules below say who may connect.
      description: `${props.name} ALB: HTTP(S) from the internet, out only to its targets`,
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-alb` },
    });
    this.securityGroupId = group.id;

    const certificateArn = props.certificateArn ?? (props.domain ? dnsValidatedCertificate(this, props.domain) : undefined);
    this.https = certificateArn !== undefined;
    if (!this.https) {
      Annotations.of(this).addWarning(
        `${props.name}: the load balancer serves plain HTTP. Set loadBalancer.certificateArn or loadBalancer.domain in the config for HTTPS.`,
      );
    }
    const servingPort = this.https ? 443 : 80;
    if (cloudFrontOnly) {
      // One rule, on the port CloudFront uses. A prefix list counts as its maximum entries (55 for
      // this one) against the 60 inbound rules a security group has by default, so a second rule (the
      // HTTP redirect port) would pass the quota and AWS would refuse it. No browser reaches the ALB
      // directly, so no redirect port is needed.
      const cloudFront = new DataAwsEc2ManagedPrefixList(this, "cloudfront-origin-facing", { name: CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST });
      allowTcpIn(this, `ingress-cloudfront-${servingPort}`, {
        securityGroupId: group.id,
        port: servingPort,
        peer: { prefixListId: cloudFront.id },
        description: `${servingPort === 443 ? "HTTPS" : "HTTP"} from the CloudFront origin-facing addresses only`,
        name: `${props.name}-alb-cloudfront-${servingPort}`,
      });
    }
    // Port 80 stays open with HTTPS too, so browsers typing the bare name get the redirect.
    for (const port of cloudFrontOnly ? [] : this.https ? [80, 443] : [80]) {
      allowTcpIn(this, `ingress-${port}`, {
        securityGroupId: group.id,
        port,
        peer: { cidrIpv4: "0.0.0.0/0" },
        description: port === 443 ? "HTTPS from browsers" : this.https ? "HTTP from browsers, redirected to HTTPS" : "HTTP from browsers",
        name: `${props.name}-alb-${port}`,
      });
    }

    const logs = props.accessLogs && this.accessLogBucket(props.accessLogs, props.region);
    const lb = new Lb(this, "alb", {
      name: `${props.name}-alb`,
      internal: false,
      loadBalancerType: "application",
      securityGroups: [group.id],
      subnets: [...props.subnetIds],
      // Requests with malformed headers never reach the services (request smuggling).
      dropInvalidHeaderFields: true,
      idleTimeout: props.idleTimeoutSeconds,
      enableDeletionProtection: props.deletionProtection,
      ...(logs && { accessLogs: { bucket: logs.bucket.name, enabled: true } }),
      // ELB checks that it may write to the bucket when logging is turned on.
      ...(logs && { dependsOn: [logs.policy] }),
    });
    this.arn = lb.arn;
    this.arnSuffix = lb.arnSuffix;
    this.dnsName = lb.dnsName;

    const groups = Object.fromEntries(
      Object.entries(props.targets).map(([key, t]) => [
        key,
        new LbTargetGroup(this, `target-${key}`, {
          // Port, protocol and VPC changes replace the group, and a fixed name would collide with the old one.
          namePrefix: targetGroupNamePrefix(key),
          lifecycle: { createBeforeDestroy: true },
          tags: { Name: t.name },
          port: t.port,
          protocol: "HTTP",
          targetType: "ip",
          vpcId: props.vpcId,
          // Tasks drain for 30 s, not the default 300, so deployments and the evening stop are quick.
          deregistrationDelay: "30",
          healthCheck: {
            enabled: true,
            path: t.healthCheckPath,
            matcher: t.healthyCodes,
            interval: 30,
            timeout: 15,
            healthyThreshold: 3,
            unhealthyThreshold: 3,
          },
        }),
      ]),
    );
    const defaultKey = defaults[0][0];
    const defaultGroup = groups[defaultKey];

    // Other sources of CloudFront's addresses (any distribution, of any account) lack the header.
    const originHeader = cloudFrontOnly && this.originHeaderValue(cloudFrontOnly.secret);
    const headerCondition: LbListenerRuleCondition[] = originHeader
      ? [{ httpHeader: { httpHeaderName: ORIGIN_HEADER_NAME, values: [originHeader.value] } }]
      : [];
    const defaultAction = originHeader
      ? [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "403", messageBody: "Forbidden" } }]
      : [{ type: "forward", targetGroupArn: defaultGroup.arn }];
    if (originHeader) this.originHeader = { name: ORIGIN_HEADER_NAME, secretArn: originHeader.secretArn };

    let serving: LbListener;
    if (this.https) {
      serving = new LbListener(this, "https", {
        loadBalancerArn: lb.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn,
        defaultAction,
      });
    } else {
      serving = new LbListener(this, "http", {
        loadBalancerArn: lb.arn,
        port: 80,
        protocol: "HTTP",
        defaultAction,
      });
    }
    if (this.https && !cloudFrontOnly) {
      new LbListener(this, "http-redirect", {
        loadBalancerArn: lb.arn,
        port: 80,
        protocol: "HTTP",
        defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      });
    }

    // Path routes first; behind CloudFront the default target is a rule too (after them), as the
    // listener's own default answers 403.
    const routed = [
      ...Object.entries(props.targets).filter(([, t]) => t.pathPatterns),
      ...(originHeader ? [[defaultKey, props.targets[defaultKey]] as const] : []),
    ];
    const rules: Record<string, LbListenerRule> = {};
    routed.forEach(([key, t], i) => {
      rules[key] = new LbListenerRule(this, `route-${key}`, {
        listenerArn: serving.arn,
        priority: 10 * (i + 1),
        action: [{ type: "forward", targetGroupArn: groups[key].arn }],
        condition: [...(t.pathPatterns ? [{ pathPattern: { values: [...t.pathPatterns] } }] : []), ...headerCondition],
      });
    });
    for (const [key, t] of Object.entries(props.targets)) {
      const dependsOn: ITerraformDependable[] = [serving, ...(rules[key] ? [rules[key]] : [])];
      this.targets[key] = {
        name: t.name,
        targetGroupArn: groups[key].arn,
        arnSuffix: groups[key].arnSuffix,
        sourceSecurityGroupId: group.id,
        dependsOn,
        admit: (serviceSecurityGroupId: string, port: number) => {
          allowTcpOut(this, `egress-${key}`, {
            securityGroupId: group.id,
            port,
            peer: { securityGroupId: serviceSecurityGroupId },
            description: `TCP ${port} to the ${key} tasks`,
            name: `${props.name}-alb-to-${key}`,
          });
        },
      };
    }

    if (props.domain) {
      new Route53Record(this, "alias", {
        zoneId: props.domain.hostedZoneId,
        name: props.domain.name,
        type: "A",
        alias: { name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true },
      });
    }
    const host = props.domain?.name ?? lb.dnsName;
    this.url = `${this.https ? "https" : "http"}://${host}`;
  }

  /**
   * The origin header's value: generated by Secrets Manager into the secret (never through state), then
   * read back here for the listener rules. So the value does reach state: core's (this data source and
   * the rules) and edge's (its own read and the distribution), and it is in the ELB rules and the
   * CloudFront origin config, readable by anyone who may describe those. It is a shared token, not a
   * credential: it keeps other CloudFront distributions out; the WAF and the prefix list do the rest.
   */
  private originHeaderValue(opts: NonNullable<LoadBalancerProps["onlyFromCloudFront"]>["secret"]): { value: string; secretArn: string } {
    const secret = new EmptySecret(this, "origin-header", {
      name: opts.name,
      description: `${opts.name}: the ${ORIGIN_HEADER_NAME} value CloudFront sends and the ALB listener requires`,
      kmsKeyArn: opts.kmsKeyArn,
      recoveryWindowDays: opts.recoveryWindowDays,
    });
    // 64 letters and digits: within the 128 characters a listener condition value may have, and no `*` or `?` (wildcards there).
    const version = secret.generateValue("value", { length: 64, version: ORIGIN_HEADER_VERSION });
    const read = new DataAwsSecretsmanagerSecretVersion(this, "origin-header-value", { secretId: secret.arn, dependsOn: [version] });
    return { value: read.secretString, secretArn: secret.arn };
  }

  private accessLogBucket(
    opts: NonNullable<LoadBalancerProps["accessLogs"]>,
    region: string,
  ): { bucket: SecureBucket; policy: S3BucketPolicy } {
    const accountId = accountIdOf(this);
    const partition = partitionOf(this);
    const bucketArn = `arn:${partition}:s3:::${opts.bucketName}`;
    const objects = `${bucketArn}/AWSLogs/${accountId}/*`;
    let writer: DataAwsIamPolicyDocumentStatement;
    if (ELB_ACCOUNT_REGIONS.has(region)) {
      const elb = new DataAwsElbServiceAccount(this, "elb-account", { region });
      writer = {
        sid: "ElbWritesAccessLogs",
        actions: ["s3:PutObject"],
        principals: [{ type: "AWS", identifiers: [elb.arn] }],
        resources: [objects],
      };
    } else {
      writer = {
        sid: "ElbWritesAccessLogs",
        actions: ["s3:PutObject"],
        principals: [{ type: "Service", identifiers: ["logdelivery.elasticloadbalancing.amazonaws.com"] }],
        resources: [objects],
      };
    }
    const bucket = new SecureBucket(this, "access-logs", {
      bucketName: opts.bucketName,
      // ALB log delivery only writes to SSE-S3 buckets.
      kmsKeyArn: undefined,
      // Logs are not precious data; a destroy must not stop at a non-empty bucket.
      forceDestroy: true,
      noncurrentVersionExpirationDays: opts.noncurrentVersionExpirationDays,
      expirationDays: opts.expirationDays,
      denyInsecureTransport: opts.denyInsecureTransport,
      extraPolicyStatements: [writer],
    });
    const policy = bucket.node.tryFindChild("policy");
    if (!(policy instanceof S3BucketPolicy)) throw new Error("LoadBalancer: SecureBucket no longer has its policy child");
    return { bucket, policy };
  }
}
