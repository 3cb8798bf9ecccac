/**
 * Writes __tests__/fixtures/aws-api-constraints.json: the input shapes (patterns, lengths, enums, ranges) of
 * every AWS API call in scripts/lib/aws-api-map.ts, read from botocore's service models, so the constraints
 * test runs with Node alone. botocore ships with the Python that moto runs on.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { API_MAP, DOCUMENTED } from "./lib/aws-api-map";
import { repoRoot } from "./lib/terraform";

interface ModelShape {
  type: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
}
interface Model {
  operations: Record<string, { input?: { shape: string } }>;
  shapes: Record<string, ModelShape>;
}

/** One shape with only what the check reads; references stay by name, so recursive shapes stay finite. */
export interface TableShape {
  type: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  members?: Record<string, string>;
  member?: string;
  key?: string;
  value?: string;
  /** Where a rule that the model lacks is documented (scripts/lib/aws-api-map.ts DOCUMENTED). */
  documented?: string;
}
export interface ConstraintsTable {
  botocore: string;
  services: Record<string, { apiVersion: string; shapes: Record<string, TableShape> }>;
  /** Terraform resource type -> the shape its arguments become. */
  roots: Record<string, { service: string; shape: string }>;
}

function botocoreData(): { dir: string; version: string } {
  const out = execFileSync(
    "python3",
    ["-c", "import botocore, os; print(os.path.dirname(botocore.__file__)); print(botocore.__version__)"],
    { encoding: "utf8" },
  );
  const [dir, version] = out.trim().split("\n");
  return { dir: path.join(dir, "data"), version };
}

/** The newest API version of a service that carries a full model. */
function loadModel(data: string, service: string): { apiVersion: string; model: Model } {
  const dir = path.join(data, service);
  const versions = fs
    .readdirSync(dir)
    .filter((v) => fs.existsSync(path.join(dir, v, "service-2.json.gz")))
    .sort();
  const apiVersion = versions[versions.length - 1];
  if (!apiVersion) throw new Error(`botocore has no service-2.json.gz for ${service} under ${dir}`);
  const model = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, apiVersion, "service-2.json.gz"))).toString("utf8")) as Model;
  return { apiVersion, model };
}

function compact(shape: ModelShape): TableShape {
  const out: TableShape = { type: shape.type };
  if (shape.min !== undefined) out.min = shape.min;
  if (shape.max !== undefined) out.max = shape.max;
  if (shape.pattern !== undefined) out.pattern = shape.pattern;
  if (shape.enum !== undefined) out.enum = shape.enum;
  if (shape.members) out.members = Object.fromEntries(Object.entries(shape.members).map(([k, v]) => [k, v.shape]));
  if (shape.member) out.member = shape.member.shape;
  if (shape.key) out.key = shape.key.shape;
  if (shape.value) out.value = shape.value.shape;
  return out;
}

export function buildTable(data: string, botocoreVersion: string): ConstraintsTable {
  const table: ConstraintsTable = { botocore: botocoreVersion, services: {}, roots: {} };
  const models = new Map<string, Model>();
  for (const [type, mapping] of Object.entries(API_MAP).sort(([a], [b]) => a.localeCompare(b))) {
    if (!models.has(mapping.service)) {
      const { apiVersion, model } = loadModel(data, mapping.service);
      models.set(mapping.service, model);
      table.services[mapping.service] = { apiVersion, shapes: {} };
    }
    const model = models.get(mapping.service) as Model;
    const root = mapping.shape ?? model.operations[mapping.operation ?? ""]?.input?.shape;
    if (!root || !model.shapes[root])
      throw new Error(`${type}: ${mapping.service} has no ${mapping.shape ? `shape ${mapping.shape}` : `operation ${mapping.operation}`}`);
    table.roots[type] = { service: mapping.service, shape: root };
    const shapes = table.services[mapping.service].shapes;
    const pending = [root];
    while (pending.length > 0) {
      const name = pending.pop() as string;
      if (shapes[name]) continue;
      const shape = compact(model.shapes[name]);
      shapes[name] = shape;
      pending.push(
        ...Object.values(shape.members ?? {}),
        ...[shape.member, shape.key, shape.value].filter((s): s is string => s !== undefined),
      );
    }
  }
  // A documented rule gets a shape of its own, so other members sharing the model's plain String stay as they are.
  for (const [key, rule] of Object.entries(DOCUMENTED)) {
    const [, service, shape, member] = /^([^:]+):([^.]+)\.(.+)$/.exec(key) ?? [];
    const owner = table.services[service]?.shapes[shape];
    const base = owner?.members?.[member];
    if (!owner?.members || !base) throw new Error(`DOCUMENTED ${key}: no such member in the table (is its resource type mapped?)`);
    const { source, ...limits } = rule;
    table.services[service].shapes[`${shape}.${member}`] = { ...table.services[service].shapes[base], ...limits, documented: source };
    owner.members[member] = `${shape}.${member}`;
  }
  for (const service of Object.values(table.services)) {
    service.shapes = Object.fromEntries(Object.entries(service.shapes).sort(([a], [b]) => a.localeCompare(b)));
  }
  return table;
}

/** One line per shape and per root, so a botocore upgrade reviews as a diff. */
function render(table: ConstraintsTable): string {
  const lines = (o: Record<string, unknown>, indent: string) =>
    Object.entries(o)
      .map(([k, v]) => `${indent}${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(",\n");
  const services = Object.entries(table.services).map(
    ([name, s]) =>
      `  ${JSON.stringify(name)}: {\n   "apiVersion": ${JSON.stringify(s.apiVersion)},\n   "shapes": {\n${lines(s.shapes, "    ")}\n   }\n  }`,
  );
  return `{\n "botocore": ${JSON.stringify(table.botocore)},\n "services": {\n${services.join(",\n")}\n },\n "roots": {\n${lines(table.roots, "  ")}\n }\n}\n`;
}

function main(): void {
  const { dir, version } = botocoreData();
  const table = buildTable(dir, version);
  const out = path.join(repoRoot(), "__tests__", "fixtures", "aws-api-constraints.json");
  fs.writeFileSync(out, render(table));
  const shapes = Object.values(table.services).reduce((n, s) => n + Object.keys(s.shapes).length, 0);
  console.log(
    `${path.relative(repoRoot(), out)}: ${Object.keys(table.roots).length} resource types, ${shapes} shapes from botocore ${version}`,
  );
}

if (require.main === module) main();
