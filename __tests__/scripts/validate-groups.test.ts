import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diagnosticsByStack, groupStacks, PreparedStack, writeGroupRoot } from "../../scripts/lib/validate-groups";
import { terraformInit, terraformValidate, writeCliConfig } from "../../scripts/lib/terraform";

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "validate-groups-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const aws = { aws: { source: "hashicorp/aws", version: "5.100.0" } };
const stack = (label: string, json: Record<string, unknown>, stackDir = tmp): PreparedStack => ({ label, json, stackDir });

/** A synthesized stack directory with its cdk.tf.json and one asset file `assets/<asset>/<hash>/<file>`. */
function stackDir(
  name: string,
  json: Record<string, unknown>,
  asset?: { asset: string; hash: string; file: string; text: string },
): string {
  const dir = path.join(tmp, "synth", name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(json));
  if (asset) {
    fs.mkdirSync(path.join(dir, "assets", asset.asset, asset.hash), { recursive: true });
    fs.writeFileSync(path.join(dir, "assets", asset.asset, asset.hash, asset.file), asset.text);
  }
  return dir;
}

test("groupStacks: same providers together, at most `size` a group; other providers and import blocks apart", () => {
  const list = [
    stack("foundations", { terraform: { required_providers: aws } }),
    stack("core", { terraform: { required_providers: aws } }),
    stack("edge", { terraform: { required_providers: aws } }),
    stack("hooks", { terraform: { required_providers: { ...aws, null: { source: "hashicorp/null" } } } }),
    stack("adopting", { terraform: { required_providers: aws }, import: [{ to: "aws_s3_bucket.b", id: "b" }] }),
  ];
  const groups = groupStacks(list, 2);
  expect(groups.map((g) => g.stacks.map((s) => s.label))).toEqual([["foundations", "core"], ["edge"], ["hooks"], ["adopting"]]);
  expect(groups[0].modules).toEqual(["s0_foundations", "s1_core"]);
  expect(groupStacks(list).map((g) => g.stacks.length)).toEqual([3, 1, 1]);
  expect(groupStacks([stack("core [acceptance-edge]", {})], 2)[0].modules).toEqual(["s0_core_acceptance-edge"]);
});

test("diagnosticsByStack: each diagnostic to the stack whose file or address it names, as if validated alone; the grouping warning dropped", () => {
  const [group] = groupStacks([stack("a", {}), stack("b", {})]);
  const byStack = diagnosticsByStack(group, [
    {
      severity: "warning",
      summary: "Backend configuration ignored",
      range: { filename: "stacks/s0_a/cdk.tf.json", start: { line: 1, column: 1 } },
    },
    {
      severity: "error",
      summary: "Unsupported argument",
      address: "module.s1_b.aws_s3_bucket.x",
      range: { filename: "stacks/s1_b/cdk.tf.json", start: { line: 9, column: 3 } },
    },
    { severity: "error", summary: "Provider crashed" },
  ]);
  expect(byStack[0]).toEqual([{ severity: "error", summary: "Provider crashed" }]);
  expect(byStack[1]).toEqual([
    {
      severity: "error",
      summary: "Unsupported argument",
      address: "aws_s3_bucket.x",
      range: { filename: "cdk.tf.json", start: { line: 9, column: 3 } },
    },
    { severity: "error", summary: "Provider crashed" },
  ]);
});

test("one real init and validate of a group: the invalid stack alone fails, assets of both stacks resolve", async () => {
  const fileOf = (p: string) => ({ terraform_data: { input: { input: `\${filemd5("${p}")}` } } });
  const good = stackDir(
    "good",
    { resource: { terraform_data: fileOf("assets/code/AAA/index.js").terraform_data } },
    { asset: "code", hash: "AAA", file: "index.js", text: "a" },
  );
  const bad = stackDir(
    "bad",
    { resource: { terraform_data: { input: { input: '${filemd5("assets/code/BBB/index.js")}', no_such_argument: 1 } } } },
    { asset: "code", hash: "BBB", file: "index.js", text: "b" },
  );
  const prepared = [good, bad].map((dir) =>
    stack(path.basename(dir), JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")), dir),
  );
  const [group] = groupStacks(prepared);
  const root = path.join(tmp, "root");
  writeGroupRoot(root, group);
  expect(fs.readlinkSync(path.join(root, "assets", "code", "AAA"))).toBe(path.join(good, "assets", "code", "AAA"));

  const env = writeCliConfig(path.join(tmp, "cli"), undefined);
  expect((await terraformInit(root, env)).code).toBe(0);
  const v = await terraformValidate(root, env);
  expect(v.valid).toBe(false);
  const [goodDiags, badDiags] = diagnosticsByStack(group, v.diagnostics);
  expect(goodDiags).toEqual([]);
  expect(badDiags.map((d) => [d.severity, d.summary, d.range?.filename])).toEqual([
    ["error", "Extraneous JSON object property", "cdk.tf.json"],
  ]);
}, 120_000);
