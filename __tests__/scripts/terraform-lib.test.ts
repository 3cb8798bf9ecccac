/** The terraform tier's plain functions: null-provider stripping, mirror discovery, CLI config. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  configFilesUnderTest,
  findProviderMirror,
  isProviderInstallFailure,
  mirrorProviders,
  providerInstallHint,
  nullResourcesAsTerraformData,
  runTerraform,
  stripNullResources,
  terraformValidate,
  usesNullProvider,
  writeCliConfig,
} from "../../scripts/lib/terraform";
import { ROOT } from "../helpers/synth";

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
      only: {
        name: "u",
        type: "String",
        value: "def",
        depends_on: ["null_resource.image-ingest"],
        lifecycle: { replace_triggered_by: ["null_resource.image-ingest.id"] },
      },
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
    const plain = {
      terraform: { required_providers: { aws: { source: "aws" } } },
      provider: { aws: [{}] },
      resource: { aws_s3_bucket: { b: { bucket: "x", depends_on: ["aws_kms_key.k"] } } },
    };
    expect(usesNullProvider(plain)).toBe(false);
    expect(stripNullResources(plain)).toEqual({ json: plain, removed: [], changed: false });
  });

  test("a required but unused null provider is still taken out", () => {
    const r = stripNullResources({ terraform: { required_providers: { null: { source: "hashicorp/null" } } } });
    expect(r).toEqual({ json: { terraform: { required_providers: {} } }, removed: [], changed: true });
  });
});

describe("nullResourcesAsTerraformData", () => {
  test("hooks become terraform_data with the same provisioners, depends_on and lifecycle; references follow", () => {
    const { json, changed } = nullResourcesAsTerraformData(WITH_HOOKS);
    const resource = json.resource as Record<string, Record<string, Record<string, unknown>>>;
    expect(changed).toBe(true);
    expect(resource.null_resource).toBeUndefined();
    expect(resource.terraform_data["image-backend"]).toEqual({
      triggers_replace: { hash: "abc" },
      depends_on: ["aws_ecr_repository.backend"],
    });
    expect(resource.aws_ssm_parameter.only).toMatchObject({
      depends_on: ["terraform_data.image-ingest"],
      lifecycle: { replace_triggered_by: ["terraform_data.image-ingest.id"] },
    });
    expect((json.output as Record<string, unknown>).pushed).toEqual({ value: "abc", depends_on: ["terraform_data.image-backend"] });
    expect(json.data).toBeUndefined();
    expect(json.provider).toEqual({ aws: [{ region: "eu-central-1" }] });
    expect((json.terraform as { required_providers: object }).required_providers).not.toHaveProperty("null");
  });

  // The hook's lifecycle is checked by terraform itself: cdktf's "${...}" form of replace_triggered_by
  // passed every tier while the hooks were stripped, and terraform init refuses it on a real account.
  test.each([
    ["a bare address", "terraform_data.repository", true],
    ["an interpolation", "${terraform_data.repository}", false],
  ])("terraform validates a converted hook whose replace_triggered_by is %s", async (_name, trigger, valid) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hook-validate-"));
    const stack = {
      resource: {
        terraform_data: { repository: { input: "r" } },
        null_resource: {
          hook: {
            triggers: { hash: "abc" },
            lifecycle: { replace_triggered_by: [trigger] },
            provisioner: [{ "local-exec": { command: "true" } }],
          },
        },
      },
    };
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(nullResourcesAsTerraformData(stack).json));
    const env = { ...process.env, TF_IN_AUTOMATION: "1" };
    const init = await runTerraform(["init", "-input=false", "-no-color", "-backend=false"], { cwd: dir, env, timeoutMs: 60_000 });
    const result = init.code === 0 ? (await terraformValidate(dir, env)).valid : false;
    expect(result).toBe(valid);
    if (!valid) expect(init.stdout + init.stderr).toMatch(/Invalid (character|expression)/);
    fs.rmSync(dir, { recursive: true, force: true });
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

  test("STREAMLINES_PROVIDER_MIRROR names the mirror, given as the root or as registry.terraform.io itself", () => {
    const root = path.join(tmp, "deep", "mirror");
    expect(findProviderMirror({ STREAMLINES_PROVIDER_MIRROR: root })).toBe(root);
    expect(findProviderMirror({ STREAMLINES_PROVIDER_MIRROR: path.join(root, "registry.terraform.io") })).toBe(root);
  });

  test("without the setting nothing on disk is searched, not even the usual plugin directories", () => {
    // A mirror planted under HOME, where the old search looked first, must not be picked up.
    const home = path.join(tmp, "home");
    const planted = path.join(home, ".terraform.d", "plugins", "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64");
    fs.mkdirSync(planted, { recursive: true });
    fs.writeFileSync(path.join(planted, "terraform-provider-aws_v5.100.0_x5"), "");
    expect(findProviderMirror({ HOME: home })).toBeUndefined();
    expect(findProviderMirror({})).toBeUndefined();
  });

  test("a setting without the aws provider under it is refused in one line naming it", () => {
    const empty = path.join(tmp, "empty");
    expect(() => findProviderMirror({ STREAMLINES_PROVIDER_MIRROR: empty })).toThrow(
      new RegExp(`^STREAMLINES_PROVIDER_MIRROR=${empty}: no registry.terraform.io/hashicorp/aws under it; expected a filesystem mirror`),
    );
    expect(() => findProviderMirror({ STREAMLINES_PROVIDER_MIRROR: empty })).not.toThrow(/\n/);
  });

  test("a provider install failure is recognised, and the hint names the setting", () => {
    expect(
      isProviderInstallFailure("Error: Failed to query available provider packages\n\nCould not retrieve the list of available versions"),
    ).toBe(true);
    expect(isProviderInstallFailure("Error: Unsupported argument")).toBe(false);
    expect(providerInstallHint()).toMatch(/STREAMLINES_PROVIDER_MIRROR/);
    expect(providerInstallHint()).not.toContain("\n");
  });

  test("lists unpacked and packed providers", () => {
    expect(mirrorProviders(path.join(tmp, "deep", "mirror"))).toEqual([
      "registry.terraform.io/hashicorp/aws",
      "registry.terraform.io/hashicorp/null",
    ]);
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
    const online = fs.readFileSync(
      writeCliConfig(path.join(tmp, "cli2"), undefined, { HOME: path.join(tmp, "no-home") }).TF_CLI_CONFIG_FILE as string,
      "utf8",
    );
    expect(online).toContain("direct {}");
    expect(online).toContain(`plugin_cache_dir = ${JSON.stringify(path.join(tmp, "cli2", "plugin-cache"))}`);
    expect(online).toContain("plugin_cache_may_break_dependency_lock_file = true");
  });

  test("without a mirror, the operator's own CLI config is used as it is", () => {
    const own = path.join(tmp, "own.tfrc");
    fs.writeFileSync(own, "provider_installation {\n  direct {}\n}\n");
    const env = writeCliConfig(path.join(tmp, "cli3"), undefined, { TF_CLI_CONFIG_FILE: own });
    expect(env.TF_CLI_CONFIG_FILE).toBe(own);
    expect(fs.existsSync(path.join(tmp, "cli3", "terraform.rc"))).toBe(false);
    // A named but missing file is what terraform ignores too: the written config applies.
    const missing = writeCliConfig(path.join(tmp, "cli4"), undefined, {
      TF_CLI_CONFIG_FILE: path.join(tmp, "missing.tfrc"),
      HOME: path.join(tmp, "no-home"),
    });
    expect(missing.TF_CLI_CONFIG_FILE).toBe(path.join(tmp, "cli4", "terraform.rc"));
  });
});

test("configs under test: config/*.json with dev first, then the fixtures", () => {
  const files = configFilesUnderTest(ROOT).map((f) => path.relative(ROOT, f));
  expect(files[0]).toBe(path.join("config", "dev.json"));
  expect(files).toEqual(
    expect.arrayContaining([path.join("config", "acceptance.json"), path.join("__tests__", "fixtures", "configs", "efs-endpoints.json")]),
  );
  expect(files.findIndex((f) => f.startsWith("__tests__"))).toBeGreaterThan(files.findIndex((f) => f.startsWith("config")));
});
