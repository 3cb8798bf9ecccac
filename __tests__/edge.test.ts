import * as path from "path";
import { Testing } from "cdktf";
import { StaticSite, API_PATH_PATTERN, MANAGED_POLICY_IDS } from "../modules/static-site";
import { EdgeStack, US_EAST_1_ALIAS } from "../stacks/edge";
import { parseRuntimeConfig } from "../modules/static-site/runtime-config";
import { buildStacks } from "../stacks/app";
import { ROOT, StackJson, configNamed, configWith, dataOf, resourcesOf, scrubbed, synthAll } from "./helpers/synth";

const DOMAIN_WAF = path.join(ROOT, "__tests__", "fixtures", "configs", "edge-domain-waf.json");

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const values = (stack: StackJson, type: string): Json[] => Object.values(resourcesOf(stack, type));
const only = (stack: StackJson, type: string): Json => {
  const all = values(stack, type);
  expect(all).toHaveLength(1);
  return all[0];
};
const idOf = (stack: StackJson, type: string): string => {
  const ids = Object.keys(resourcesOf(stack, type));
  expect(ids).toHaveLength(1);
  return ids[0];
};
const ref = (stack: StackJson, type: string, attr: string) => `\${${type}.${idOf(stack, type)}.${attr}}`;

/** The site bucket: the one the distribution's S3 origin reads. */
function siteBucketId(stack: StackJson): string {
  const origin = (only(stack, "aws_cloudfront_distribution").origin as Json[]).find((o) => o.origin_id === "site")!;
  return String(origin.domain_name).match(/aws_s3_bucket\.([\w-]+)\.bucket_regional_domain_name/)![1];
}

/** Statements of the policy attached to `bucketId`. */
function bucketPolicy(stack: StackJson, bucketId: string): Json[] {
  const policy = values(stack, "aws_s3_bucket_policy").find((p) => p.bucket === `\${aws_s3_bucket.${bucketId}.id}`)!;
  const doc = String(policy.policy).match(/data\.aws_iam_policy_document\.([\w-]+)\.json/)![1];
  return dataOf(stack, "aws_iam_policy_document")[doc].statement as Json[];
}

describe("edge without a domain (dev config, edge enabled)", () => {
  let stacks: Record<string, StackJson>;
  let stack: StackJson;
  beforeAll(() => {
    stacks = synthAll(configWith("dev", { edge: { enabled: true } })).stacks;
    stack = stacks.edge;
  });

  test("snapshot", () => {
    expect(scrubbed(stack)).toMatchSnapshot();
  });

  test("no second provider, certificate, records or WAF; the default certificate", () => {
    expect(stack.provider!.aws).toHaveLength(1);
    for (const type of ["aws_acm_certificate", "aws_acm_certificate_validation", "aws_route53_record", "aws_wafv2_web_acl"]) expect(resourcesOf(stack, type)).toEqual({});
    const distribution = only(stack, "aws_cloudfront_distribution");
    expect(distribution.viewer_certificate).toEqual({ cloudfront_default_certificate: true });
    expect(distribution).not.toHaveProperty("aliases");
    expect(distribution).not.toHaveProperty("web_acl_id");
    expect(distribution).not.toHaveProperty("logging_config");
  });

  test("the site bucket is private: all four public access flags, SSE, and no Allow to anyone but CloudFront", () => {
    const bucket = siteBucketId(stack);
    const block = values(stack, "aws_s3_bucket_public_access_block").find((b) => b.bucket === `\${aws_s3_bucket.${bucket}.id}`)!;
    expect(block).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    const sse = values(stack, "aws_s3_bucket_server_side_encryption_configuration").find((e) => e.bucket === `\${aws_s3_bucket.${bucket}.id}`)!;
    expect(sse.rule[0].apply_server_side_encryption_by_default).toEqual({ sse_algorithm: "AES256" });
    const allows = bucketPolicy(stack, bucket).filter((s) => s.effect === "Allow");
    expect(allows).toEqual([
      {
        sid: "CloudFrontReadsThroughOriginAccessControl",
        effect: "Allow",
        actions: ["s3:GetObject"],
        principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
        resources: [`\${aws_s3_bucket.${bucket}.arn}/*`],
        condition: [{ test: "StringEquals", variable: "AWS:SourceArn", values: [ref(stack, "aws_cloudfront_distribution", "arn")] }],
      },
    ]);
  });

  test("the distribution reads the bucket through OAC (signing always, sigv4)", () => {
    expect(only(stack, "aws_cloudfront_origin_access_control")).toMatchObject({ origin_access_control_origin_type: "s3", signing_behavior: "always", signing_protocol: "sigv4" });
    const site = (only(stack, "aws_cloudfront_distribution").origin as Json[]).find((o) => o.origin_id === "site")!;
    expect(site.origin_access_control_id).toBe(ref(stack, "aws_cloudfront_origin_access_control", "id"));
    expect(site).not.toHaveProperty("s3_origin_config");
  });

  test("HTTPS only, compressed, index.html as root, price class from config, SPA fallback for 403 and 404", () => {
    const d = only(stack, "aws_cloudfront_distribution");
    expect(d).toMatchObject({ enabled: true, is_ipv6_enabled: true, default_root_object: "index.html", price_class: "PriceClass_100" });
    expect(d.default_cache_behavior).toMatchObject({
      target_origin_id: "site",
      viewer_protocol_policy: "redirect-to-https",
      compress: true,
      cache_policy_id: MANAGED_POLICY_IDS.cachingOptimized,
      response_headers_policy_id: ref(stack, "aws_cloudfront_response_headers_policy", "id"),
    });
    expect(d.custom_error_response).toEqual([
      { error_code: 403, response_code: 200, response_page_path: "/index.html", error_caching_min_ttl: 10 },
      { error_code: 404, response_code: 200, response_page_path: "/index.html", error_caching_min_ttl: 10 },
    ]);
  });

  test("security headers: HSTS, nosniff, DENY framing, referrer policy and the configured CSP, all overriding the origin", () => {
    const h = only(stack, "aws_cloudfront_response_headers_policy").security_headers_config;
    expect(h.strict_transport_security).toMatchObject({ access_control_max_age_sec: 63072000, include_subdomains: true, override: true });
    expect(h.content_type_options).toEqual({ override: true });
    expect(h.frame_options).toEqual({ frame_option: "DENY", override: true });
    expect(h.referrer_policy).toEqual({ referrer_policy: "strict-origin-when-cross-origin", override: true });
    expect(h.content_security_policy).toEqual({ content_security_policy: configNamed("dev").edge.contentSecurityPolicy, override: true });
  });

  test("/graphql* goes to core's ALB (remote state), uncached, all methods; plain HTTP to an ALB without a certificate", () => {
    const d = only(stack, "aws_cloudfront_distribution");
    const api = (d.origin as Json[]).find((o) => o.origin_id === "api")!;
    expect(api.domain_name).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-core\.outputs\.cross-stack-output-aws_lbload-balancer_alb_\w+dns_name\}$/);
    expect(api.custom_origin_config).toMatchObject({ origin_protocol_policy: "http-only" });
    expect(d.ordered_cache_behavior).toContainEqual(
      expect.objectContaining({
        path_pattern: API_PATH_PATTERN,
        target_origin_id: "api",
        viewer_protocol_policy: "https-only",
        allowed_methods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
        cache_policy_id: MANAGED_POLICY_IDS.cachingDisabled,
        origin_request_policy_id: MANAGED_POLICY_IDS.allViewerExceptHostHeader,
      }),
    );
  });

  test("the WebSocket API's stage path goes to core's API (execute-api name from remote state), uncached", () => {
    const d = only(stack, "aws_cloudfront_distribution");
    const ws = (d.origin as Json[]).find((o) => o.origin_id === "websocket")!;
    expect(ws.domain_name).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-core\.outputs\.cross-stack-output-aws_apigatewayv2_api\w+id\}\.execute-api\.eu-central-1\.amazonaws\.com$/);
    expect(ws.custom_origin_config).toMatchObject({ origin_protocol_policy: "https-only" });
    expect(d.ordered_cache_behavior).toContainEqual(expect.objectContaining({ path_pattern: "/live", target_origin_id: "websocket", cache_policy_id: MANAGED_POLICY_IDS.cachingDisabled }));
  });

  test("outputs for publish-dashboard: bucket, distribution id, domain name, url, and the runtime settings it writes to config.json", () => {
    const host = ref(stack, "aws_cloudfront_distribution", "domain_name");
    expect(stack.output).toEqual({
      bucket_name: { value: ref(stack, "aws_s3_bucket", "bucket") },
      distribution_id: { value: ref(stack, "aws_cloudfront_distribution", "id") },
      domain_name: { value: host },
      url: { value: `https://${host}` },
      runtime_config: { value: { graphqlUrl: `https://${host}/graphql`, websocketUrl: `wss://${host}/live` } },
    });
    expect(parseRuntimeConfig({ graphqlUrl: "https://d1.cloudfront.net/graphql", websocketUrl: "wss://d1.cloudfront.net/live" }, "x")).not.toEqual(expect.any(String));
  });
});

describe("edge with a domain, the WAF and access logs (fixture edge-domain-waf, region eu-west-1)", () => {
  let stack: StackJson;
  beforeAll(() => {
    stack = synthAll(configNamed(DOMAIN_WAF)).stacks.edge;
  });

  test("snapshot", () => {
    expect(scrubbed(stack)).toMatchSnapshot();
  });

  test("a second aws provider, aliased, in us-east-1 whatever the app region; the default one stays in eu-west-1", () => {
    expect(stack.provider!.aws.map((p) => ({ alias: p.alias, region: p.region }))).toEqual([
      { alias: undefined, region: "eu-west-1" },
      { alias: US_EAST_1_ALIAS, region: "us-east-1" },
    ]);
  });

  test("the certificate and its validation use the us-east-1 alias (the shared dnsValidatedCertificate); DNS validation", () => {
    expect(only(stack, "aws_acm_certificate")).toMatchObject({ provider: `aws.${US_EAST_1_ALIAS}`, domain_name: "markets.example.com", validation_method: "DNS" });
    expect(only(stack, "aws_acm_certificate_validation")).toMatchObject({
      provider: `aws.${US_EAST_1_ALIAS}`,
      certificate_arn: ref(stack, "aws_acm_certificate", "arn"),
    });
  });

  test("the validation record indexes the one known domain, in the zone looked up by name, through the default provider", () => {
    const zone = Object.entries(dataOf(stack, "aws_route53_zone"));
    expect(zone).toHaveLength(1);
    expect(zone[0][1]).toMatchObject({ name: "example.com", private_zone: false });
    const validation = values(stack, "aws_route53_record").filter((r) => r.alias === undefined);
    expect(validation).toHaveLength(1);
    const option = `tolist(aws_acm_certificate.${idOf(stack, "aws_acm_certificate")}.domain_validation_options).0`;
    expect(validation[0]).toEqual(
      expect.objectContaining({
        zone_id: `\${data.aws_route53_zone.${zone[0][0]}.zone_id}`,
        name: `\${${option}.resource_record_name}`,
        type: `\${${option}.resource_record_type}`,
        records: [`\${${option}.resource_record_value}`],
      }),
    );
    expect(validation[0]).not.toHaveProperty("provider");
    expect(only(stack, "aws_acm_certificate_validation").validation_record_fqdns).toEqual([
      `\${aws_route53_record.${Object.entries(resourcesOf(stack, "aws_route53_record")).find(([, r]) => r.alias === undefined)![0]}.fqdn}`,
    ]);
  });

  test("alias A and AAAA records point at the distribution", () => {
    const aliases = values(stack, "aws_route53_record").filter((r) => r.alias !== undefined);
    expect(aliases.map((r) => r.type).sort()).toEqual(["A", "AAAA"]);
    for (const r of aliases) {
      expect(r).toMatchObject({
        name: "markets.example.com",
        alias: { name: ref(stack, "aws_cloudfront_distribution", "domain_name"), zone_id: ref(stack, "aws_cloudfront_distribution", "hosted_zone_id") },
      });
    }
  });

  test("the distribution serves the domain with the validated certificate, TLS 1.2_2021, SNI", () => {
    const d = only(stack, "aws_cloudfront_distribution");
    expect(d.aliases).toEqual(["markets.example.com"]);
    expect(d.viewer_certificate).toEqual({
      acm_certificate_arn: ref(stack, "aws_acm_certificate_validation", "certificate_arn"),
      ssl_support_method: "sni-only",
      minimum_protocol_version: "TLSv1.2_2021",
    });
    expect(d.price_class).toBe("PriceClass_200");
    expect(stack.output!.url).toEqual({ value: "https://markets.example.com" });
    expect(stack.output!.runtime_config).toEqual({ value: { graphqlUrl: "https://markets.example.com/graphql", websocketUrl: "wss://markets.example.com/live" } });
  });

  test("the WAF: scope CLOUDFRONT through the us-east-1 alias, common rule set and rate limit, metrics on, attached", () => {
    const acl = only(stack, "aws_wafv2_web_acl");
    expect(acl).toMatchObject({ provider: `aws.${US_EAST_1_ALIAS}`, scope: "CLOUDFRONT", default_action: { allow: {} } });
    expect(acl.visibility_config).toMatchObject({ cloudwatch_metrics_enabled: true, sampled_requests_enabled: true });
    const rules = acl.rule as Json[];
    expect(rules.map((r) => r.statement)).toEqual([
      { managed_rule_group_statement: { name: "AWSManagedRulesCommonRuleSet", vendor_name: "AWS" } },
      { rate_based_statement: { limit: 1000, aggregate_key_type: "IP" } },
    ]);
    expect(rules[0].override_action).toEqual({ none: {} });
    expect(rules[1].action).toEqual({ block: {} });
    for (const r of rules) expect(r.visibility_config).toMatchObject({ cloudwatch_metrics_enabled: true, sampled_requests_enabled: true });
    expect(only(stack, "aws_cloudfront_distribution").web_acl_id).toBe(ref(stack, "aws_wafv2_web_acl", "arn"));
  });

  test("access logs: a bucket of their own, ACLs on for CloudFront's log delivery (which sets its own grant), each log expiring after edge.accessLogs.expirationDays", () => {
    const d = only(stack, "aws_cloudfront_distribution");
    const logs = Object.entries(resourcesOf(stack, "aws_s3_bucket")).find(([, b]) => b.bucket === "streamlines-edge-cdn-logs")![0];
    expect(d.logging_config).toEqual({ bucket: `\${aws_s3_bucket.${logs}.bucket_domain_name}`, prefix: "cloudfront/", include_cookies: false });
    const ownership = values(stack, "aws_s3_bucket_ownership_controls").find((o) => o.bucket === `\${aws_s3_bucket.${logs}.id}`)!;
    expect(ownership.rule).toEqual({ object_ownership: "BucketOwnerPreferred" });
    const lifecycle = values(stack, "aws_s3_bucket_lifecycle_configuration").find((l) => l.bucket === `\${aws_s3_bucket.${logs}.id}`)!;
    expect(lifecycle.rule).toEqual(expect.arrayContaining([{ id: "expire-objects", status: "Enabled", filter: [{ prefix: "" }], expiration: [{ days: 30 }] }]));
    expect(resourcesOf(stack, "aws_s3_bucket_acl")).toEqual({});
  });

  test("the API origin speaks HTTPS to the ALB's own domain (its certificate's name)", () => {
    const api = (only(stack, "aws_cloudfront_distribution").origin as Json[]).find((o) => o.origin_id === "api")!;
    expect(api).toMatchObject({ domain_name: "api.markets.example.com", custom_origin_config: { origin_protocol_policy: "https-only", origin_ssl_protocols: ["TLSv1.2"] } });
  });
});

describe("StaticSite with a WebSocket origin", () => {
  test("the stage path goes to the API, uncached, all viewer headers but Host (the WebSocket handshake)", () => {
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        new StaticSite(scope, "site", {
          name: "t-dashboard",
          bucketName: "t-site",
          forceDestroy: true,
          noncurrentVersionExpirationDays: 7,
          denyInsecureTransport: true,
          priceClass: "PriceClass_100",
          contentSecurityPolicy: "default-src 'self'",
          websocketOrigin: { domainName: "abc123.execute-api.eu-west-1.amazonaws.com", stageName: "live" },
        });
      }),
    );
    const d = Object.values(json.resource.aws_cloudfront_distribution)[0] as Json;
    expect(d.origin).toContainEqual({
      origin_id: "websocket",
      domain_name: "abc123.execute-api.eu-west-1.amazonaws.com",
      custom_origin_config: { http_port: 80, https_port: 443, origin_protocol_policy: "https-only", origin_ssl_protocols: ["TLSv1.2"] },
    });
    expect(d.ordered_cache_behavior).toEqual([
      expect.objectContaining({ path_pattern: "/live", target_origin_id: "websocket", cache_policy_id: MANAGED_POLICY_IDS.cachingDisabled, origin_request_policy_id: MANAGED_POLICY_IDS.allViewerExceptHostHeader }),
    ]);
  });
});

describe("edge on its own against the emulator (config acceptance-edge: no domain, no backend origins)", () => {
  let edge: EdgeStack;
  let json: StackJson;
  beforeAll(() => {
    edge = buildStacks(Testing.app(), configNamed("acceptance-edge")).edge!;
    json = JSON.parse(Testing.synth(edge)) as StackJson;
  });

  test("no API or WebSocket origin, and no reference to core", () => {
    expect(only(json, "aws_cloudfront_distribution").origin).toHaveLength(1);
    expect(dataOf(json, "terraform_remote_state")).toEqual({});
    expect(only(json, "aws_cloudfront_distribution")).not.toHaveProperty("ordered_cache_behavior");
    expect(json.output).not.toHaveProperty("runtime_config");
  });

  test("no response headers policy (moto has no such API), and synth warns about it", () => {
    expect(resourcesOf(json, "aws_cloudfront_response_headers_policy")).toEqual({});
    expect(only(json, "aws_cloudfront_distribution").default_cache_behavior).not.toHaveProperty("response_headers_policy_id");
    expect(edge.site.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data)).toEqual([
      "streamlines-acce-dashboard: no security headers (HSTS, CSP, frame options): securityHeaders is off, which is only for an emulator.",
    ]);
  });
});
