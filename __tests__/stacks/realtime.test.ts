/**
 * The real-time path in core: WebSocket API, connection handler and results pusher built from lambdas/,
 * the pusher's event source mapping and dead-letter queue, their roles and alarms.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { bundleLambda, handlerEntry } from "../../lambdas/build";
import { buildStacks } from "../../stacks/app";
import { WEBSOCKET_STAGE } from "../../stacks/core-realtime";
import { ACCESS_LOG_FORMAT } from "../../modules/websocket-api";

/** The `$context` variables WebSocket APIs log: https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-logging.html */
const WEBSOCKET_LOG_VARIABLES: ReadonlySet<string> = new Set([
  "$context.apiId",
  "$context.awsEndpointRequestId",
  "$context.connectedAt",
  "$context.connectionId",
  "$context.domainName",
  "$context.eventType",
  "$context.error.message",
  "$context.error.messageString",
  "$context.error.responseType",
  "$context.error.validationErrorString",
  "$context.extendedRequestId",
  "$context.identity.sourceIp",
  "$context.identity.userAgent",
  "$context.identity.accountId",
  "$context.identity.caller",
  "$context.integration.error",
  "$context.integration.integrationStatus",
  "$context.integration.latency",
  "$context.integration.requestId",
  "$context.integration.status",
  "$context.integrationLatency",
  "$context.integrationStatus",
  "$context.messageId",
  "$context.requestId",
  "$context.requestTime",
  "$context.requestTimeEpoch",
  "$context.routeKey",
  "$context.stage",
  "$context.status",
]);
import { ROOT, StackJson, configNamed, resourcesOf, synthAll } from "../helpers/synth";
import { documentBehind, grants, ref, remote, roleStatements, values } from "../helpers/stack-json";

const EFS_ENDPOINTS = path.join(ROOT, "__tests__", "fixtures", "configs", "efs-endpoints.json");

const fnNamed = (stack: StackJson, name: string) => values(stack, "aws_lambda_function").find((f) => f.function_name === name)!;
const fnRef = (stack: StackJson, name: string, attr: string) => ref(stack, "aws_lambda_function", (f) => f.function_name === name, attr);
const apiRef = (stack: StackJson, attr: string) => ref(stack, "aws_apigatewayv2_api", () => true, attr);
/** A resource body without cdktf's metadata, for exact comparisons. */
const body = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== "//"));
const actionsOf = (stack: StackJson, role: string) => [...new Set(roleStatements(stack, role).flatMap((s) => s.actions))].sort();

describe("realtime (dev config: defaults)", () => {
  let stack: StackJson;
  beforeAll(() => {
    stack = synthAll(configNamed("dev")).stacks.core;
  });

  describe("functions", () => {
    test.each(["connection-handler", "results-pusher"])(
      "%s: nodejs22.x on arm64 from lambdas/<name>-<bundle sha256>.zip in the artifacts bucket",
      (handler) => {
        const name = `streamlines-dev-${handler}`;
        const fn = fnNamed(stack, name);
        const [objectId, object] = Object.entries(resourcesOf(stack, "aws_s3_object")).find(([, o]) =>
          String(o.key).startsWith(`lambdas/${name}-`),
        )!;
        // The key names the bundle's own hash: the same sources give the same key, a change a new one.
        const { sha256 } = bundleLambda(handlerEntry(handler), fs.mkdtempSync(path.join(os.tmpdir(), "realtime-bundle-")));
        expect(object.key).toBe(`lambdas/${name}-${sha256.toUpperCase()}.zip`);
        expect(object).toMatchObject({
          bucket: remote(stack, "artifacts", "bucket"),
          source: expect.stringMatching(new RegExp(`^assets/${handler}_code_[0-9A-F]+/${sha256.toUpperCase()}/archive\\.zip$`)),
          server_side_encryption: "aws:kms",
          kms_key_id: remote(stack, "key", "arn"),
        });
        expect(object.source_hash).toBe(`\${filemd5("${object.source}")}`);
        expect(fn).toMatchObject({
          runtime: "nodejs22.x",
          architectures: ["arm64"],
          handler: "index.handler",
          s3_bucket: remote(stack, "artifacts", "bucket"),
          s3_key: `\${aws_s3_object.${objectId}.key}`,
          source_code_hash: `\${filebase64sha256("${object.source}")}`,
          kms_key_arn: remote(stack, "key", "arn"),
          tracing_config: { mode: "PassThrough" },
        });
        expect(fn).not.toHaveProperty("filename");
        const group = ref(stack, "aws_cloudwatch_log_group", (g) => g.name === `/aws/lambda/${name}`, "id").replace(/^\$\{|\.id\}$/g, "");
        expect(fn.depends_on).toEqual(expect.arrayContaining([group, `aws_s3_object.${objectId}`]));
        expect(values(stack, "aws_cloudwatch_log_group").find((g) => g.name === `/aws/lambda/${name}`)).toMatchObject({
          retention_in_days: 30,
          kms_key_id: remote(stack, "key", "arn"),
        });
      },
    );

    test("sizes from config defaults: handler 256 MiB / 10 s, pusher 512 MiB / 60 s", () => {
      expect(fnNamed(stack, "streamlines-dev-connection-handler")).toMatchObject({ memory_size: 256, timeout: 10 });
      expect(fnNamed(stack, "streamlines-dev-results-pusher")).toMatchObject({ memory_size: 512, timeout: 60 });
    });

    test("environment: the handlers' contract (lambdas/shared/env.ts), from this stack and foundations", () => {
      const endpoint = `https://${apiRef(stack, "id")}.execute-api.eu-central-1.amazonaws.com/${WEBSOCKET_STAGE}`;
      const table = remote(stack, "connection-table", "name");
      expect(fnNamed(stack, "streamlines-dev-connection-handler").environment).toEqual({
        variables: {
          TABLE_NAME: table,
          TTL_ATTRIBUTE: "expiresAt",
          CONNECTION_TTL_HOURS: "3",
          MAX_SYMBOLS_PER_MESSAGE: "50",
          MAX_SUBSCRIPTIONS_PER_CONNECTION: "100",
          MANAGEMENT_API_ENDPOINT: endpoint,
        },
      });
      expect(fnNamed(stack, "streamlines-dev-results-pusher").environment).toEqual({
        variables: {
          TABLE_NAME: table,
          INDEX_NAME: "StreamLinesWebsocketGetConnectionsBySymbolIndex",
          MANAGEMENT_API_ENDPOINT: endpoint,
          POST_CONCURRENCY: "25",
          MAX_POSTS_PER_INVOCATION: "5000",
        },
      });
    });

    test("no reserved concurrency by default: a new account's limit can be too small to reserve any", () => {
      for (const name of ["streamlines-dev-connection-handler", "streamlines-dev-results-pusher"])
        expect(fnNamed(stack, name).reserved_concurrent_executions).toBeUndefined();
    });
  });

  describe("roles: each function's exact actions", () => {
    test("connection handler: its table's items, this stage's connections, its own logs, the key", () => {
      expect(actionsOf(stack, "streamlines-dev-connection-handler")).toEqual([
        "dynamodb:BatchWriteItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "execute-api:ManageConnections",
        "kms:Decrypt",
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
      ]);
    });

    test("results pusher: read downstream, query the GSI, remove gone connections, post, send to its DLQ, its logs, the key", () => {
      expect(actionsOf(stack, "streamlines-dev-results-pusher")).toEqual([
        "dynamodb:BatchWriteItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "execute-api:ManageConnections",
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
        "sqs:SendMessage",
      ]);
    });

    test("resources: the table (the pusher's GSI query on the index only), this API's stage, the downstream stream, the DLQ, the foundations key", () => {
      const table = remote(stack, "connection-table", "arn");
      const key = remote(stack, "key", "arn");
      const connections = `${apiRef(stack, "execution_arn")}/${WEBSOCKET_STAGE}/POST/@connections/*`;
      const handler = grants(stack, "streamlines-dev-connection-handler");
      expect(handler.filter((g) => !g.startsWith("logs:"))).toEqual(
        [
          `dynamodb:BatchWriteItem on ${table}`,
          `dynamodb:DeleteItem on ${table}`,
          `dynamodb:PutItem on ${table}`,
          `dynamodb:Query on ${table}`,
          `execute-api:ManageConnections on ${connections}`,
          `kms:Decrypt on ${key}`,
        ].sort(),
      );
      const pusher = grants(stack, "streamlines-dev-results-pusher");
      const stream = ref(stack, "aws_kinesis_stream", (s) => s.name === "streamlines-dev-downstream", "arn");
      const queue = ref(stack, "aws_sqs_queue", () => true, "arn");
      expect(pusher).toEqual(
        expect.arrayContaining([
          `dynamodb:Query on ${table}/index/StreamLinesWebsocketGetConnectionsBySymbolIndex`,
          `dynamodb:Query on ${table}`,
          `dynamodb:DeleteItem on ${table}`,
          `execute-api:ManageConnections on ${connections}`,
          `kinesis:GetRecords on ${stream}`,
          `sqs:SendMessage on ${queue}`,
          `kms:GenerateDataKey on ${key}`,
        ]),
      );
      expect(pusher.filter((g) => g.startsWith("dynamodb:PutItem"))).toEqual([]);
      for (const role of ["streamlines-dev-connection-handler", "streamlines-dev-results-pusher"]) {
        const logs = ref(stack, "aws_cloudwatch_log_group", (g) => g.name === `/aws/lambda/${role}`, "arn");
        expect(
          grants(stack, role)
            .filter((g) => g.startsWith("logs:"))
            .every((g) => g.endsWith(` on ${logs}`) || g.endsWith(` on ${logs}:log-stream:*`)),
        ).toBe(true);
      }
    });

    test("both trust Lambda only", () => {
      for (const name of ["streamlines-dev-connection-handler", "streamlines-dev-results-pusher"]) {
        const role = values(stack, "aws_iam_role").find((r) => r.name === name)!;
        const [trust] = documentBehind(stack, role.assume_role_policy);
        expect(trust.principals).toEqual([{ type: "Service", identifiers: ["lambda.amazonaws.com"] }]);
      }
    });
  });

  describe("WebSocket API", () => {
    test("WEBSOCKET protocol; $connect, $disconnect and $default, each an AWS_PROXY integration of the connection handler", () => {
      expect(values(stack, "aws_apigatewayv2_api")).toEqual([
        expect.objectContaining({
          name: "streamlines-dev-websocket",
          protocol_type: "WEBSOCKET",
          route_selection_expression: "$request.body.action",
        }),
      ]);
      const routes = values(stack, "aws_apigatewayv2_route");
      expect(routes.map((r) => r.route_key).sort()).toEqual(["$connect", "$default", "$disconnect"]);
      const integrations = resourcesOf(stack, "aws_apigatewayv2_integration");
      for (const route of routes) {
        expect(route.api_id).toBe(apiRef(stack, "id"));
        const id = String(route.target).match(/^integrations\/\$\{aws_apigatewayv2_integration\.([\w-]+)\.id\}$/)![1];
        expect(integrations[id]).toMatchObject({
          api_id: apiRef(stack, "id"),
          integration_type: "AWS_PROXY",
          integration_method: "POST",
          integration_uri: fnRef(stack, "streamlines-dev-connection-handler", "invoke_arn"),
        });
      }
    });

    test("one auto-deployed stage with the configured throttling and JSON access logs to a KMS log group; no deployment resource", () => {
      const logs = ref(stack, "aws_cloudwatch_log_group", (g) => g.name === "/streamlines/dev/websocket-access", "arn");
      expect(values(stack, "aws_apigatewayv2_stage")).toEqual([
        expect.objectContaining({
          api_id: apiRef(stack, "id"),
          name: "live",
          auto_deploy: true,
          default_route_settings: { throttling_burst_limit: 500, throttling_rate_limit: 1000 },
          access_log_settings: { destination_arn: logs, format: ACCESS_LOG_FORMAT },
        }),
      ]);
      expect(JSON.parse(ACCESS_LOG_FORMAT)).toMatchObject({
        routeKey: "$context.routeKey",
        connectionId: "$context.connectionId",
        status: "$context.status",
        error: "$context.error.message",
        integrationError: "$context.integration.error",
      });
      // A variable of HTTP/REST APIs only logs nothing on a WebSocket stage.
      const variables = ACCESS_LOG_FORMAT.match(/\$context\.[\w.]+/g) ?? [];
      expect(variables.filter((v) => !WEBSOCKET_LOG_VARIABLES.has(v))).toEqual([]);
      expect(values(stack, "aws_cloudwatch_log_group").find((g) => g.name === "/streamlines/dev/websocket-access")).toMatchObject({
        kms_key_id: remote(stack, "key", "arn"),
      });
      expect(values(stack, "aws_apigatewayv2_deployment")).toEqual([]);
    });

    test("invoke permissions: API Gateway, for this API's stage and each route only", () => {
      const permissions = values(stack, "aws_lambda_permission");
      expect(permissions.map((p) => p.source_arn).sort()).toEqual(
        ["$connect", "$default", "$disconnect"].map((r) => `${apiRef(stack, "execution_arn")}/live/${r}`),
      );
      for (const p of permissions) {
        expect(p).toMatchObject({
          action: "lambda:InvokeFunction",
          principal: "apigateway.amazonaws.com",
          function_name: fnRef(stack, "streamlines-dev-connection-handler", "function_name"),
        });
      }
    });

    test("dev owns the account's API Gateway logging role (accountLogsRole owned): trusted by API Gateway, AWS's push-to-CloudWatch policy, set before the stage, left as it is on destroy", () => {
      const role = values(stack, "aws_iam_role").find((r) => r.name === "streamlines-dev-apigateway-logs")!;
      expect(documentBehind(stack, role.assume_role_policy)[0].principals).toEqual([
        { type: "Service", identifiers: ["apigateway.amazonaws.com"] },
      ]);
      expect(values(stack, "aws_iam_role_policy_attachment").map((a) => a.policy_arn)).toContainEqual(
        expect.stringMatching(/:iam::aws:policy\/service-role\/AmazonAPIGatewayPushToCloudWatchLogs$/),
      );
      const [accountId, account] = Object.entries(resourcesOf(stack, "aws_api_gateway_account"))[0];
      expect(account.cloudwatch_role_arn).toBe(ref(stack, "aws_iam_role", (r) => r.name === "streamlines-dev-apigateway-logs", "arn"));
      // A reset on destroy would undo the handover: the old owner's apply (external) would clear the new owner's setting.
      expect(account.reset_on_delete).toBe(false);
      expect(values(stack, "aws_apigatewayv2_stage")[0].depends_on).toEqual([`aws_api_gateway_account.${accountId}`]);
    });

    test("no custom domain: no certificate for it, the stage URL is the output and the dashboard's live feed", () => {
      expect(values(stack, "aws_apigatewayv2_domain_name")).toEqual([]);
      const url = `wss://${apiRef(stack, "id")}.execute-api.eu-central-1.amazonaws.com/live`;
      expect(stack.output?.websocket_url).toEqual({ value: url });
    });
  });

  describe("results pusher on the downstream stream", () => {
    test("event source mapping: config's batch size, window and retries; bisect; partial batch failures; on-failure to the DLQ; after the role's policy", () => {
      const [mapping] = values(stack, "aws_lambda_event_source_mapping");
      expect(values(stack, "aws_lambda_event_source_mapping")).toHaveLength(1);
      const policy = Object.entries(resourcesOf(stack, "aws_iam_role_policy")).find(
        ([, p]) => p.name === "streamlines-dev-results-pusher-policy",
      )![0];
      expect(body(mapping)).toEqual({
        function_name: fnRef(stack, "streamlines-dev-results-pusher", "arn"),
        event_source_arn: ref(stack, "aws_kinesis_stream", (s) => s.name === "streamlines-dev-downstream", "arn"),
        starting_position: "LATEST",
        batch_size: 100,
        maximum_batching_window_in_seconds: 0,
        maximum_retry_attempts: 3,
        bisect_batch_on_function_error: true,
        function_response_types: ["ReportBatchItemFailures"],
        destination_config: { on_failure: { destination_arn: ref(stack, "aws_sqs_queue", () => true, "arn") } },
        depends_on: [`aws_iam_role_policy.${policy}`],
      });
    });

    test("the DLQ: encrypted with the foundations key, keeps messages 14 days", () => {
      expect(values(stack, "aws_sqs_queue").map(body)).toEqual([
        { name: "streamlines-dev-results-pusher-dlq", kms_master_key_id: remote(stack, "key", "arn"), message_retention_seconds: 1209600 },
      ]);
    });
  });

  test("alarms to the topic: errors and throttles per function, downstream iterator age, messages in the DLQ", () => {
    const alarm = (name: string) => values(stack, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === `streamlines-dev-${name}`)!;
    const topic = ref(stack, "aws_sns_topic", () => true, "arn");
    for (const fn of ["connection-handler", "results-pusher"]) {
      expect(alarm(`${fn}-errors`)).toMatchObject({
        namespace: "AWS/Lambda",
        metric_name: "Errors",
        dimensions: { FunctionName: fnRef(stack, `streamlines-dev-${fn}`, "function_name") },
        threshold: 1,
        alarm_actions: [topic],
      });
      expect(alarm(`${fn}-throttles`)).toMatchObject({
        namespace: "AWS/Lambda",
        metric_name: "Throttles",
        dimensions: { FunctionName: fnRef(stack, `streamlines-dev-${fn}`, "function_name") },
        threshold: 1,
        alarm_actions: [topic],
      });
    }
    expect(alarm("downstream-iterator-age")).toMatchObject({
      namespace: "AWS/Kinesis",
      metric_name: "GetRecords.IteratorAgeMilliseconds",
      dimensions: { StreamName: ref(stack, "aws_kinesis_stream", (s) => s.name === "streamlines-dev-downstream", "name") },
      threshold: 60000,
      alarm_description: expect.stringContaining("consumer (results pusher)"),
    });
    expect(alarm("results-pusher-dlq-not-empty")).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: ref(stack, "aws_sqs_queue", () => true, "name") },
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
    });
  });
});

describe("realtime (efs-endpoints fixture: custom domain, tracing, every key set)", () => {
  let stack: StackJson;
  beforeAll(() => {
    stack = synthAll(configNamed(EFS_ENDPOINTS)).stacks.core;
  });

  test("custom domain: a DNS-validated regional certificate, TLS 1.2, the mapping to the stage, an alias record; wss://<domain>", () => {
    const certificate = values(stack, "aws_acm_certificate").find((c) => c.domain_name === "live.markets.example.com")!;
    expect(certificate).toMatchObject({ validation_method: "DNS" });
    const validation = ref(
      stack,
      "aws_acm_certificate_validation",
      (v) => String(v.certificate_arn).includes("websocket_certificate"),
      "certificate_arn",
    );
    const [domainId, domain] = Object.entries(resourcesOf(stack, "aws_apigatewayv2_domain_name"))[0];
    expect(domain).toMatchObject({
      domain_name: "live.markets.example.com",
      domain_name_configuration: { certificate_arn: validation, endpoint_type: "REGIONAL", security_policy: "TLS_1_2" },
    });
    expect(values(stack, "aws_apigatewayv2_api_mapping").map(body)).toEqual([
      {
        api_id: apiRef(stack, "id"),
        domain_name: `\${aws_apigatewayv2_domain_name.${domainId}.id}`,
        stage: ref(stack, "aws_apigatewayv2_stage", () => true, "id"),
      },
    ]);
    expect(values(stack, "aws_route53_record").find((r) => r.name === "live.markets.example.com")).toMatchObject({
      zone_id: "Z0123456789ABCDEFGHIJ",
      type: "A",
      alias: {
        name: `\${aws_apigatewayv2_domain_name.${domainId}.domain_name_configuration[0].target_domain_name}`,
        zone_id: `\${aws_apigatewayv2_domain_name.${domainId}.domain_name_configuration[0].hosted_zone_id}`,
        evaluate_target_health: false,
      },
    });
    expect(stack.output?.websocket_url).toEqual({ value: "wss://live.markets.example.com" });
  });

  test("the management endpoint stays the stage's own: a custom domain serves no @connections API", () => {
    expect(fnNamed(stack, "streamlines-var-results-pusher").environment).toMatchObject({
      variables: {
        MANAGEMENT_API_ENDPOINT: `https://${apiRef(stack, "id")}.execute-api.us-west-2.amazonaws.com/live`,
        POST_CONCURRENCY: "100",
      },
    });
    expect(fnNamed(stack, "streamlines-var-connection-handler").environment).toMatchObject({
      variables: { CONNECTION_TTL_HOURS: "4", MAX_SYMBOLS_PER_MESSAGE: "20", MAX_SUBSCRIPTIONS_PER_CONNECTION: "40" },
    });
    expect(fnNamed(stack, "streamlines-var-results-pusher").environment).toMatchObject({ variables: { MAX_POSTS_PER_INVOCATION: "2000" } });
  });

  test("config values reach the functions, stage, mapping and alarm; tracing adds exactly the X-Ray upload actions", () => {
    expect(fnNamed(stack, "streamlines-var-connection-handler")).toMatchObject({
      memory_size: 128,
      timeout: 6,
      tracing_config: { mode: "PassThrough" },
      reserved_concurrent_executions: 20,
    });
    expect(fnNamed(stack, "streamlines-var-results-pusher")).toMatchObject({
      memory_size: 1024,
      timeout: 120,
      tracing_config: { mode: "Active" },
      reserved_concurrent_executions: 8,
    });
    expect(values(stack, "aws_apigatewayv2_stage")[0].default_route_settings).toEqual({
      throttling_burst_limit: 200,
      throttling_rate_limit: 400,
    });
    expect(values(stack, "aws_lambda_event_source_mapping")[0]).toMatchObject({
      batch_size: 500,
      maximum_batching_window_in_seconds: 2,
      maximum_retry_attempts: 5,
    });
    expect(
      values(stack, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === "streamlines-var-downstream-iterator-age")!.threshold,
    ).toBe(30000);
    expect(grants(stack, "streamlines-var-results-pusher").filter((g) => g.startsWith("xray:"))).toEqual([
      "xray:PutTelemetryRecords on *",
      "xray:PutTraceSegments on *",
    ]);
    expect(grants(stack, "streamlines-var-connection-handler").filter((g) => g.startsWith("xray:"))).toEqual([]);
  });

  test("accountLogsRole external: no account setting, no logging role, the stage depends on nothing", () => {
    expect(values(stack, "aws_api_gateway_account")).toEqual([]);
    expect(values(stack, "aws_iam_role").map((r) => r.name)).not.toContain("streamlines-var-apigateway-logs");
    expect(values(stack, "aws_apigatewayv2_stage")[0].depends_on ?? []).toEqual([]);
  });
});

describe("a second synth without source changes, and one with the Lambda bundle cache off", () => {
  const synthInto = (outdir: string) => {
    const app = new App({ outdir, skipValidation: false });
    buildStacks(app, configNamed("dev"));
    app.synth();
  };
  let dirs: string[];
  beforeAll(() => {
    dirs = [0, 1, 2].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "realtime-synth-")));
    const before = process.env.STREAMLINES_LAMBDA_CACHE;
    try {
      // One call site: cdktf's manifest records where each warning was raised from.
      for (const [i, dir] of dirs.entries()) {
        if (i === 2) process.env.STREAMLINES_LAMBDA_CACHE = "off";
        synthInto(dir);
      }
    } finally {
      if (before === undefined) delete process.env.STREAMLINES_LAMBDA_CACHE;
      else process.env.STREAMLINES_LAMBDA_CACHE = before;
    }
  });
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  const files = (dir: string): string[] =>
    fs
      .readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => fs.statSync(path.join(dir, f)).isFile())
      .sort();

  test("gives byte-identical output, every stack's JSON and the Lambda zips, from the cache or from esbuild", () => {
    const zips = files(path.join(dirs[0], "stacks", "core")).filter((f) => f.endsWith("archive.zip"));
    expect(zips).toHaveLength(2);
    const all = files(dirs[0]);
    expect(all).toEqual(
      expect.arrayContaining([path.join("stacks", "core", "cdk.tf.json"), path.join("stacks", "foundations", "cdk.tf.json")]),
    );
    for (const other of dirs.slice(1)) {
      expect(files(other)).toEqual(all);
      for (const file of all) {
        const [a, b] = [dirs[0], other].map((d) => fs.readFileSync(path.join(d, file)));
        expect([file, a.equals(b)]).toEqual([file, true]);
      }
    }
  });
});
