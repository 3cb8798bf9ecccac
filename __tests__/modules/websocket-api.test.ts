/** WebSocketApi alone: the stage's logs and throttling, per-route invoke permissions, the account logs role, and the exact grant. */
import { TerraformStack } from "cdktf";
import { WebSocketApi, WebSocketApiProps, ACCESS_LOG_FORMAT } from "../../modules/websocket-api";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, byId, granted, granteeRole, moduleStack, only, refTo, resolved, synth } from "./harness";

const PROPS: WebSocketApiProps = {
  name: "app-dev-websocket",
  description: "live quotes",
  region: "eu-central-1",
  stageName: "live",
  throttling: { burstLimit: 100, rateLimit: 50 },
  accessLogs: { groupName: "/app/dev/websocket-access", retentionDays: 14, kmsKeyArn: KEY_ARN },
};

function build(props: Partial<WebSocketApiProps> = {}, use?: (api: WebSocketApi, stack: TerraformStack) => void) {
  const stack = moduleStack();
  const api = new WebSocketApi(stack, "ws", { ...PROPS, ...props });
  use?.(api, stack);
  return { json: synth(stack), api, stack };
}

const executionArn = (json: StackJson) => refTo(json, "aws_apigatewayv2_api", "execution_arn");

test("a WebSocket API routing on the body's action", () => {
  expect(only(build().json, "aws_apigatewayv2_api")).toEqual({
    name: "app-dev-websocket",
    description: "live quotes",
    protocol_type: "WEBSOCKET",
    route_selection_expression: "$request.body.action",
  });
});

test("one auto-deployed stage, throttled, logging each event as JSON to an encrypted group", () => {
  const { json } = build();
  expect(only(json, "aws_apigatewayv2_stage")).toEqual({
    api_id: refTo(json, "aws_apigatewayv2_api", "id"),
    name: "live",
    auto_deploy: true,
    default_route_settings: { throttling_burst_limit: 100, throttling_rate_limit: 50 },
    access_log_settings: { destination_arn: refTo(json, "aws_cloudwatch_log_group", "arn"), format: ACCESS_LOG_FORMAT },
    depends_on: [],
  });
  expect(only(json, "aws_cloudwatch_log_group")).toEqual({ name: "/app/dev/websocket-access", retention_in_days: 14, kms_key_id: KEY_ARN });
  expect(Object.keys(JSON.parse(ACCESS_LOG_FORMAT))).toEqual([
    "requestId",
    "requestTime",
    "ip",
    "eventType",
    "routeKey",
    "connectionId",
    "status",
    "error",
    "integrationError",
  ]);
});

test("URLs: the stage's own, or the custom domain for browsers; management always on the stage", () => {
  const { stack, api, json } = build();
  const id = refTo(json, "aws_apigatewayv2_api", "id");
  expect(resolved(stack, api.url)).toBe(`wss://${id}.execute-api.eu-central-1.amazonaws.com/live`);
  expect(resolved(stack, api.managementEndpoint)).toBe(`https://${id}.execute-api.eu-central-1.amazonaws.com/live`);
  const custom = build({ domain: { name: "ws.example.com", hostedZoneId: "Z1" } });
  expect(custom.api.url).toBe("wss://ws.example.com");
  expect(resolved(custom.stack, custom.api.managementEndpoint)).toBe(
    `https://${refTo(custom.json, "aws_apigatewayv2_api", "id")}.execute-api.eu-central-1.amazonaws.com/live`,
  );
});

test("a custom domain: regional TLS 1.2 name with a DNS-validated certificate, mapped to the stage, with an alias", () => {
  const { json } = build({ domain: { name: "ws.example.com", hostedZoneId: "Z1" } });
  expect(only(json, "aws_apigatewayv2_domain_name")).toEqual({
    domain_name: "ws.example.com",
    domain_name_configuration: {
      certificate_arn: refTo(json, "aws_acm_certificate_validation", "certificate_arn"),
      endpoint_type: "REGIONAL",
      security_policy: "TLS_1_2",
    },
  });
  expect(only(json, "aws_apigatewayv2_api_mapping")).toEqual({
    api_id: refTo(json, "aws_apigatewayv2_api", "id"),
    domain_name: refTo(json, "aws_apigatewayv2_domain_name", "id"),
    stage: refTo(json, "aws_apigatewayv2_stage", "id"),
  });
  const alias = Object.values(byId(json, "aws_route53_record")).find((r) => r.type === "A");
  expect(alias).toMatchObject({ zone_id: "Z1", name: "ws.example.com", alias: { evaluate_target_health: false } });
});

test("a route: a proxy integration, and invoke permission for this API, stage and route only", () => {
  const { json } = build({}, (api) => api.route("$connect", { name: "app-dev-connection-handler", invokeArn: "arn:invoke" }));
  expect(only(json, "aws_apigatewayv2_integration")).toEqual({
    api_id: refTo(json, "aws_apigatewayv2_api", "id"),
    integration_type: "AWS_PROXY",
    integration_method: "POST",
    integration_uri: "arn:invoke",
  });
  expect(only(json, "aws_lambda_permission")).toEqual({
    function_name: "app-dev-connection-handler",
    action: "lambda:InvokeFunction",
    principal: "apigateway.amazonaws.com",
    source_arn: `${executionArn(json)}/live/$connect`,
  });
  expect(only(json, "aws_apigatewayv2_route")).toEqual({
    api_id: refTo(json, "aws_apigatewayv2_api", "id"),
    route_key: "$connect",
    target: `integrations/${refTo(json, "aws_apigatewayv2_integration", "id")}`,
  });
});

test("managing connections: POST to @connections of this stage only", () => {
  const { json } = build({}, (api, stack) => api.grantManageConnections(granteeRole(stack)));
  expect(granted(json)).toEqual([
    { actions: ["execute-api:ManageConnections"], effect: "Allow", resources: [`${executionArn(json)}/live/POST/@connections/*`] },
  ]);
});

test("the account logs role: only with a name; AWS's push-to-logs policy; the stage waits for the account setting", () => {
  expect(byId(build().json, "aws_api_gateway_account")).toEqual({});
  const { json } = build({ accountLogsRoleName: "app-dev-apigw-logs" });
  const partition = refTo(json, "aws_partition", "partition", "data");
  expect(only(json, "aws_iam_role")).toMatchObject({ name: "app-dev-apigw-logs" });
  expect(only(json, "aws_iam_role_policy_attachment")).toEqual({
    role: refTo(json, "aws_iam_role", "name"),
    policy_arn: `arn:${partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
  });
  expect(granted(json, "app-dev-apigw-logs")).toEqual([]);
  expect(only(json, "aws_api_gateway_account")).toEqual({
    cloudwatch_role_arn: refTo(json, "aws_iam_role", "arn"),
    reset_on_delete: false,
  });
  expect(only(json, "aws_apigatewayv2_stage").depends_on).toEqual([expect.stringMatching(/^aws_api_gateway_account\./)]);
});
