import * as path from "path";
import * as vm from "vm";
import { Testing } from "cdktf";
import { StaticSite, API_PATH_PATTERN, MANAGED_POLICY_IDS } from "../../modules/static-site";
import { EdgeStack, US_EAST_1_ALIAS } from "../../stacks/edge";
import { parseRuntimeConfig } from "../../modules/static-site/runtime-config";
import { SPA_FALLBACK_CODE } from "../../modules/static-site/spa-fallback";
import { BODY_SIZE_LABEL } from "../../modules/static-site/web-acl";
import { buildStacks } from "../../stacks/app";
import { ROOT, StackJson, configNamed, configWith, dataOf, resourcesOf, scrubbed, synthAll } from "../helpers/synth";

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
    for (const type of ["aws_acm_certificate", "aws_acm_certificate_validation", "aws_route53_record", "aws_wafv2_web_acl"])
      expect(resourcesOf(stack, type)).toEqual({});
    const distribution = only(stack, "aws_cloudfront_distribution");
    expect(distribution.viewer_certificate).toEqual({ cloudfront_default_certificate: true });
    expect(distribution).not.toHaveProperty("aliases");
    expect(distribution).not.toHaveProperty("web_acl_id");
    expect(distribution).not.toHaveProperty("logging_config");
  });

  test("the site bucket is private: all four public access flags, SSE, and no Allow to anyone but CloudFront", () => {
    const bucket = siteBucketId(stack);
    const block = values(stack, "aws_s3_bucket_public_access_block").find((b) => b.bucket === `\${aws_s3_bucket.${bucket}.id}`)!;
    expect(block).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const sse = values(stack, "aws_s3_bucket_server_side_encryption_configuration").find(
      (e) => e.bucket === `\${aws_s3_bucket.${bucket}.id}`,
    )!;
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
    expect(only(stack, "aws_cloudfront_origin_access_control")).toMatchObject({
      origin_access_control_origin_type: "s3",
      signing_behavior: "always",
      signing_protocol: "sigv4",
    });
    const site = (only(stack, "aws_cloudfront_distribution").origin as Json[]).find((o) => o.origin_id === "site")!;
    expect(site.origin_access_control_id).toBe(ref(stack, "aws_cloudfront_origin_access_control", "id"));
    expect(site).not.toHaveProperty("s3_origin_config");
  });

  test("HTTPS only, compressed, index.html as root, price class from config; no distribution-wide error rewrite", () => {
    const d = only(stack, "aws_cloudfront_distribution");
    expect(d).toMatchObject({ enabled: true, is_ipv6_enabled: true, default_root_object: "index.html", price_class: "PriceClass_100" });
    expect(d.default_cache_behavior).toMatchObject({
      target_origin_id: "site",
      viewer_protocol_policy: "redirect-to-https",
      compress: true,
      cache_policy_id: MANAGED_POLICY_IDS.cachingOptimized,
      response_headers_policy_id: ref(stack, "aws_cloudfront_response_headers_policy", "id"),
    });
    // A rewrite of 403/404 would turn API errors and WAF blocks into the app shell with status 200.
    expect(d).not.toHaveProperty("custom_error_response");
  });

  test("the SPA fallback: a cloudfront-js-2.0 viewer-request function on the default behaviour only, published", () => {
    const fn = only(stack, "aws_cloudfront_function");
    expect(fn).toMatchObject({
      name: "streamlines-dev-dashboard-spa-fallback",
      comment: expect.any(String),
      runtime: "cloudfront-js-2.0",
      code: SPA_FALLBACK_CODE,
      publish: true,
    });
    const d = only(stack, "aws_cloudfront_distribution");
    expect(d.default_cache_behavior.function_association).toEqual([
      { event_type: "viewer-request", function_arn: ref(stack, "aws_cloudfront_function", "arn") },
    ]);
    const apiBehaviours = d.ordered_cache_behavior as Json[];
    expect(apiBehaviours.map((b) => b.path_pattern)).toEqual([API_PATH_PATTERN, "/live"]);
    for (const b of apiBehaviours) expect(b).not.toHaveProperty("function_association");
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
    expect(api.domain_name).toMatch(
      /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-core\.outputs\.cross-stack-output-aws_lbload-balancer_alb_\w+dns_name\}$/,
    );
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

  test("CloudFront sends the origin header the ALB's listener requires, its value read from core's secret (by the ARN in core's state)", () => {
    const api = (only(stack, "aws_cloudfront_distribution").origin as Json[]).find((o) => o.origin_id === "api")!;
    const [readId, read] = Object.entries(dataOf(stack, "aws_secretsmanager_secret_version"))[0];
    expect(read.secret_id).toMatch(
      /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-core\.outputs\.cross-stack-output-aws_secretsmanager_secretload-balancer_origin-header_secret_\w+arn\}$/,
    );
    expect(api.custom_header).toEqual([
      { name: "X-Origin-Verify", value: `\${data.aws_secretsmanager_secret_version.${readId}.secret_string}` },
    ]);
    expect(stacks.core.resource!.aws_lb_listener_rule).toBeDefined();
  });

  test("the WebSocket API's stage path goes to core's API (execute-api name from remote state), uncached", () => {
    const d = only(stack, "aws_cloudfront_distribution");
    const ws = (d.origin as Json[]).find((o) => o.origin_id === "websocket")!;
    expect(ws.domain_name).toMatch(
      /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-core\.outputs\.cross-stack-output-aws_apigatewayv2_api\w+id\}\.execute-api\.eu-central-1\.amazonaws\.com$/,
    );
    expect(ws.custom_origin_config).toMatchObject({ origin_protocol_policy: "https-only" });
    expect(d.ordered_cache_behavior).toContainEqual(
      expect.objectContaining({
        path_pattern: "/live",
        target_origin_id: "websocket",
        cache_policy_id: MANAGED_POLICY_IDS.cachingDisabled,
      }),
    );
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
    expect(
      parseRuntimeConfig({ graphqlUrl: "https://d1.cloudfront.net/graphql", websocketUrl: "wss://d1.cloudfront.net/live" }, "x"),
    ).not.toEqual(expect.any(String));
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
    expect(only(stack, "aws_acm_certificate")).toMatchObject({
      provider: `aws.${US_EAST_1_ALIAS}`,
      domain_name: "markets.example.com",
      validation_method: "DNS",
    });
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
        alias: {
          name: ref(stack, "aws_cloudfront_distribution", "domain_name"),
          zone_id: ref(stack, "aws_cloudfront_distribution", "hosted_zone_id"),
        },
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
    expect(stack.output!.runtime_config).toEqual({
      value: { graphqlUrl: "https://markets.example.com/graphql", websocketUrl: "wss://markets.example.com/live" },
    });
  });

  test("the WAF: scope CLOUDFRONT through the us-east-1 alias, common and known-bad-inputs rule sets, body size outside the API, rate limit, metrics on, attached", () => {
    const acl = only(stack, "aws_wafv2_web_acl");
    expect(acl).toMatchObject({ provider: `aws.${US_EAST_1_ALIAS}`, scope: "CLOUDFRONT", default_action: { allow: {} } });
    expect(acl.visibility_config).toMatchObject({ cloudwatch_metrics_enabled: true, sampled_requests_enabled: true });
    const rules = acl.rule as Json[];
    expect(rules.map((r) => [r.name, r.priority])).toEqual([
      ["aws-common-rule-set", 10],
      ["aws-known-bad-inputs", 20],
      ["body-size-outside-api", 30],
      ["rate-limit-per-ip", 40],
    ]);
    expect(rules.map((r) => r.statement)).toEqual([
      {
        managed_rule_group_statement: {
          name: "AWSManagedRulesCommonRuleSet",
          vendor_name: "AWS",
          rule_action_override: [{ name: "SizeRestrictions_BODY", action_to_use: { count: {} } }],
        },
      },
      { managed_rule_group_statement: { name: "AWSManagedRulesKnownBadInputsRuleSet", vendor_name: "AWS" } },
      {
        and_statement: {
          statement: [
            { label_match_statement: { scope: "LABEL", key: "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body" } },
            {
              not_statement: {
                statement: {
                  byte_match_statement: {
                    search_string: "/graphql",
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
      { rate_based_statement: { limit: 1000, aggregate_key_type: "IP" } },
    ]);
    expect(BODY_SIZE_LABEL).toBe("awswaf:managed:aws:core-rule-set:SizeRestrictions_Body");
    expect(rules[0].override_action).toEqual({ none: {} });
    expect(rules[1].override_action).toEqual({ none: {} });
    expect(rules[2].action).toEqual({ block: {} });
    expect(rules[3].action).toEqual({ block: {} });
    for (const r of rules) expect(r.visibility_config).toMatchObject({ cloudwatch_metrics_enabled: true, sampled_requests_enabled: true });
    expect(only(stack, "aws_cloudfront_distribution").web_acl_id).toBe(ref(stack, "aws_wafv2_web_acl", "arn"));
  });

  test("WAF logs: an aws-waf-logs- log group in us-east-1, KMS-encrypted by a us-east-1 key for that region's logs service, kept logRetentionDays; blocked and counted requests only; credentials redacted", () => {
    const group = only(stack, "aws_cloudwatch_log_group");
    expect(group).toMatchObject({
      provider: `aws.${US_EAST_1_ALIAS}`,
      name: "aws-waf-logs-streamlines-edge-dashboard",
      retention_in_days: configNamed(DOMAIN_WAF).logRetentionDays,
    });
    const keyId = idOf(stack, "aws_kms_key");
    expect(group.kms_key_id).toBe(`\${aws_kms_key.${keyId}.arn}`);
    expect(only(stack, "aws_kms_key")).toMatchObject({ provider: `aws.${US_EAST_1_ALIAS}`, enable_key_rotation: true });
    expect(only(stack, "aws_kms_alias")).toMatchObject({
      provider: `aws.${US_EAST_1_ALIAS}`,
      name: "alias/streamlines-edge-dashboard-waf-logs",
    });
    const policyDoc = String(only(stack, "aws_kms_key").policy).match(/data\.aws_iam_policy_document\.([\w-]+)\.json/)![1];
    const logsStatement = (dataOf(stack, "aws_iam_policy_document")[policyDoc].statement as Json[]).find(
      (st) => st.sid === "CloudWatchLogsEncryptsThisAccountsLogGroups",
    )!;
    expect(logsStatement.principals).toEqual([{ type: "Service", identifiers: ["logs.us-east-1.amazonaws.com"] }]);
    expect(logsStatement.condition[0].values[0]).toMatch(/^arn:\$\{[^}]+\}:logs:us-east-1:/);
    const logging = only(stack, "aws_wafv2_web_acl_logging_configuration");
    expect(logging).toMatchObject({
      provider: `aws.${US_EAST_1_ALIAS}`,
      resource_arn: ref(stack, "aws_wafv2_web_acl", "arn"),
      log_destination_configs: [ref(stack, "aws_cloudwatch_log_group", "arn")],
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
  });

  test("WAF logs all: no filter", () => {
    const file = configNamed(DOMAIN_WAF);
    const all = synthAll({ ...file, edge: { ...file.edge, waf: { ...file.edge.waf, logs: "all" } } }).stacks.edge;
    expect(only(all, "aws_wafv2_web_acl_logging_configuration")).not.toHaveProperty("logging_filter");
  });

  test("access logs: a bucket of their own, ACLs on for CloudFront's log delivery (which sets its own grant), each log expiring after edge.accessLogs.expirationDays", () => {
    const d = only(stack, "aws_cloudfront_distribution");
    const logs = Object.entries(resourcesOf(stack, "aws_s3_bucket")).find(([, b]) => b.bucket === "streamlines-edge-cdn-logs")![0];
    expect(d.logging_config).toEqual({
      bucket: `\${aws_s3_bucket.${logs}.bucket_domain_name}`,
      prefix: "cloudfront/",
      include_cookies: false,
    });
    const ownership = values(stack, "aws_s3_bucket_ownership_controls").find((o) => o.bucket === `\${aws_s3_bucket.${logs}.id}`)!;
    expect(ownership.rule).toEqual({ object_ownership: "BucketOwnerPreferred" });
    const lifecycle = values(stack, "aws_s3_bucket_lifecycle_configuration").find((l) => l.bucket === `\${aws_s3_bucket.${logs}.id}`)!;
    expect(lifecycle.rule).toEqual(
      expect.arrayContaining([{ id: "expire-objects", status: "Enabled", filter: [{ prefix: "" }], expiration: [{ days: 30 }] }]),
    );
    expect(resourcesOf(stack, "aws_s3_bucket_acl")).toEqual({});
  });

  test("the API origin speaks HTTPS to the ALB's own domain (its certificate's name)", () => {
    const api = (only(stack, "aws_cloudfront_distribution").origin as Json[]).find((o) => o.origin_id === "api")!;
    expect(api).toMatchObject({
      domain_name: "api.markets.example.com",
      custom_origin_config: { origin_protocol_policy: "https-only", origin_ssl_protocols: ["TLSv1.2"] },
    });
  });
});

describe("the SPA fallback function's code, run in node against CloudFront viewer-request events", () => {
  /** Runs the shipped code as CloudFront does: a global `handler(event)` returning the request. */
  const handle = (uri: string): Json => {
    const context = vm.createContext({});
    vm.runInContext(SPA_FALLBACK_CODE, context);
    const event = {
      version: "1.0",
      context: { eventType: "viewer-request" },
      viewer: { ip: "192.0.2.1" },
      request: { method: "GET", uri, querystring: { a: { value: "1" } }, headers: { host: { value: "d1.cloudfront.net" } }, cookies: {} },
    };
    return vm.runInContext("handler", context)(event) as Json;
  };

  test.each([
    ["/", "/index.html"],
    ["/sp500", "/index.html"],
    ["/ask-bid-spread/", "/index.html"],
    ["/dashboard/AAPL", "/index.html"],
    ["/index.html", "/index.html"],
    ["/assets/index-B4VmqMlx.js", "/assets/index-B4VmqMlx.js"],
    ["/favicon.png", "/favicon.png"],
    ["/config.json", "/config.json"],
    ["/assets/missing-file.css", "/assets/missing-file.css"],
    ["/v1.2/report", "/index.html"],
  ])("%s -> %s", (uri, expected) => {
    const request = handle(uri);
    expect(request.uri).toBe(expected);
    // The rest of the request is passed on untouched.
    expect(request.querystring).toEqual({ a: { value: "1" } });
    expect(request.headers).toEqual({ host: { value: "d1.cloudfront.net" } });
  });

  test("ES5 only (the runtime runs it as written) and nothing but the handler", () => {
    expect(SPA_FALLBACK_CODE).not.toMatch(/\b(const|let|require|import|async|await)\b|=>|`/);
    const context = vm.createContext({});
    vm.runInContext(SPA_FALLBACK_CODE, context);
    expect(Object.keys(context)).toEqual(["handler"]);
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
      expect.objectContaining({
        path_pattern: "/live",
        target_origin_id: "websocket",
        cache_policy_id: MANAGED_POLICY_IDS.cachingDisabled,
        origin_request_policy_id: MANAGED_POLICY_IDS.allViewerExceptHostHeader,
      }),
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

  test("no response headers policy nor SPA fallback function (moto has neither API), and synth warns about both", () => {
    expect(resourcesOf(json, "aws_cloudfront_function")).toEqual({});
    expect(only(json, "aws_cloudfront_distribution").default_cache_behavior).not.toHaveProperty("function_association");
    expect(resourcesOf(json, "aws_cloudfront_response_headers_policy")).toEqual({});
    expect(only(json, "aws_cloudfront_distribution").default_cache_behavior).not.toHaveProperty("response_headers_policy_id");
    expect(edge.site.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data)).toEqual([
      "streamlines-acce-dashboard: no security headers (HSTS, CSP, frame options): securityHeaders is off, which is only for an emulator.",
      "streamlines-acce-dashboard: no SPA fallback: app routes other than / answer 403. spaFallback is off, which is only for an emulator.",
    ]);
  });
});
