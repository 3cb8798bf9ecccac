import { Construct } from "constructs";
import { Annotations } from "cdktf";
import {
  CloudfrontDistribution,
  CloudfrontDistributionOrderedCacheBehavior,
  CloudfrontDistributionOrigin,
} from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";
import { CloudfrontFunction } from "@cdktf/provider-aws/lib/cloudfront-function";
import { SecureBucket } from "../secure-bucket";
import { SPA_FALLBACK_CODE } from "./spa-fallback";

/**
 * AWS managed policies, by their fixed ids (the same in every account; a data source lookup would
 * need the API at plan time for a constant).
 */
export const MANAGED_POLICY_IDS = {
  /** Cache by path only, long TTLs, gzip and brotli: for the versioned static build. */
  cachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  /** No caching: for the API and WebSocket paths. */
  cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
  /** Every viewer header, cookie and query string except Host (origins with their own host name). */
  allViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
} as const;

/** TLS 1.2 or newer with forward-secret ciphers: CloudFront's recommended viewer policy. */
export const VIEWER_TLS_POLICY = "TLSv1.2_2021";

/** Paths the backend serves, routed to the API origin. */
export const API_PATH_PATTERN = "/graphql*";

const ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"];
const READ_METHODS = ["GET", "HEAD"];

export interface StaticSiteProps {
  /** `<app>-<env>-dashboard`: OAC, headers policy and comment are named after it. */
  readonly name: string;
  /** The private site bucket. */
  readonly bucketName: string;
  readonly forceDestroy: boolean;
  readonly noncurrentVersionExpirationDays: number;
  /** Deny plain-HTTP requests in bucket policies; off only against a plain-HTTP emulator. */
  readonly denyInsecureTransport: boolean;
  readonly priceClass: string;
  /** Content-Security-Policy header value. */
  readonly contentSecurityPolicy: string;
  /**
   * The response headers policy (HSTS, CSP, ...); default true. False only against an emulator
   * without that API (moto 5.2 answers 404), never for an account.
   */
  readonly securityHeaders?: boolean;
  /**
   * The SPA fallback function on the default behaviour; default true. False only against an emulator
   * without CloudFront Functions (moto 5.2), never for an account.
   */
  readonly spaFallback?: boolean;
  /** Viewer certificate (us-east-1) and the names it covers; absent: the default *.cloudfront.net certificate. */
  readonly certificate?: { readonly arn: string; readonly aliases: readonly string[] };
  /** WAFv2 web ACL (scope CLOUDFRONT) ARN. */
  readonly webAclArn?: string;
  /** Standard logs into a bucket of this name, created here, each log kept `expirationDays`. */
  readonly accessLogs?: { readonly bucketName: string; readonly expirationDays: number };
  /** The backend's load balancer, for `/graphql*`. `https`: its listener has a certificate for `domainName`. */
  readonly apiOrigin?: {
    readonly domainName: string;
    readonly https: boolean;
    readonly originHeader?: { readonly name: string; readonly value: string };
  };
  /** An API Gateway WebSocket API; browsers connect to `wss://<site>/<stageName>`. */
  readonly websocketOrigin?: { readonly domainName: string; readonly stageName: string };
}

/**
 * The dashboard's static build on CloudFront: a private bucket read only through Origin Access
 * Control by this distribution, HTTPS only, SPA fallback for the site's paths, security headers; optionally the backend
 * and WebSocket API behind the same name.
 */
export class StaticSite extends Construct {
  readonly bucket: SecureBucket;
  readonly distributionId: string;
  readonly distributionArn: string;
  /** `<id>.cloudfront.net`. */
  readonly domainName: string;
  /** Route 53 zone of every CloudFront domain name, for alias records. */
  readonly hostedZoneId: string;
  /** `https://<first alias or cloudfront.net name>`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: StaticSiteProps) {
    super(scope, id);
    // SSE-S3, not the foundations key: the objects are the public dashboard bundle that CloudFront
    // hands to anyone, and OAC with SSE-KMS needs the key policy to name this distribution, which a
    // phase-1 key cannot (nor can a key shared with data that is actually private).
    this.bucket = new SecureBucket(this, "bucket", {
      bucketName: props.bucketName,
      forceDestroy: props.forceDestroy,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays,
      denyInsecureTransport: props.denyInsecureTransport,
    });

    const originAccess = new CloudfrontOriginAccessControl(this, "origin-access-control", {
      name: props.name,
      description: `${props.name}: CloudFront signs every request to the site bucket`,
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });

    const headers =
      props.securityHeaders === false
        ? undefined
        : new CloudfrontResponseHeadersPolicy(this, "security-headers", {
            name: `${props.name}-security-headers`,
            comment: `${props.name}: HSTS, no sniffing, no framing, CSP`,
            securityHeadersConfig: {
              strictTransportSecurity: { accessControlMaxAgeSec: 63072000, includeSubdomains: true, preload: false, override: true },
              contentTypeOptions: { override: true },
              frameOptions: { frameOption: "DENY", override: true },
              referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: true },
              contentSecurityPolicy: { contentSecurityPolicy: props.contentSecurityPolicy, override: true },
            },
          });

    if (!headers)
      Annotations.of(this).addWarning(
        `${props.name}: no security headers (HSTS, CSP, frame options): securityHeaders is off, which is only for an emulator.`,
      );

    const spaFallback =
      props.spaFallback === false
        ? undefined
        : new CloudfrontFunction(this, "spa-fallback", {
            name: `${props.name}-spa-fallback`,
            comment: `${props.name}: extension-less paths get the app shell /index.html`,
            runtime: "cloudfront-js-2.0",
            code: SPA_FALLBACK_CODE,
            publish: true,
          });
    if (!spaFallback)
      Annotations.of(this).addWarning(
        `${props.name}: no SPA fallback: app routes other than / answer 403. spaFallback is off, which is only for an emulator.`,
      );

    const logs = props.accessLogs && this.logBucket(props.accessLogs, props);

    const siteOrigin = "site";
    const origins: CloudfrontDistributionOrigin[] = [
      { originId: siteOrigin, domainName: this.bucket.bucket.bucketRegionalDomainName, originAccessControlId: originAccess.id },
    ];
    const behaviors: CloudfrontDistributionOrderedCacheBehavior[] = [];
    const passThrough = (pathPattern: string, targetOriginId: string): CloudfrontDistributionOrderedCacheBehavior => ({
      pathPattern,
      targetOriginId,
      // No redirect: a POST redirected to HTTPS arrives as a GET.
      viewerProtocolPolicy: "https-only",
      allowedMethods: ALL_METHODS,
      cachedMethods: READ_METHODS,
      compress: true,
      cachePolicyId: MANAGED_POLICY_IDS.cachingDisabled,
      originRequestPolicyId: MANAGED_POLICY_IDS.allViewerExceptHostHeader,
      responseHeadersPolicyId: headers?.id,
    });
    if (props.apiOrigin) {
      origins.push({
        originId: "api",
        domainName: props.apiOrigin.domainName,
        customOriginConfig: {
          httpPort: 80,
          httpsPort: 443,
          // An ALB without a certificate serves HTTP only; that hop then crosses the internet in clear.
          originProtocolPolicy: props.apiOrigin.https ? "https-only" : "http-only",
          originSslProtocols: ["TLSv1.2"],
        },
        // The ALB's listener forwards only requests that carry it (modules/load-balancer).
        ...(props.apiOrigin.originHeader && {
          customHeader: [{ name: props.apiOrigin.originHeader.name, value: props.apiOrigin.originHeader.value }],
        }),
      });
      behaviors.push(passThrough(API_PATH_PATTERN, "api"));
      if (!props.apiOrigin.https) {
        Annotations.of(this).addWarning(
          `${props.name}: CloudFront reaches the backend load balancer over plain HTTP; give the ALB a certificate (loadBalancer.domain).`,
        );
      }
    }
    if (props.websocketOrigin) {
      origins.push({
        originId: "websocket",
        domainName: props.websocketOrigin.domainName,
        customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
      });
      // API Gateway accepts connections only on the stage path itself, so the path is not rewritten.
      behaviors.push(passThrough(`/${props.websocketOrigin.stageName}`, "websocket"));
    }

    const distribution = new CloudfrontDistribution(this, "distribution", {
      comment: `${props.name}: static dashboard`,
      enabled: true,
      isIpv6Enabled: true,
      httpVersion: "http2and3",
      priceClass: props.priceClass,
      defaultRootObject: "index.html",
      aliases: props.certificate ? [...props.certificate.aliases] : undefined,
      webAclId: props.webAclArn,
      origin: origins,
      defaultCacheBehavior: {
        targetOriginId: siteOrigin,
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD", "OPTIONS"],
        cachedMethods: READ_METHODS,
        compress: true,
        cachePolicyId: MANAGED_POLICY_IDS.cachingOptimized,
        responseHeadersPolicyId: headers?.id,
        ...(spaFallback && { functionAssociation: [{ eventType: "viewer-request", functionArn: spaFallback.arn }] }),
      },
      orderedCacheBehavior: behaviors.length > 0 ? behaviors : undefined,
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: props.certificate
        ? { acmCertificateArn: props.certificate.arn, sslSupportMethod: "sni-only", minimumProtocolVersion: VIEWER_TLS_POLICY }
        : // The default certificate always allows TLSv1 (AWS fixes its policy); a domain brings TLS 1.2.
          { cloudfrontDefaultCertificate: true },
      ...(logs && { loggingConfig: { bucket: logs.bucket.bucketDomainName, prefix: "cloudfront/", includeCookies: false } }),
    });
    this.bucket.grantCloudFrontRead(distribution.arn);

    this.distributionId = distribution.id;
    this.distributionArn = distribution.arn;
    this.domainName = distribution.domainName;
    this.hostedZoneId = distribution.hostedZoneId;
    this.url = `https://${props.certificate?.aliases[0] ?? distribution.domainName}`;
  }

  /**
   * CloudFront standard logs are delivered through an ACL grant to CloudFront's log delivery
   * account, which CloudFront adds itself when logging is turned on; so this bucket has ACLs on
   * (BucketOwnerPreferred) and SSE-S3 (standard logs cannot use a CMK). Terraform does not manage
   * the ACL, or every plan would fight CloudFront over that grant.
   */
  private logBucket(logs: NonNullable<StaticSiteProps["accessLogs"]>, props: StaticSiteProps): SecureBucket {
    return new SecureBucket(this, "access-logs", {
      bucketName: logs.bucketName,
      expirationDays: logs.expirationDays,
      forceDestroy: props.forceDestroy,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays,
      denyInsecureTransport: props.denyInsecureTransport,
      objectOwnership: "BucketOwnerPreferred",
    });
  }
}
