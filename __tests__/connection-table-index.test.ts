/**
 * The sparse, keys-only index replaces the old one (hash `symbol`, projection ALL) on a live table.
 * Terraform plans it for real here, offline: state holding the table as the old layout created it,
 * then the current foundations stack. The index is rebuilt; the table (data, kept by dataRetention) stays.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findProviderMirror, runTerraform, terraformInit, writeCliConfig } from "../scripts/lib/terraform";
import { configNamed, resourcesOf, synthAll } from "./helpers/synth";

type Body = Record<string, unknown>;
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
    attribute: [{ name: "connectionId", type: "S" }, { name: "symbol", type: "S" }],
    global_secondary_index: [{ name: "StreamLinesWebsocketGetConnectionsBySymbolIndex", hash_key: "symbol", range_key: "connectionId", projection_type: "ALL" }],
  };
}

function stateOf(table: Body): unknown {
  // State keeps a nested block as a list of one.
  const attributes = Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v !== null && typeof v === "object" && !Array.isArray(v) ? [v] : v]));
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-gsi-plan-"));
  try {
    const after = currentTable();
    const work = path.join(dir, "work");
    fs.mkdirSync(work);
    fs.writeFileSync(
      path.join(work, "main.tf.json"),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } },
        // Planning with -refresh=false calls no AWS API.
        provider: { aws: [{ region: "eu-central-1", access_key: "plan-only", secret_key: "plan-only", skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: true }] },
        resource: { aws_dynamodb_table: { connections: after } },
      }),
    );
    fs.writeFileSync(path.join(work, "terraform.tfstate"), JSON.stringify(stateOf(previousTable(after))));
    const env = writeCliConfig(path.join(dir, "cli"), findProviderMirror());
    const init = await terraformInit(work, env);
    expect([init.code, init.stderr]).toEqual([0, ""]);
    const plan = await runTerraform(["plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin"], { cwd: work, env, timeoutMs: 120_000 });
    expect([plan.code, plan.stderr]).toEqual([0, ""]);
    const show = await runTerraform(["show", "-json", "plan.bin"], { cwd: work, env, timeoutMs: 60_000 });
    const changes = JSON.parse(show.stdout).resource_changes as Array<{ address: string; change: { actions: string[]; before: Body; after: Body; replace_paths?: unknown } }>;
    expect(changes.map((c) => [c.address, c.change.actions, c.change.replace_paths ?? null])).toEqual([[ADDRESS, ["update"], null]]);
    const index = (body: Body) => (body.global_secondary_index as Body[]).map((g) => [g.name, g.hash_key, g.projection_type]);
    expect(index(changes[0].change.before)).toEqual([["StreamLinesWebsocketGetConnectionsBySymbolIndex", "symbol", "ALL"]]);
    expect(index(changes[0].change.after)).toEqual([["StreamLinesWebsocketGetConnectionsBySymbolIndex", "subscribedSymbol", "KEYS_ONLY"]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
