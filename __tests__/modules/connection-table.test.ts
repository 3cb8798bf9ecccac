/** ConnectionTable alone: the encrypted, recoverable table with its sparse index, and the exact grants on each. */
import { ConnectionTable, ConnectionTableProps } from "../../modules/connection-table";
import { CONNECTIONS_BY_SYMBOL_INDEX, SUBSCRIBED_SYMBOL_ATTRIBUTE } from "../../lambdas/shared/table-layout";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, granted, granteeRole, moduleStack, only, refTo, synth } from "./harness";

const PROPS: ConnectionTableProps = {
  name: "app-dev-connections",
  ttlAttribute: "expiresAt",
  kmsKeyArn: KEY_ARN,
  deletionProtection: true,
};

function build(
  use?: (table: ConnectionTable, grantee: ReturnType<typeof granteeRole>) => void,
  props: Partial<ConnectionTableProps> = {},
): StackJson {
  const stack = moduleStack();
  const table = new ConnectionTable(stack, "table", { ...PROPS, ...props });
  if (use) use(table, granteeRole(stack));
  return synth(stack);
}

const DECRYPT = { actions: ["kms:Decrypt"], effect: "Allow", resources: [KEY_ARN] };

test("on-demand table keyed by connection and symbol, with a keys-only index by subscribed symbol", () => {
  expect(only(build(), "aws_dynamodb_table")).toEqual({
    name: "app-dev-connections",
    billing_mode: "PAY_PER_REQUEST",
    hash_key: "connectionId",
    range_key: "symbol",
    attribute: [
      { name: "connectionId", type: "S" },
      { name: "symbol", type: "S" },
      { name: SUBSCRIBED_SYMBOL_ATTRIBUTE, type: "S" },
    ],
    global_secondary_index: [
      { name: CONNECTIONS_BY_SYMBOL_INDEX, hash_key: SUBSCRIBED_SYMBOL_ATTRIBUTE, range_key: "connectionId", projection_type: "KEYS_ONLY" },
    ],
    ttl: { attribute_name: "expiresAt", enabled: true },
    point_in_time_recovery: { enabled: true },
    server_side_encryption: { enabled: true, kms_key_arn: KEY_ARN },
    deletion_protection_enabled: true,
  });
});

test("deletion protection follows the setting", () => {
  expect(only(build(undefined, { deletionProtection: false }), "aws_dynamodb_table").deletion_protection_enabled).toBe(false);
});

test("read-write: items of the table, and decrypt", () => {
  const json = build((t, g) => t.grantReadWrite(g));
  expect(granted(json)).toEqual([
    {
      actions: ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchWriteItem"],
      effect: "Allow",
      resources: [refTo(json, "aws_dynamodb_table", "arn")],
    },
    DECRYPT,
  ]);
});

test("query by symbol: the index only, not the table", () => {
  const json = build((t, g) => t.grantQueryIndex(g));
  expect(granted(json)).toEqual([
    {
      actions: ["dynamodb:Query"],
      effect: "Allow",
      resources: [`${refTo(json, "aws_dynamodb_table", "arn")}/index/${CONNECTIONS_BY_SYMBOL_INDEX}`],
    },
    DECRYPT,
  ]);
});

test("deleting connections: find and delete on the table; no writes of new items", () => {
  const json = build((t, g) => t.grantDeleteConnections(g));
  expect(granted(json)).toEqual([
    {
      actions: ["dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
      effect: "Allow",
      resources: [refTo(json, "aws_dynamodb_table", "arn")],
    },
    DECRYPT,
  ]);
});

test("index query and deletes together: kept as two statements (a merge would grant Query on both or deletes on the index), one decrypt", () => {
  const json = build((t, g) => {
    t.grantQueryIndex(g);
    t.grantDeleteConnections(g);
  });
  const table = refTo(json, "aws_dynamodb_table", "arn");
  expect(granted(json)).toEqual([
    { actions: ["dynamodb:Query"], effect: "Allow", resources: [`${table}/index/${CONNECTIONS_BY_SYMBOL_INDEX}`] },
    DECRYPT,
    { actions: ["dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"], effect: "Allow", resources: [table] },
  ]);
});
