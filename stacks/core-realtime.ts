import { FunctionConfig } from "../config/schema";
import { Alarms } from "../modules/alarms";
import { KinesisStream } from "../modules/kinesis-stream";
import { LambdaFunction } from "../modules/lambda-function";
import { EncryptedQueue } from "../modules/queue";
import { WEBSOCKET_ROUTES, WebSocketApi } from "../modules/websocket-api";
import { StreamLinesStack } from "./base";
import { FoundationsStack } from "./foundations";

/** The stage of the WebSocket API; browsers connect to `wss://<api>/<stage>`. */
export const WEBSOCKET_STAGE = "live";
/** SQS keeps a message 14 days at most; a dead-letter queue keeps it that long. */
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

export interface RealtimePathProps {
  readonly foundations: FoundationsStack;
  /** The stream ripples writes its results to; the pusher reads it. */
  readonly downstream: KinesisStream;
}

/**
 * The results path to browsers (profile full): downstream stream -> results pusher -> WebSocket API,
 * and the connection handler behind the API's routes, built from lambdas/ and deployed from the
 * artifacts bucket. Its resources are created on the stack itself (`websocket`, `connection-handler`,
 * `results-pusher`, `results-pusher-dlq`): a construct of its own would change their Terraform addresses.
 */
export class RealtimePath {
  readonly api: WebSocketApi;
  readonly connectionHandler: LambdaFunction;
  readonly resultsPusher: LambdaFunction;
  /** Batches the pusher gave up on after its retries. */
  readonly deadLetterQueue: EncryptedQueue;
  private readonly downstream: KinesisStream;

  constructor(
    private readonly stack: StreamLinesStack,
    props: RealtimePathProps,
  ) {
    const c = stack.config;
    const r = c.realtime;
    const { key, artifacts, connectionTable } = props.foundations;
    this.downstream = props.downstream;
    const lambda = (handler: string, fn: FunctionConfig, description: string, environment: Record<string, string>) =>
      new LambdaFunction(stack, handler, {
        name: stack.name(handler),
        description,
        handler,
        codeBucket: artifacts.name,
        kmsKeyArn: key.arn,
        memoryMb: fn.memoryMb,
        timeoutSeconds: fn.timeoutSeconds,
        tracing: fn.tracing,
        reservedConcurrency: fn.reservedConcurrency,
        logRetentionDays: c.logRetentionDays,
        environment,
      });
    const api = new WebSocketApi(stack, "websocket", {
      name: stack.name("websocket"),
      description: `${c.app} ${c.env}: live results to browsers`,
      region: c.region,
      stageName: WEBSOCKET_STAGE,
      throttling: r.throttling,
      accessLogs: { groupName: `/${c.app}/${c.env}/websocket-access`, retentionDays: c.logRetentionDays, kmsKeyArn: key.arn },
      accountLogsRoleName: r.accountLogsRole === "owned" ? stack.name("apigateway-logs") : undefined,
      domain: r.domain,
    });
    this.api = api;

    // $connect, $disconnect and $default: subscriptions in the connection table.
    this.connectionHandler = lambda(
      "connection-handler",
      r.connectionHandler,
      "WebSocket routes: records connections and their subscriptions",
      {
        TABLE_NAME: connectionTable.name,
        TTL_ATTRIBUTE: c.connectionTable.ttlAttribute,
        CONNECTION_TTL_HOURS: String(r.connectionTtlHours),
        MAX_SYMBOLS_PER_MESSAGE: String(r.maxSymbolsPerMessage),
        MAX_SUBSCRIPTIONS_PER_CONNECTION: String(r.maxSubscriptionsPerConnection),
        // Error replies go through the stage's endpoint; a custom domain serves no management API.
        MANAGEMENT_API_ENDPOINT: api.managementEndpoint,
      },
    );
    for (const routeKey of WEBSOCKET_ROUTES) api.route(routeKey, this.connectionHandler);
    connectionTable.grantReadWrite(this.connectionHandler.role);
    api.grantManageConnections(this.connectionHandler.role);

    // downstream -> subscribed connections; a 410 Gone removes that connection's items.
    this.resultsPusher = lambda("results-pusher", r.resultsPusher, "Downstream results to subscribed WebSocket connections", {
      TABLE_NAME: connectionTable.name,
      INDEX_NAME: connectionTable.indexName,
      MANAGEMENT_API_ENDPOINT: api.managementEndpoint,
      POST_CONCURRENCY: String(r.postConcurrency),
      MAX_POSTS_PER_INVOCATION: String(r.maxPostsPerInvocation),
    });
    connectionTable.grantQueryIndex(this.resultsPusher.role);
    connectionTable.grantDeleteConnections(this.resultsPusher.role);
    api.grantManageConnections(this.resultsPusher.role);
    this.deadLetterQueue = new EncryptedQueue(stack, "results-pusher-dlq", {
      name: stack.name("results-pusher-dlq"),
      kmsKeyArn: key.arn,
      retentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
    });
    this.resultsPusher.consumeStream("downstream-source", props.downstream, { ...r.eventSource, onFailure: this.deadLetterQueue });
  }

  /** Errors and throttles of both functions, the pusher falling behind, and given-up batches. */
  addAlarms(alarms: Alarms): void {
    for (const [key, fn] of [
      ["connection-handler", this.connectionHandler],
      ["results-pusher", this.resultsPusher],
    ] as const) {
      alarms.functionErrors({ key, name: fn.name });
      alarms.functionThrottles({ key, name: fn.name });
    }
    alarms.streamIteratorAge(
      { key: "downstream", name: this.downstream.name },
      { name: "results pusher", what: "the results pusher's errors and duration (help/realtime.md)" },
      this.stack.config.realtime.alarms.downstreamIteratorAgeMs,
    );
    alarms.queueNotEmpty({ key: "results-pusher-dlq", name: this.deadLetterQueue.name });
  }
}
