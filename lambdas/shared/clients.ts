import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";

// Created on first use and kept for the container's life: warm invocations reuse the TLS connections.
let documentClient: DynamoDBDocumentClient | undefined;
const managementClients = new Map<string, ApiGatewayManagementApiClient>();

/** DYNAMODB_ENDPOINT points the client at a local DynamoDB implementation in tests. */
export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined }));
  return documentClient;
}

/**
 * Upper bound for POST_CONCURRENCY. The SDK's default agent holds 50 sockets, which would silently cap
 * the pusher's own limit, so the agent is sized to this and the limiter alone decides.
 * (Lambda allows 1,024 file descriptors.)
 */
export const MAX_POST_CONCURRENCY = 500;

/** One client per endpoint; the connection handler derives its endpoint from each event. */
export function managementApi(endpoint: string): ApiGatewayManagementApiClient {
  let client = managementClients.get(endpoint);
  if (!client) {
    // maxAttempts 1: callers retry themselves, so the number of tries stays the documented one.
    const agent = { keepAlive: true, maxSockets: MAX_POST_CONCURRENCY };
    client = new ApiGatewayManagementApiClient({
      endpoint,
      maxAttempts: 1,
      // A hung post must fail (and be retried) well inside the Lambda timeout rather than hold the batch.
      requestHandler: { httpAgent: agent, httpsAgent: agent, connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
    });
    managementClients.set(endpoint, client);
  }
  return client;
}
