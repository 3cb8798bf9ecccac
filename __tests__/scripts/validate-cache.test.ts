import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stripNullResources } from "../../scripts/lib/terraform";
import {
  hasValidVerdict,
  providerIdentity,
  recordVerdict,
  tierVersion,
  verdictCacheDir,
  verdictKey,
} from "../../scripts/lib/validate-cache";
import { groupStacks, writeGroupRoot } from "../../scripts/lib/validate-groups";

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "validate-cache-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const aws = { aws: { source: "hashicorp/aws", version: "5.100.0" } };
const coreJson = {
  terraform: { required_providers: { ...aws, null: { source: "hashicorp/null", version: "3.2.4" } } },
  resource: {
    aws_s3_bucket: { b: { bucket: "app-dev-b" } },
    null_resource: { push: { triggers: { image: "x" } } },
  },
};
let roots = 0;

/** A group root as the tier writes it, for one stack synthesized with `json` and an asset holding `assetText`. */
function groupRoot(json: Record<string, unknown>, assetText = "handler"): string {
  const stackDir = path.join(tmp, `synth-${roots}`, "core");
  fs.mkdirSync(path.join(stackDir, "assets", "fn", "abc"), { recursive: true });
  fs.writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify(json));
  fs.writeFileSync(path.join(stackDir, "assets", "fn", "abc", "index.zip"), assetText);
  const dir = path.join(tmp, `group-${roots++}`);
  writeGroupRoot(dir, groupStacks([{ label: "core", json, stackDir }])[0]);
  return dir;
}

/** A filesystem mirror with one provider binary. */
function mirror(binary: string): string {
  const dir = path.join(tmp, `mirror-${roots++}`);
  const pdir = path.join(dir, "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64");
  fs.mkdirSync(pdir, { recursive: true });
  fs.writeFileSync(path.join(pdir, "terraform-provider-aws_v5.100.0_x5"), binary);
  return dir;
}

const base = () => ({ terraform: "1.11.4 linux_amd64", providers: "p1", tier: "t1" });

test("verdictKey: the same group root and versions give the same key, whichever directory it was written to", () => {
  expect(verdictKey({ rootDir: groupRoot(coreJson), ...base() })).toBe(verdictKey({ rootDir: groupRoot(coreJson), ...base() }));
});

test("verdictKey: changes with the stack's JSON, an asset's bytes, the null_resource stripping, terraform, providers and the tier's code", () => {
  const key = verdictKey({ rootDir: groupRoot(coreJson), ...base() });
  const edited = { ...coreJson, resource: { ...coreJson.resource, aws_s3_bucket: { b: { bucket: "app-dev-c" } } } };
  const variants = [
    verdictKey({ rootDir: groupRoot(edited), ...base() }),
    verdictKey({ rootDir: groupRoot(coreJson, "handler v2"), ...base() }),
    verdictKey({ rootDir: groupRoot(stripNullResources(coreJson).json), ...base() }),
    verdictKey({ rootDir: groupRoot(coreJson), ...base(), terraform: "1.11.5 linux_amd64" }),
    verdictKey({ rootDir: groupRoot(coreJson), ...base(), providers: "p2" }),
    verdictKey({ rootDir: groupRoot(coreJson), ...base(), tier: "t2" }),
  ];
  for (const other of variants) expect(other).not.toBe(key);
  expect(new Set(variants).size).toBe(variants.length);
});

test("verdictKey: terraform's own .terraform files in the root (written by init) do not change it", () => {
  const dir = groupRoot(coreJson);
  const before = verdictKey({ rootDir: dir, ...base() });
  fs.mkdirSync(path.join(dir, ".terraform", "providers"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".terraform.lock.hcl"), "provider {}");
  expect(verdictKey({ rootDir: dir, ...base() })).toBe(before);
});

test("providerIdentity: a different provider binary in the mirror, another mirror or another CLI config changes it", () => {
  const env = {};
  const one = mirror("binary v1");
  const first = providerIdentity(one, env);
  expect(providerIdentity(one, env)).toBe(first);
  fs.writeFileSync(
    path.join(one, "registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/terraform-provider-aws_v5.100.0_x5"),
    "binary v1 patched",
  );
  expect(providerIdentity(one, env)).not.toBe(first);
  expect(providerIdentity(mirror("binary v1"), env)).not.toBe(providerIdentity(one, env));
  const cli = path.join(tmp, "terraform.rc");
  fs.writeFileSync(cli, 'provider_installation { direct {} }\nplugin_cache_dir = "/tmp/a"\n');
  const withCli = providerIdentity(undefined, { TF_CLI_CONFIG_FILE: cli });
  expect(withCli).not.toBe(providerIdentity(undefined, {}));
  // The plugin cache is a fresh temporary directory each run: it decides where, not what, is installed.
  fs.writeFileSync(cli, 'provider_installation { direct {} }\nplugin_cache_dir = "/tmp/b"\n');
  expect(providerIdentity(undefined, { TF_CLI_CONFIG_FILE: cli })).toBe(withCli);
});

test("tierVersion: changes when any of the tier's files changes", () => {
  const a = path.join(tmp, "a.js");
  fs.writeFileSync(a, "one");
  const before = tierVersion([a]);
  fs.writeFileSync(a, "two");
  expect(tierVersion([a])).not.toBe(before);
});

test("recordVerdict: a group with any invalid stack is never stored, so it always runs again", () => {
  const dir = path.join(tmp, "cache");
  expect(recordVerdict(dir, "k1", ["core", "edge"], [{ ok: true }, { ok: false }])).toBe(false);
  expect(hasValidVerdict(dir, "k1", ["core", "edge"])).toBe(false);
  expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
  expect(recordVerdict(dir, "k1", ["core", "edge"], [{ ok: true }, { ok: true }])).toBe(true);
  expect(hasValidVerdict(dir, "k1", ["core", "edge"])).toBe(true);
  expect(fs.readdirSync(dir)).toEqual(["k1.json"]);
});

test("hasValidVerdict: another key, other stack labels, a torn entry or the cache turned off is a miss", () => {
  const dir = path.join(tmp, "cache");
  recordVerdict(dir, "k1", ["core"], [{ ok: true }]);
  expect(hasValidVerdict(dir, "k2", ["core"])).toBe(false);
  expect(hasValidVerdict(dir, "k1", ["core [acceptance]"])).toBe(false);
  expect(hasValidVerdict(null, "k1", ["core"])).toBe(false);
  fs.writeFileSync(path.join(dir, "k1.json"), '{"format":1,"key":"k1","lab');
  expect(hasValidVerdict(dir, "k1", ["core"])).toBe(false);
});

test("verdictCacheDir: node_modules/.cache by default, STREAMLINES_VALIDATE_CACHE=off disables it, a path moves it", () => {
  expect(verdictCacheDir({}, "/repo")).toBe("/repo/node_modules/.cache/stream-lines/terraform-validate");
  expect(verdictCacheDir({ STREAMLINES_VALIDATE_CACHE: "off" }, "/repo")).toBeNull();
  expect(verdictCacheDir({ STREAMLINES_VALIDATE_CACHE: "elsewhere" }, "/repo")).toBe(path.resolve("elsewhere"));
});
