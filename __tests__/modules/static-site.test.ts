/** StaticSite alone: a private SSE-S3 bucket read only by its distribution, HTTPS, headers, fallback, the extra origins; and its web ACL. */
import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { StaticSite, StaticSiteProps, API_PATH_PATTERN, MANAGED_POLICY_IDS, VIEWER_TLS_POLICY } from "../../modules/static-site";
import { SiteWebAcl } from "../../modules/static-site/web-acl";
import { SPA_FALLBACK_CODE } from "../../modules/static-site/spa-fallback";
import { checkBuckets, checkKmsRotation, checkLogRetention } from "../helpers/policy";
import { StackJson } from "../helpers/synth";
import { byId, dataById, moduleStack, only, refTo, synth, warnings } from "./harness";

const PROPS: StaticSiteProps = {
  name: "app-dev-dashboard",
  bucketName: "app-dev-dashboard",
  forceDestroy: true,
  noncurrentVersionExpirationDays: 7,
  denyInsecureTransport: true,
  priceClass: "PriceClass_100",
  contentSecurityPolicy: "default-src 'self'",
};

function build(props: Partial<StaticSiteProps> = {}): { json: StackJson; stack: TerraformStack } {
  const stack = moduleStack();
  new StaticSite(stack, "site", { ...PROPS, ...props });
  return { json: synth(stack), stack };
}

const bucketStatements = (json: StackJson) =>
  Object.values(dataById(json, "aws_iam_policy_document"))[0].statement as Array<Record<string, unknown>>;

describe("the site bucket", () => {
  test("private, SSE-S3 (CloudFront's OAC cannot use the shared key), and read by this distribution only", () => {
    const { json } = build();
    expect(checkBuckets(json)).toEqual([]);
    expect(only(json, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" }, bucket_key_enabled: false },
    ]);
    const bucket = refTo(json, "aws_s3_bucket", "arn");
    expect(bucketStatements(json).map((s) => s.sid)).toEqual(["DenyInsecureTransport", "CloudFrontReadsThroughOriginAccessControl"]);
    expect(bucketStatements(json)[1]).toEqual({
      sid: "CloudFrontReadsThroughOriginAccessControl",
      effect: "Allow",
      actions: ["s3:GetObject"],
      principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
      resources: [`${bucket}/*`],
      condition: [{ test: "StringEquals", variable: "AWS:SourceArn", values: [refTo(json, "aws_cloudfront_distribution", "arn")] }],
    });
  });

  test("CloudFront signs every request to it", () => {
    expect(only(build().json, "aws_cloudfront_origin_access_control")).toEqual({
      name: "app-dev-dashboard",
      description: "app-dev-dashboard: CloudFront signs every request to the site bucket",
      origin_access_control_origin_type: "s3",
      signing_behavior: "always",
      signing_protocol: "sigv4",
    });
  });
});

describe("the distribution", () => {
  test("HTTPS (redirected), cached, with security headers and the SPA fallback on the default behaviour", () => {
    const { json, stack } = build();
    const distribution = only(json, "aws_cloudfront_distribution");
    expect(distribution).toMatchObject({
      enabled: true,
      is_ipv6_enabled: true,
      http_version: "http2and3",
      price_class: "PriceClass_100",
      default_root_object: "index.html",
      origin: [
        {
          origin_id: "site",
          domain_name: refTo(json, "aws_s3_bucket", "bucket_regional_domain_name"),
          origin_access_control_id: refTo(json, "aws_cloudfront_origin_access_control", "id"),
        },
      ],
      default_cache_behavior: {
        target_origin_id: "site",
        viewer_protocol_policy: "redirect-to-https",
        allowed_methods: ["GET", "HEAD", "OPTIONS"],
        cached_methods: ["GET", "HEAD"],
        compress: true,
        cache_policy_id: MANAGED_POLICY_IDS.cachingOptimized,
        response_headers_policy_id: refTo(json, "aws_cloudfront_response_headers_policy", "id"),
        function_association: [{ event_type: "viewer-request", function_arn: refTo(json, "aws_cloudfront_function", "arn") }],
      },
      viewer_certificate: { cloudfront_default_certificate: true },
    });
    expect(distribution.ordered_cache_behavior).toBeUndefined();
    expect(distribution.logging_config).toBeUndefined();
    expect(only(json, "aws_cloudfront_function")).toMatchObject({
      name: "app-dev-dashboard-spa-fallback",
      runtime: "cloudfront-js-2.0",
      code: SPA_FALLBACK_CODE,
      publish: true,
    });
    expect(only(json, "aws_cloudfront_response_headers_policy").security_headers_config).toEqual({
      strict_transport_security: { access_control_max_age_sec: 63072000, include_subdomains: true, preload: false, override: true },
      content_type_options: { override: true },
      frame_options: { frame_option: "DENY", override: true },
      referrer_policy: { referrer_policy: "strict-origin-when-cross-origin", override: true },
      content_security_policy: { content_security_policy: "default-src 'self'", override: true },
    });
    expect(warnings(stack)).toEqual([]);
  });

  test("a certificate: its aliases, SNI and TLS 1.2; a web ACL when given", () => {
    const { json } = build({
      certificate: { arn: "arn:aws:acm:us-east-1:1:certificate/c", aliases: ["markets.example.com"] },
      webAclArn: "arn:aws:wafv2:us-east-1:1:global/webacl/a/b",
    });
    expect(only(json, "aws_cloudfront_distribution")).toMatchObject({
      aliases: ["markets.example.com"],
      web_acl_id: "arn:aws:wafv2:us-east-1:1:global/webacl/a/b",
      viewer_certificate: {
        acm_certificate_arn: "arn:aws:acm:us-east-1:1:certificate/c",
        ssl_support_method: "sni-only",
        minimum_protocol_version: VIEWER_TLS_POLICY,
      },
    });
  });

  test("API and WebSocket origins: HTTPS only, uncached, every method, the origin header sent to the ALB", () => {
    const { json, stack } = build({
      apiOrigin: { domainName: "alb.example.com", https: true, originHeader: { name: "X-Origin-Verify", value: "v" } },
      websocketOrigin: { domainName: "abc.execute-api.eu-central-1.amazonaws.com", stageName: "live" },
    });
    const distribution = only(json, "aws_cloudfront_distribution");
    const origins = distribution.origin as Array<Record<string, unknown>>;
    expect(origins.slice(1)).toEqual([
      {
        origin_id: "api",
        domain_name: "alb.example.com",
        custom_origin_config: { http_port: 80, https_port: 443, origin_protocol_policy: "https-only", origin_ssl_protocols: ["TLSv1.2"] },
        custom_header: [{ name: "X-Origin-Verify", value: "v" }],
      },
      {
        origin_id: "websocket",
        domain_name: "abc.execute-api.eu-central-1.amazonaws.com",
        custom_origin_config: { http_port: 80, https_port: 443, origin_protocol_policy: "https-only", origin_ssl_protocols: ["TLSv1.2"] },
      },
    ]);
    const passThrough = (path_pattern: string, target_origin_id: string) => ({
      path_pattern,
      target_origin_id,
      viewer_protocol_policy: "https-only",
      allowed_methods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
      cached_methods: ["GET", "HEAD"],
      compress: true,
      cache_policy_id: MANAGED_POLICY_IDS.cachingDisabled,
      origin_request_policy_id: MANAGED_POLICY_IDS.allViewerExceptHostHeader,
      response_headers_policy_id: refTo(json, "aws_cloudfront_response_headers_policy", "id"),
    });
    expect(distribution.ordered_cache_behavior).toEqual([passThrough(API_PATH_PATTERN, "api"), passThrough("/live", "websocket")]);
    expect(warnings(stack)).toEqual([]);
  });

  test("a plain-HTTP ALB origin is allowed, with a warning", () => {
    const { json, stack } = build({ apiOrigin: { domainName: "alb.example.com", https: false } });
    const api = (only(json, "aws_cloudfront_distribution").origin as Array<Record<string, unknown>>)[1];
    expect(api.custom_origin_config).toMatchObject({ origin_protocol_policy: "http-only" });
    expect(api.custom_header).toBeUndefined();
    expect(warnings(stack)).toEqual([
      "app-dev-dashboard: CloudFront reaches the backend load balancer over plain HTTP; give the ALB a certificate (loadBalancer.domain).",
    ]);
  });

  test("emulator switches: no headers policy or fallback, each with a warning", () => {
    const { json, stack } = build({ securityHeaders: false, spaFallback: false });
    expect(byId(json, "aws_cloudfront_response_headers_policy")).toEqual({});
    expect(byId(json, "aws_cloudfront_function")).toEqual({});
    expect(warnings(stack)).toHaveLength(2);
  });

  test("standard logs: a bucket of their own with ACLs for CloudFront's delivery, SSE-S3, expiring", () => {
    const { json } = build({ accessLogs: { bucketName: "app-dev-dashboard-logs", expirationDays: 30 } });
    expect(checkBuckets(json)).toEqual([]);
    const logs = Object.entries(byId(json, "aws_s3_bucket")).find(([, b]) => b.bucket === "app-dev-dashboard-logs")![0];
    expect(only(json, "aws_cloudfront_distribution").logging_config).toEqual({
      bucket: `\${aws_s3_bucket.${logs}.bucket_domain_name}`,
      prefix: "cloudfront/",
      include_cookies: false,
    });
    const ownership = Object.values(byId(json, "aws_s3_bucket_ownership_controls")).find(
      (o) => o.bucket === `\${aws_s3_bucket.${logs}.id}`,
    );
    expect(ownership).toMatchObject({ rule: { object_ownership: "BucketOwnerPreferred" } });
  });
});

describe("SiteWebAcl", () => {
  function acl(mode: "blocked" | "all") {
    const stack = moduleStack();
    const usEast1 = new AwsProvider(stack, "us-east-1", { region: "us-east-1", alias: "us-east-1" });
    new SiteWebAcl(stack, "waf", {
      name: "app-dev-site",
      rateLimit: 2000,
      usEast1,
      logs: { mode, retentionDays: 30, keyDeletionWindowDays: 7 },
    });
    return synth(stack);
  }

  test("CloudFront scope in us-east-1: managed rule sets, the body size rule outside the API, a per-IP limit", () => {
    const json = acl("blocked");
    const webAcl = only(json, "aws_wafv2_web_acl");
    expect(webAcl).toMatchObject({ provider: "aws.us-east-1", name: "app-dev-site", scope: "CLOUDFRONT", default_action: { allow: {} } });
    expect((webAcl.rule as Array<Record<string, unknown>>).map((r) => [r.name, r.priority])).toEqual([
      ["aws-common-rule-set", 10],
      ["aws-known-bad-inputs", 20],
      ["body-size-outside-api", 30],
      ["rate-limit-per-ip", 40],
    ]);
  });

  test("logs blocked and counted requests only, without credentials, to a rotating-key encrypted group in us-east-1", () => {
    const json = acl("blocked");
    expect(checkKmsRotation(json)).toEqual([]);
    expect(checkLogRetention(json)).toEqual([]);
    expect(only(json, "aws_cloudwatch_log_group")).toEqual({
      provider: "aws.us-east-1",
      name: "aws-waf-logs-app-dev-site",
      retention_in_days: 30,
      kms_key_id: refTo(json, "aws_kms_key", "arn"),
    });
    const logging = only(json, "aws_wafv2_web_acl_logging_configuration");
    expect(logging).toMatchObject({
      provider: "aws.us-east-1",
      resource_arn: refTo(json, "aws_wafv2_web_acl", "arn"),
      log_destination_configs: [refTo(json, "aws_cloudwatch_log_group", "arn")],
      redacted_fields: [{ single_header: { name: "authorization" } }, { single_header: { name: "cookie" } }],
      logging_filter: {
        default_behavior: "DROP",
        filter: [
          {
            behavior: "KEEP",
            requirement: "MEETS_ANY",
            condition: [{ action_condition: { action: "BLOCK" } }, { action_condition: { action: "COUNT" } }],
          },
        ],
      },
    });
    expect(only(acl("all"), "aws_wafv2_web_acl_logging_configuration").logging_filter).toBeUndefined();
  });
});
