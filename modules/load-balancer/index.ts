import { Construct } from "constructs";
import { Annotations, ITerraformDependable } from "cdktf";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { accountIdOf, partitionOf } from "../aws-context";
import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { SecureBucket } from "../secure-bucket";
import { dnsValidatedCertificate } from "../certificate";
import { LoadBalancerAttachment } from "../fargate-service";

/**
 * Regions where ELB writes access logs as a regional AWS account (hashicorp/aws knows those accounts).
 * Regions opened since then accept only the log delivery service principal.
 */
const ELB_ACCOUNT_REGIONS: ReadonlySet<string> = new Set([
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
  "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2",
  "eu-west-3", "eu-south-1", "eu-north-1", "me-south-1", "sa-east-1", "us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
]);

/** Up to 6 characters, as AWS allows for a prefix; AWS appends a unique suffix to reach 32. */
export function targetGroupNamePrefix(key: string): string {
  return `${key.replace(/[^A-Za-z0-9]/g, "").slice(0, 5)}-`;
}

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
  /** Attachments for FargateService, keyed like `props.targets`. */
  readonly targets: Record<string, LoadBalancerAttachment & { readonly arnSuffix: string; readonly name: string }> = {};

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const defaults = Object.entries(props.targets).filter(([, t]) => !t.pathPatterns);
    if (defaults.length !== 1) throw new Error(`LoadBalancer ${props.name}: exactly one target without pathPatterns (the default), got ${defaults.length}`);

    const group = new SecurityGroup(this, "security-group", {
      name: `${props.name}-alb`,
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
    // Port 80 stays open with HTTPS too, so browsers typing the bare name get the redirect.
    for (const port of this.https ? [80, 443] : [80]) {
      new VpcSecurityGroupIngressRule(this, `ingress-${port}`, {
        securityGroupId: group.id,
        description: port === 443 ? "HTTPS from browsers" : this.https ? "HTTP from browsers, redirected to HTTPS" : "HTTP from browsers",
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: "0.0.0.0/0",
        tags: { Name: `${props.name}-alb-${port}` },
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
    const defaultGroup = groups[defaults[0][0]];

    let serving: LbListener;
    if (this.https) {
      serving = new LbListener(this, "https", {
        loadBalancerArn: lb.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn,
        defaultAction: [{ type: "forward", targetGroupArn: defaultGroup.arn }],
      });
      new LbListener(this, "http-redirect", {
        loadBalancerArn: lb.arn,
        port: 80,
        protocol: "HTTP",
        defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      });
    } else {
      serving = new LbListener(this, "http", {
        loadBalancerArn: lb.arn,
        port: 80,
        protocol: "HTTP",
        defaultAction: [{ type: "forward", targetGroupArn: defaultGroup.arn }],
      });
    }

    let priority = 10;
    for (const [key, t] of Object.entries(props.targets)) {
      const dependsOn: ITerraformDependable[] = [serving];
      if (t.pathPatterns) {
        dependsOn.push(
          new LbListenerRule(this, `route-${key}`, {
            listenerArn: serving.arn,
            priority,
            action: [{ type: "forward", targetGroupArn: groups[key].arn }],
            condition: [{ pathPattern: { values: [...t.pathPatterns] } }],
          }),
        );
        priority += 10;
      }
      this.targets[key] = {
        name: t.name,
        targetGroupArn: groups[key].arn,
        arnSuffix: groups[key].arnSuffix,
        sourceSecurityGroupId: group.id,
        dependsOn,
        admit: (serviceSecurityGroupId: string, port: number) => {
          new VpcSecurityGroupEgressRule(this, `egress-${key}`, {
            securityGroupId: group.id,
            description: `TCP ${port} to the ${key} tasks`,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            referencedSecurityGroupId: serviceSecurityGroupId,
            tags: { Name: `${props.name}-alb-to-${key}` },
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

  private accessLogBucket(opts: NonNullable<LoadBalancerProps["accessLogs"]>, region: string): { bucket: SecureBucket; policy: S3BucketPolicy } {
    const accountId = accountIdOf(this);
    const partition = partitionOf(this);
    const bucketArn = `arn:${partition}:s3:::${opts.bucketName}`;
    const objects = `${bucketArn}/AWSLogs/${accountId}/*`;
    let writer: DataAwsIamPolicyDocumentStatement;
    if (ELB_ACCOUNT_REGIONS.has(region)) {
      const elb = new DataAwsElbServiceAccount(this, "elb-account", { region });
      writer = { sid: "ElbWritesAccessLogs", actions: ["s3:PutObject"], principals: [{ type: "AWS", identifiers: [elb.arn] }], resources: [objects] };
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
