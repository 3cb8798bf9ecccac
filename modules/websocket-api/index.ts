import { Construct } from "constructs";
import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2ApiMapping } from "@cdktf/provider-aws/lib/apigatewayv2-api-mapping";
import { Apigatewayv2DomainName } from "@cdktf/provider-aws/lib/apigatewayv2-domain-name";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { partitionOf } from "../aws-context";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Grantable, StreamLinesRole } from "../iam-role";
import { StreamLinesLogGroup } from "../log-group";
import { CertificateDomain, dnsValidatedCertificate } from "../certificate";

export const WEBSOCKET_ROUTES = ["$connect", "$disconnect", "$default"] as const;
export type WebSocketRoute = (typeof WEBSOCKET_ROUTES)[number];

/** What a route needs of its Lambda function. */
export interface RouteTarget {
  readonly name: string;
  readonly invokeArn: string;
}

/** One JSON object per connection event; `$context` variables of WebSocket APIs only. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  ip: "$context.identity.sourceIp",
  eventType: "$context.eventType",
  routeKey: "$context.routeKey",
  connectionId: "$context.connectionId",
  status: "$context.status",
  error: "$context.error.message",
  integrationError: "$context.integration.error",
});

export interface WebSocketApiProps {
  /** `<app>-<env>-websocket`. */
  readonly name: string;
  readonly description: string;
  /** The API's region, for its URLs. */
  readonly region: string;
  /** The one stage; part of every URL. */
  readonly stageName: string;
  /** Stage-wide limits: requests per second, and the burst above it. */
  readonly throttling: { readonly burstLimit: number; readonly rateLimit: number };
  readonly accessLogs: { readonly groupName: string; readonly retentionDays: number; readonly kmsKeyArn: string };
  /**
   * API Gateway logs a WebSocket stage only once its account-wide (per region) CloudWatch role is
   * set. With a role name, this API sets it (config `realtime.accountLogsRole: owned`); leave it out
   * where another env owns that setting.
   */
  readonly accountLogsRoleName?: string;
  /** A custom domain: DNS-validated regional certificate, API mapping and alias record. */
  readonly domain?: CertificateDomain;
}

/**
 * An API Gateway WebSocket API with one auto-deployed stage (access logs, throttling) and optionally
 * a custom domain. `route()` adds Lambda proxy routes (`$connect`, `$disconnect`, `$default`), each
 * with an invoke permission scoped to this API's stage and route.
 */
export class WebSocketApi extends Construct {
  readonly id: string;
  /** `arn:<partition>:execute-api:<region>:<account>:<api id>`. */
  readonly executionArn: string;
  readonly stageName: string;
  /** What browsers connect to: `wss://<custom domain>` or `wss://<api id>.execute-api.<region>.amazonaws.com/<stage>`. */
  readonly url: string;
  /** The management API (`POST /@connections/{id}`) of the stage; custom domains do not serve it. */
  readonly managementEndpoint: string;

  constructor(scope: Construct, id: string, props: WebSocketApiProps) {
    super(scope, id);
    const api = new Apigatewayv2Api(this, "api", {
      name: props.name,
      description: props.description,
      protocolType: "WEBSOCKET",
      // Messages without a matching `action` (all of them today) go to $default.
      routeSelectionExpression: "$request.body.action",
    });
    this.id = api.id;
    this.executionArn = api.executionArn;
    this.stageName = props.stageName;

    const accessLogs = new StreamLinesLogGroup(this, "access-logs", {
      name: props.accessLogs.groupName,
      retentionDays: props.accessLogs.retentionDays,
      kmsKeyArn: props.accessLogs.kmsKeyArn,
    });
    const stage = new Apigatewayv2Stage(this, "stage", {
      apiId: api.id,
      name: props.stageName,
      // Auto-deploy instead of an aws_apigatewayv2_deployment: no redeploy trigger to keep in sync.
      autoDeploy: true,
      defaultRouteSettings: { throttlingBurstLimit: props.throttling.burstLimit, throttlingRateLimit: props.throttling.rateLimit },
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      // Auto-deploy picks up routes added later, so the stage needs no dependency on them.
      dependsOn: props.accountLogsRoleName ? [this.accountLogsRole(props.accountLogsRoleName)] : [],
    });

    const stageUrl = `wss://${api.id}.execute-api.${props.region}.amazonaws.com/${props.stageName}`;
    this.managementEndpoint = `https://${api.id}.execute-api.${props.region}.amazonaws.com/${props.stageName}`;
    this.url = props.domain ? `wss://${props.domain.name}` : stageUrl;
    if (props.domain) this.customDomain(props.domain, api.id, stage.id);
  }

  /**
   * Sends `routeKey` to a Lambda function through a proxy integration; API Gateway may invoke the
   * function for this API, stage and route only. A method rather than a prop: the function usually
   * needs this API's management endpoint first.
   */
  route(routeKey: WebSocketRoute, target: RouteTarget): void {
    const slug = routeKey.slice(1);
    const integration = new Apigatewayv2Integration(this, `${slug}-integration`, {
      apiId: this.id,
      integrationType: "AWS_PROXY",
      integrationMethod: "POST",
      integrationUri: target.invokeArn,
    });
    new LambdaPermission(this, `${slug}-invoke`, {
      functionName: target.name,
      action: "lambda:InvokeFunction",
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.executionArn}/${this.stageName}/${routeKey}`,
    });
    new Apigatewayv2Route(this, `${slug}-route`, { apiId: this.id, routeKey, target: `integrations/${integration.id}` });
  }

  /** Post to, look up and disconnect this stage's connections, nothing else. */
  grantManageConnections(grantee: Grantable): void {
    grantee.addToPolicy({
      actions: ["execute-api:ManageConnections"],
      resources: [`${this.executionArn}/${this.stageName}/POST/@connections/*`],
    });
  }

  private accountLogsRole(roleName: string): ApiGatewayAccount {
    const partition = partitionOf(this);
    const role = new StreamLinesRole(this, "account-logs-role", {
      name: roleName,
      description: "API Gateway (account-wide, this region): writes execution and access logs to CloudWatch Logs",
      assumedBy: ["apigateway.amazonaws.com"],
      // AWS defines what API Gateway needs to create and write its log groups.
      managedPolicyArns: [`arn:${partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`],
    });
    // No reset on destroy: after a handover the old owner's apply removes this resource, and a reset would
    // then clear the setting the new owner just made.
    return new ApiGatewayAccount(this, "account", { cloudwatchRoleArn: role.arn, resetOnDelete: false });
  }

  private customDomain(domain: CertificateDomain, apiId: string, stageId: string): void {
    const certificateArn = dnsValidatedCertificate(this, domain);
    const name = new Apigatewayv2DomainName(this, "domain", {
      domainName: domain.name,
      domainNameConfiguration: { certificateArn, endpointType: "REGIONAL", securityPolicy: "TLS_1_2" },
    });
    new Apigatewayv2ApiMapping(this, "mapping", { apiId, domainName: name.id, stage: stageId });
    const target = name.domainNameConfiguration;
    new Route53Record(this, "alias", {
      zoneId: domain.hostedZoneId,
      name: domain.name,
      type: "A",
      alias: { name: target.targetDomainName, zoneId: target.hostedZoneId, evaluateTargetHealth: false },
    });
  }
}
