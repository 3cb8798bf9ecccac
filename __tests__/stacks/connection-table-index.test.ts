/**
 * The sparse, keys-only index replaces the old one (hash `symbol`, projection ALL) on a live table.
 * Terraform plans it for real here, offline: state holding the table as the old layout created it,
 * then the current foundations stack. The index is rebuilt; the table (data, kept by dataRetention) stays.
 */
import { Body, planOffline } from "../helpers/offline-plan";
import { configNamed, resourcesOf, synthAll } from "../helpers/synth";
const KEY_ARN = "arn:aws:kms:eu-central-1:123456789012:key/0b1c2d3e-0000-4000-8000-000000000000";
const ADDRESS = "aws_dynamodb_table.connections";

function currentTable(): Body {
  const tables = Object.values(resourcesOf(synthAll(configNamed("dev")).stacks.foundations, "aws_dynamodb_table"));
  expect(tables).toHaveLength(1);
  return JSON.parse(JSON.stringify(tables[0]).replace(/\$\{aws_kms_key\.[^}]+\.arn\}/g, KEY_ARN)) as Body;
}

/** The table as the layout before the sparse index created it: the index keyed by `symbol`, projecting ALL. */
function previousTable(current: Body): Body {
  return {
    ...current,
    attribute: [
      { name: "connectionId", type: "S" },
      { name: "symbol", type: "S" },
    ],
    global_secondary_index: [
      { name: "StreamLinesWebsocketGetConnectionsBySymbolIndex", hash_key: "symbol", range_key: "connectionId", projection_type: "ALL" },
    ],
  };
}

function stateOf(table: Body): unknown {
  // State keeps a nested block as a list of one.
  const attributes = Object.fromEntries(
    Object.entries(table).map(([k, v]) => [k, v !== null && typeof v === "object" && !Array.isArray(v) ? [v] : v]),
  );
  const arn = `arn:aws:dynamodb:eu-central-1:123456789012:table/${table.name}`;
  return {
    version: 4,
    terraform_version: "1.11.0",
    serial: 1,
    lineage: "5d1f3a2e-0000-4000-8000-000000000000",
    outputs: {},
    resources: [
      {
        mode: "managed",
        type: "aws_dynamodb_table",
        name: "connections",
        provider: 'provider["registry.terraform.io/hashicorp/aws"]',
        instances: [{ schema_version: 1, attributes: { ...attributes, id: table.name, arn } }],
      },
    ],
  };
}

test("the index change updates the connection table in place: the old index goes, the sparse keys-only one comes, no replacement", async () => {
  const after = currentTable();
  const changes = await planOffline({ aws_dynamodb_table: { connections: after } }, stateOf(previousTable(after)));
  expect(changes.map((c) => [c.address, c.change.actions, c.change.replace_paths ?? null])).toEqual([[ADDRESS, ["update"], null]]);
  const index = (body: Body) => (body.global_secondary_index as Body[]).map((g) => [g.name, g.hash_key, g.projection_type]);
  expect(index(changes[0].change.before)).toEqual([["StreamLinesWebsocketGetConnectionsBySymbolIndex", "symbol", "ALL"]]);
  expect(index(changes[0].change.after)).toEqual([["StreamLinesWebsocketGetConnectionsBySymbolIndex", "subscribedSymbol", "KEYS_ONLY"]]);
}, 180_000);
