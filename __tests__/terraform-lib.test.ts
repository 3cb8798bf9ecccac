/** The terraform tier's plain functions: null-provider stripping, mirror discovery, CLI config. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  configFilesUnderTest,
  findProviderMirror,
  mirrorProviders,
  searchForMirror,
  stripNullResources,
  usesNullProvider,
  writeCliConfig,
} from "../scripts/lib/terraform";
import { ROOT } from "./helpers/synth";

/** A foundations-like stack with two image hooks, their provider, and references to them. */
const WITH_HOOKS = {
  "//": { metadata: { stackName: "foundations" } },
  terraform: {
    backend: { s3: { bucket: "b", key: "k", region: "eu-central-1" } },
    required_providers: { aws: { source: "aws", version: "5.100.0" }, null: { source: "hashicorp/null", version: "3.2.4" } },
  },
  provider: { aws: [{ region: "eu-central-1" }], null: [{}] },
  resource: {
    aws_ecr_repository: { backend: { name: "streamlines-dev-backend" } },
    null_resource: {
      "image-backend": { triggers: { hash: "abc" }, depends_on: ["aws_ecr_repository.backend"] },
      "image-ingest": { triggers: { hash: "def" } },
    },
    aws_ssm_parameter: {
      tag: { name: "t", type: "String", value: "abc", depends_on: ["null_resource.image-backend", "aws_ecr_repository.backend"] },
      only: { name: "u", type: "String", value: "def", depends_on: ["null_resource.image-ingest"], lifecycle: { replace_triggered_by: ["null_resource.image-ingest.id"] } },
    },
  },
  data: { null_data_source: { x: { inputs: { a: "b" } } } },
  output: { pushed: { value: "abc", depends_on: ["null_resource.image-backend"] } },
};

describe("stripNullResources", () => {
  test("removes null blocks, the provider, and references to them; keeps everything else", () => {
    const before = JSON.parse(JSON.stringify(WITH_HOOKS));
    const { json, removed, changed } = stripNullResources(WITH_HOOKS);
    expect(changed).toBe(true);
    expect(removed).toEqual(["null_resource.image-backend", "null_resource.image-ingest", "data.null_data_source.x"]);
    expect(json).toEqual({
      "//": WITH_HOOKS["//"],
      terraform: { backend: WITH_HOOKS.terraform.backend, required_providers: { aws: { source: "aws", version: "5.100.0" } } },
      provider: { aws: [{ region: "eu-central-1" }] },
      resource: {
        aws_ecr_repository: WITH_HOOKS.resource.aws_ecr_repository,
        aws_ssm_parameter: {
          tag: { name: "t", type: "String", value: "abc", depends_on: ["aws_ecr_repository.backend"] },
          only: { name: "u", type: "String", value: "def" },
        },
      },
      output: { pushed: { value: "abc" } },
    });
    expect(usesNullProvider(json)).toBe(false);
    // Pure: the input is untouched.
    expect(WITH_HOOKS).toEqual(before);
  });

  test("a stack without the null provider comes back equal and unchanged", () => {
    const plain = { terraform: { required_providers: { aws: { source: "aws" } } }, provider: { aws: [{}] }, resource: { aws_s3_bucket: { b: { bucket: "x", depends_on: ["aws_kms_key.k"] } } } };
    expect(usesNullProvider(plain)).toBe(false);
    expect(stripNullResources(plain)).toEqual({ json: plain, removed: [], changed: false });
  });

  test("a required but unused null provider is still taken out", () => {
    const r = stripNullResources({ terraform: { required_providers: { null: { source: "hashicorp/null" } } } });
    expect(r).toEqual({ json: { terraform: { required_providers: {} } }, removed: [], changed: true });
  });
});

describe("provider mirror discovery", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-mirror-test-"));
    const platform = path.join(tmp, "deep", "mirror", "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64");
    fs.mkdirSync(platform, { recursive: true });
    fs.writeFileSync(path.join(platform, "terraform-provider-aws_v5.100.0_x5"), "");
    const packed = path.join(tmp, "deep", "mirror", "registry.terraform.io", "hashicorp", "null");
    fs.mkdirSync(packed, { recursive: true });
    fs.writeFileSync(path.join(packed, "terraform-provider-null_3.2.4_linux_amd64.zip"), "");
    fs.mkdirSync(path.join(tmp, "empty", "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64"), { recursive: true });
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("STREAMLINES_TF_PLUGIN_DIR wins, given as the root or as registry.terraform.io itself", () => {
    const root = path.join(tmp, "deep", "mirror");
    expect(findProviderMirror({ STREAMLINES_TF_PLUGIN_DIR: root })).toBe(root);
    expect(findProviderMirror({ STREAMLINES_TF_PLUGIN_DIR: path.join(root, "registry.terraform.io") })).toBe(root);
  });

  test("the bounded search finds a mirror with the aws binary and skips one without", () => {
    expect(searchForMirror([path.join(tmp, "empty")])).toBeUndefined();
    expect(searchForMirror([tmp])).toBe(path.join(tmp, "deep", "mirror"));
    expect(searchForMirror([tmp], 2)).toBeUndefined();
  });

  test("lists unpacked and packed providers", () => {
    expect(mirrorProviders(path.join(tmp, "deep", "mirror"))).toEqual(["registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/null"]);
  });

  test("the CLI config mirrors what the mirror has, fetches the rest; a plugin cache only without a mirror", () => {
    const dir = path.join(tmp, "cli");
    const env = writeCliConfig(dir, path.join(tmp, "deep", "mirror"), { PATH: "/bin" });
    expect(env).toMatchObject({ PATH: "/bin", TF_CLI_CONFIG_FILE: path.join(dir, "terraform.rc"), TF_IN_AUTOMATION: "1" });
    const text = fs.readFileSync(env.TF_CLI_CONFIG_FILE as string, "utf8");
    expect(text).toContain(`path    = ${JSON.stringify(path.join(tmp, "deep", "mirror"))}`);
    expect(text).toContain('include = ["registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/null"]');
    expect(text).toContain('exclude = ["registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/null"]');
    // Mirrored providers are linked from the mirror itself; a cache would only add a copy.
    expect(text).not.toContain("plugin_cache_dir");
    const online = fs.readFileSync(writeCliConfig(path.join(tmp, "cli2"), undefined).TF_CLI_CONFIG_FILE as string, "utf8");
    expect(online).toContain("direct {}");
    expect(online).toContain(`plugin_cache_dir = ${JSON.stringify(path.join(tmp, "cli2", "plugin-cache"))}`);
    expect(online).toContain("plugin_cache_may_break_dependency_lock_file = true");
  });
});

test("configs under test: config/*.json with dev first, then the fixtures", () => {
  const files = configFilesUnderTest(ROOT).map((f) => path.relative(ROOT, f));
  expect(files[0]).toBe(path.join("config", "dev.json"));
  expect(files).toEqual(expect.arrayContaining([path.join("config", "acceptance.json"), path.join("__tests__", "fixtures", "configs", "efs-endpoints.json")]));
  expect(files.findIndex((f) => f.startsWith("__tests__"))).toBeGreaterThan(files.findIndex((f) => f.startsWith("config")));
});
