import type { AddressInfo } from "net";
import type { Server } from "http";
import dynalite from "dynalite";
import { CreateTableCommand, CreateTableCommandInput, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { configNamed, resourcesOf, synthAll } from "../../helpers/synth";

/** The connection table as foundations synthesizes it (snake_case Terraform JSON). */
interface SynthesizedTable {
  name: string;
  hash_key: string;
  range_key?: string;
  billing_mode?: string;
  attribute: Array<{ name: string; type: string }>;
  global_secondary_index?: Array<{
    name: string;
    hash_key: string;
    range_key?: string;
    projection_type: string;
    non_key_attributes?: string[];
  }>;
  ttl?: { attribute_name: string; enabled: boolean } | Array<{ attribute_name: string; enabled: boolean }>;
}

export interface LocalTable {
  readonly endpoint: string;
  readonly tableName: string;
  readonly ttlAttribute: string;
  readonly indexNames: string[];
  readonly client: DynamoDBDocumentClient;
  scan(): Promise<Array<Record<string, unknown>>>;
  itemsOf(connectionId: string): Promise<Array<Record<string, unknown>>>;
  put(items: Array<Record<string, unknown>>): Promise<void>;
  stop(): Promise<void>;
}

/** Fake credentials and a region, so the SDK signs requests for the local servers and never looks further. */
export function useFakeAwsCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = "test";
  process.env.AWS_SECRET_ACCESS_KEY = "test";
  process.env.AWS_REGION = "eu-central-1";
  process.env.AWS_EC2_METADATA_DISABLED = "true";
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}

/** The CreateTable call for the synthesized table; a schema change in the stack changes the table here. */
export function createTableInput(table: SynthesizedTable): CreateTableCommandInput {
  const keys = (hash: string, range?: string) => [
    { AttributeName: hash, KeyType: "HASH" as const },
    ...(range ? [{ AttributeName: range, KeyType: "RANGE" as const }] : []),
  ];
  const provisioned = table.billing_mode !== "PAY_PER_REQUEST";
  const throughput = provisioned ? { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } : {};
  return {
    TableName: table.name,
    AttributeDefinitions: table.attribute.map((a) => ({ AttributeName: a.name, AttributeType: a.type as "S" | "N" | "B" })),
    KeySchema: keys(table.hash_key, table.range_key),
    BillingMode: provisioned ? "PROVISIONED" : "PAY_PER_REQUEST",
    ...throughput,
    GlobalSecondaryIndexes: table.global_secondary_index?.map((g) => ({
      IndexName: g.name,
      KeySchema: keys(g.hash_key, g.range_key),
      Projection: { ProjectionType: g.projection_type as "ALL" | "KEYS_ONLY" | "INCLUDE", NonKeyAttributes: g.non_key_attributes },
      ...throughput,
    })),
  };
}

/** Starts dynalite on a random loopback port with the connection table from the synthesized foundations stack. */
export async function startLocalTable(): Promise<LocalTable> {
  const tables = Object.values(
    resourcesOf(synthAll(configNamed("dev")).stacks.foundations, "aws_dynamodb_table"),
  ) as unknown as SynthesizedTable[];
  if (tables.length !== 1) throw new Error(`expected one aws_dynamodb_table in foundations, found ${tables.length}`);
  const table = tables[0];
  const ttl = Array.isArray(table.ttl) ? table.ttl[0] : table.ttl;
  if (!ttl?.enabled) throw new Error("the connection table has no enabled TTL");

  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const raw = new DynamoDBClient({ endpoint, region: "eu-central-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const client = DynamoDBDocumentClient.from(raw);
  await raw.send(new CreateTableCommand(createTableInput(table)));

  const scan = async () => {
    const items: Array<Record<string, unknown>> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: table.name, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items.sort((a, b) => `${a.connectionId}|${a.symbol}`.localeCompare(`${b.connectionId}|${b.symbol}`));
  };

  return {
    endpoint,
    tableName: table.name,
    ttlAttribute: ttl.attribute_name,
    indexNames: (table.global_secondary_index ?? []).map((g) => g.name),
    client,
    scan,
    async itemsOf(connectionId) {
      const page = await client.send(
        new QueryCommand({
          TableName: table.name,
          KeyConditionExpression: "connectionId = :c",
          ExpressionAttributeValues: { ":c": connectionId },
        }),
      );
      return page.Items ?? [];
    },
    async put(items) {
      for (let i = 0; i < items.length; i += 25) {
        const chunk = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [table.name]: chunk } }));
        if (Object.keys(result.UnprocessedItems ?? {}).length > 0) throw new Error("dynalite left items unprocessed");
      }
    },
    async stop() {
      raw.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
