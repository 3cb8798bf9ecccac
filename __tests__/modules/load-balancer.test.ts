/** LoadBalancer alone: listeners, security group rules, target groups, access logs and the CloudFront-only mode. */
import { TerraformStack } from "cdktf";
import { LoadBalancer, LoadBalancerProps, ORIGIN_HEADER_NAME, TLS_POLICY, targetGroupNamePrefix } from "../../modules/load-balancer";
import { checkBuckets, checkIngress } from "../helpers/policy";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, byId, dataById, moduleStack, only, refTo, resolved, synth, warnings } from "./harness";

const CERT = "arn:aws:acm:eu-central-1:111122223333:certificate/c";
const BASE: LoadBalancerProps = {
  name: "app-dev",
  region: "eu-central-1",
  vpcId: "vpc-1",
  subnetIds: ["subnet-a", "subnet-b"],
  idleTimeoutSeconds: 120,
  deletionProtection: true,
  targets: { frontend: { name: "app-dev-frontend", port: 3000, healthCheckPath: "/", healthyCodes: "200" } },
};
const API = { name: "app-dev-api", port: 8080, healthCheckPath: "/health", healthyCodes: "200-299", pathPatterns: ["/api/*", "/ws"] };

function build(props: Partial<LoadBalancerProps> = {}, region?: string): { json: StackJson; lb: LoadBalancer; stack: TerraformStack } {
  const stack = moduleStack(region);
  const lb = new LoadBalancer(stack, "alb", { ...BASE, ...props });
  return { json: synth(stack), lb, stack };
}

const ingress = (json: StackJson) => Object.values(byId(json, "aws_vpc_security_group_ingress_rule"));
const listeners = (json: StackJson) => Object.values(byId(json, "aws_lb_listener"));
const groupRef = (json: StackJson) => refTo(json, "aws_security_group", "id");

test("one internet-facing ALB that drops malformed headers, named after the app and env", () => {
  const { json } = build();
  expect(only(json, "aws_lb")).toEqual({
    name: "app-dev-alb",
    internal: false,
    load_balancer_type: "application",
    security_groups: [groupRef(json)],
    subnets: ["subnet-a", "subnet-b"],
    drop_invalid_header_fields: true,
    idle_timeout: 120,
    enable_deletion_protection: true,
  });
  expect(only(json, "aws_security_group")).toMatchObject({ name: "app-dev-alb", vpc_id: "vpc-1", tags: { Name: "app-dev-alb" } });
});

test("exactly one default target (without path patterns)", () => {
  expect(() => build({ targets: { api: API } })).toThrow(
    "LoadBalancer app-dev: exactly one target without pathPatterns (the default), got 0",
  );
  expect(() => build({ targets: { a: BASE.targets.frontend, b: BASE.targets.frontend } })).toThrow(
    "LoadBalancer app-dev: exactly one target without pathPatterns (the default), got 2",
  );
});

describe("without a certificate", () => {
  test("HTTP on 80 only, from anywhere, with a synth warning", () => {
    const { json, lb, stack } = build();
    expect(lb.https).toBe(false);
    expect(resolved(stack, lb.url)).toBe(`http://${refTo(json, "aws_lb", "dns_name")}`);
    expect(ingress(json)).toEqual([
      {
        security_group_id: groupRef(json),
        description: "HTTP from browsers",
        ip_protocol: "tcp",
        from_port: 80,
        to_port: 80,
        cidr_ipv4: "0.0.0.0/0",
        tags: { Name: "app-dev-alb-80" },
      },
    ]);
    expect(checkIngress("core", json, [{ stack: "core", port: 80, reason: "ALB" }])).toEqual([]);
    expect(listeners(json)).toEqual([
      {
        load_balancer_arn: refTo(json, "aws_lb", "arn"),
        port: 80,
        protocol: "HTTP",
        default_action: [{ type: "forward", target_group_arn: refTo(json, "aws_lb_target_group", "arn") }],
      },
    ]);
    expect(warnings(stack)).toEqual([
      "app-dev: the load balancer serves plain HTTP. Set loadBalancer.certificateArn or loadBalancer.domain in the config for HTTPS.",
    ]);
  });
});

describe("with a certificate", () => {
  test("HTTPS on 443 with the TLS 1.2/1.3 policy; 80 only redirects", () => {
    const { json, lb } = build({ certificateArn: CERT });
    expect(lb.https).toBe(true);
    expect(
      ingress(json)
        .map((r) => [r.from_port, r.cidr_ipv4, r.description])
        .sort((a, b) => Number(a[0]) - Number(b[0])),
    ).toEqual([
      [80, "0.0.0.0/0", "HTTP from browsers, redirected to HTTPS"],
      [443, "0.0.0.0/0", "HTTPS from browsers"],
    ]);
    const lbArn = refTo(json, "aws_lb", "arn");
    expect(listeners(json).sort((a, b) => Number(b.port) - Number(a.port))).toEqual([
      {
        load_balancer_arn: lbArn,
        port: 443,
        protocol: "HTTPS",
        ssl_policy: TLS_POLICY,
        certificate_arn: CERT,
        default_action: [{ type: "forward", target_group_arn: refTo(json, "aws_lb_target_group", "arn") }],
      },
      {
        load_balancer_arn: lbArn,
        port: 80,
        protocol: "HTTP",
        default_action: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }],
      },
    ]);
    expect(TLS_POLICY).toBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
  });

  test("a domain without a certificate gets a DNS-validated one and an alias record", () => {
    const { json, lb } = build({ domain: { name: "app.example.com", hostedZoneId: "Z1" } });
    expect(lb.url).toBe("https://app.example.com");
    expect(only(json, "aws_acm_certificate")).toMatchObject({ domain_name: "app.example.com", validation_method: "DNS" });
    const https = listeners(json).find((l) => l.port === 443)!;
    expect(https.certificate_arn).toBe(refTo(json, "aws_acm_certificate_validation", "certificate_arn"));
    const alias = Object.values(byId(json, "aws_route53_record")).find((r) => r.type === "A");
    expect(alias).toEqual({
      zone_id: "Z1",
      name: "app.example.com",
      type: "A",
      alias: { name: refTo(json, "aws_lb", "dns_name"), zone_id: refTo(json, "aws_lb", "zone_id"), evaluate_target_health: true },
    });
  });
});

describe("targets", () => {
  test("IP target groups named by a short prefix, replaced before destroyed, draining in 30 s", () => {
    const { json } = build({ targets: { ...BASE.targets, api: API } });
    const groups = Object.values(byId(json, "aws_lb_target_group")).sort((a, b) => Number(a.port) - Number(b.port));
    expect(groups.map((g) => [g.name_prefix, g.tags, g.port])).toEqual([
      ["front-", { Name: "app-dev-frontend" }, 3000],
      ["api-", { Name: "app-dev-api" }, 8080],
    ]);
    expect(groups[1]).toEqual({
      name_prefix: "api-",
      lifecycle: { create_before_destroy: true },
      tags: { Name: "app-dev-api" },
      port: 8080,
      protocol: "HTTP",
      target_type: "ip",
      vpc_id: "vpc-1",
      deregistration_delay: "30",
      health_check: {
        enabled: true,
        path: "/health",
        matcher: "200-299",
        interval: 30,
        timeout: 15,
        healthy_threshold: 3,
        unhealthy_threshold: 3,
      },
    });
  });

  test("target group prefixes are letters and digits, at most 6 characters with the dash", () => {
    expect(targetGroupNamePrefix("results-pusher")).toBe("resul-");
    expect(targetGroupNamePrefix("a_b")).toBe("ab-");
  });

  test("path routes are listener rules in order; the rest goes to the default", () => {
    const { json } = build({ targets: { ...BASE.targets, api: API, ws: { ...API, name: "app-dev-ws", pathPatterns: ["/stream"] } } });
    const rules = Object.values(byId(json, "aws_lb_listener_rule"));
    expect(rules.map((r) => [r.priority, r.condition])).toEqual([
      [10, [{ path_pattern: { values: ["/api/*", "/ws"] } }]],
      [20, [{ path_pattern: { values: ["/stream"] } }]],
    ]);
    expect(rules[0].listener_arn).toBe(refTo(json, "aws_lb_listener", "arn"));
  });

  test("an attachment admits the service: egress from the ALB to its group on its port only", () => {
    const stack = moduleStack();
    const lb = new LoadBalancer(stack, "alb", { ...BASE, targets: { ...BASE.targets, api: API } });
    lb.targets.api.admit("sg-service", 8080);
    const json = synth(stack);
    expect(Object.values(byId(json, "aws_vpc_security_group_egress_rule"))).toEqual([
      {
        security_group_id: groupRef(json),
        description: "TCP 8080 to the api tasks",
        ip_protocol: "tcp",
        from_port: 8080,
        to_port: 8080,
        referenced_security_group_id: "sg-service",
        tags: { Name: "app-dev-alb-to-api" },
      },
    ]);
    expect(resolved(stack, lb.targets.api.sourceSecurityGroupId)).toBe(groupRef(json));
    expect(lb.targets.api.dependsOn).toHaveLength(2);
    expect(lb.targets.frontend.dependsOn).toHaveLength(1);
  });

  test("no egress at all until a service is admitted", () => {
    expect(byId(build().json, "aws_vpc_security_group_egress_rule")).toEqual({});
  });
});

describe("only from CloudFront", () => {
  const cloudFront = { onlyFromCloudFront: { secret: { name: "app-dev/origin-header", kmsKeyArn: KEY_ARN, recoveryWindowDays: 7 } } };

  test("one ingress rule, from CloudFront's origin-facing prefix list, on the serving port; no redirect listener", () => {
    const { json } = build({ certificateArn: CERT, ...cloudFront });
    expect(dataById(json, "aws_ec2_managed_prefix_list")).toEqual({
      [Object.keys(dataById(json, "aws_ec2_managed_prefix_list"))[0]]: { name: "com.amazonaws.global.cloudfront.origin-facing" },
    });
    expect(ingress(json)).toEqual([
      {
        security_group_id: groupRef(json),
        description: "HTTPS from the CloudFront origin-facing addresses only",
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        prefix_list_id: refTo(json, "aws_ec2_managed_prefix_list", "id", "data"),
        tags: { Name: "app-dev-alb-cloudfront-443" },
      },
    ]);
    expect(listeners(json).map((l) => l.port)).toEqual([443]);
  });

  test("requests without the generated header get 403; every target, the default last, needs it", () => {
    const { json, lb, stack } = build({ certificateArn: CERT, targets: { ...BASE.targets, api: API }, ...cloudFront });
    const header = {
      http_header: {
        http_header_name: ORIGIN_HEADER_NAME,
        values: [refTo(json, "aws_secretsmanager_secret_version", "secret_string", "data")],
      },
    };
    expect(listeners(json)[0].default_action).toEqual([
      { type: "fixed-response", fixed_response: { content_type: "text/plain", status_code: "403", message_body: "Forbidden" } },
    ]);
    const rules = Object.values(byId(json, "aws_lb_listener_rule"));
    expect(rules.map((r) => [r.priority, r.condition])).toEqual([
      [10, [{ path_pattern: { values: ["/api/*", "/ws"] } }, header]],
      [20, [header]],
    ]);
    expect(resolved(stack, lb.originHeader)).toEqual({
      name: "X-Origin-Verify",
      secretArn: refTo(json, "aws_secretsmanager_secret", "arn"),
    });
  });

  test("the header value is generated by Secrets Manager into a KMS-encrypted secret, never through state", () => {
    const { json } = build({ certificateArn: CERT, ...cloudFront });
    expect(only(json, "aws_secretsmanager_secret")).toMatchObject({
      name: "app-dev/origin-header",
      kms_key_id: KEY_ARN,
      recovery_window_in_days: 7,
    });
    const version = only(json, "aws_secretsmanager_secret_version");
    expect(version).toMatchObject({ secret_string_wo_version: 1 });
    expect(version.secret_string).toBeUndefined();
    const ephemeral = (json.ephemeral as Record<string, Record<string, unknown>>).aws_secretsmanager_random_password;
    expect(Object.values(ephemeral)).toEqual([{ password_length: 64, exclude_punctuation: true }]);
  });
});

describe("access logs", () => {
  const logs = {
    accessLogs: { bucketName: "app-dev-alb-logs", expirationDays: 30, noncurrentVersionExpirationDays: 7, denyInsecureTransport: true },
  };

  test("to a private SSE-S3 bucket that empties on destroy; the ALB waits for its policy", () => {
    const { json } = build(logs);
    expect(checkBuckets(json)).toEqual([]);
    expect(only(json, "aws_s3_bucket")).toMatchObject({ bucket: "app-dev-alb-logs", force_destroy: true });
    expect(only(json, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" }, bucket_key_enabled: false },
    ]);
    const alb = only(json, "aws_lb");
    expect(alb.access_logs).toEqual({ bucket: refTo(json, "aws_s3_bucket", "bucket"), enabled: true });
    expect(alb.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_policy\./)]);
  });

  test("in a region with an ELB account, that account alone may put objects under AWSLogs/<account>/", () => {
    const { json } = build(logs);
    const statements = Object.values(dataById(json, "aws_iam_policy_document"))[0].statement as Array<Record<string, unknown>>;
    const account = refTo(json, "aws_caller_identity", "account_id", "data");
    const partition = refTo(json, "aws_partition", "partition", "data");
    expect(statements.map((s) => s.sid)).toEqual(["DenyInsecureTransport", "ElbWritesAccessLogs"]);
    expect(statements[1]).toEqual({
      sid: "ElbWritesAccessLogs",
      actions: ["s3:PutObject"],
      principals: [{ type: "AWS", identifiers: [refTo(json, "aws_elb_service_account", "arn", "data")] }],
      resources: [`arn:${partition}:s3:::app-dev-alb-logs/AWSLogs/${account}/*`],
    });
    expect(Object.values(dataById(json, "aws_elb_service_account"))).toEqual([{ region: "eu-central-1" }]);
  });

  test("in a newer region, the log delivery service principal instead", () => {
    const { json } = build({ ...logs, region: "eu-central-2" }, "eu-central-2");
    const statements = Object.values(dataById(json, "aws_iam_policy_document"))[0].statement as Array<Record<string, unknown>>;
    expect(statements[1].principals).toEqual([{ type: "Service", identifiers: ["logdelivery.elasticloadbalancing.amazonaws.com"] }]);
    expect(dataById(json, "aws_elb_service_account")).toEqual({});
  });
});
