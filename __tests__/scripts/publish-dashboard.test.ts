import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  IMMUTABLE,
  REVALIDATE,
  cacheControlOf,
  contentTypeOf,
  edgeOutputsFrom,
  isHashedAsset,
  isPublished,
  parsePublishArgs,
  resolveBuildDir,
} from "../../scripts/publish-dashboard";
import { SETTINGS, runPublish as run, writeConfig } from "../helpers/publish-dashboard";

// Nothing here needs an emulator: publishing to moto is publish-dashboard.emulator.test.ts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

describe("content types and cache headers", () => {
  test("types by extension; unknown ones are octet-stream", () => {
    expect(contentTypeOf("index.html")).toBe("text/html; charset=utf-8");
    expect(contentTypeOf("assets/a-12345678.JS")).toBe("text/javascript; charset=utf-8");
    expect(contentTypeOf("assets/a.woff2")).toBe("font/woff2");
    expect(contentTypeOf("LICENSE")).toBe("application/octet-stream");
  });

  test("hashed: Vite's assets/ and webpack's .<hex>. names; never HTML; public/ files at the root are not", () => {
    expect(isHashedAsset("assets/index-B4VmqMlx.js")).toBe(true);
    expect(isHashedAsset("static/js/main.3f9a1c2b.js")).toBe(true);
    expect(isHashedAsset("apple-touch-icon.png")).toBe(false);
    expect(isHashedAsset("assets/oops.html")).toBe(false);
    expect(cacheControlOf("index.html")).toBe(REVALIDATE);
    expect(cacheControlOf("assets/index-B4VmqMlx.js")).toBe(IMMUTABLE);
  });

  test("arguments", () => {
    expect(parsePublishArgs(["--build-dir", "d", "--outputs", "o.json"])).toEqual({ buildDir: "d", outputsFile: "o.json" });
    expect(parsePublishArgs(["--include-source-maps"])).toEqual({ includeSourceMaps: true });
    expect(() => parsePublishArgs(["--build-dir"])).toThrow(
      'unexpected argument "--build-dir"; usage: npm run publish-dashboard -- [--build-dir DIR] [--outputs FILE] [--include-source-maps]',
    );
  });

  test("dotfiles at any depth are never published; source maps only on request", () => {
    expect(isPublished("assets/index-B4VmqMlx.js")).toBe(true);
    expect(isPublished(".env")).toBe(false);
    expect(isPublished(".git/config")).toBe(false);
    expect(isPublished("assets/.DS_Store")).toBe(false);
    expect(isPublished("assets/index-B4VmqMlx.js.map")).toBe(false);
    expect(isPublished("assets/index-B4VmqMlx.js.map", true)).toBe(true);
    expect(isPublished(".well-known/x.map", true)).toBe(false);
  });

  test("runtime settings: taken from the runtime_config output, refused with the key when malformed", () => {
    const base = { bucket_name: { value: "b" }, distribution_id: { value: "E1" } };
    expect(edgeOutputsFrom({ ...base, runtime_config: { value: SETTINGS } }, "x").runtimeConfig).toEqual(SETTINGS);
    expect(() => edgeOutputsFrom({ ...base, runtime_config: { value: { graphqlUrl: "http://d1.cloudfront.net/graphql" } } }, "x")).toThrow(
      'x: output runtime_config: graphqlUrl "http://d1.cloudfront.net/graphql" is not allowed; expected an absolute https:// URL',
    );
    expect(() => edgeOutputsFrom({ ...base, runtime_config: { value: { ...SETTINGS, apiKey: "k" } } }, "x")).toThrow(
      "x: output runtime_config: unexpected key apiKey; allowed: graphqlUrl, websocketUrl",
    );
  });

  test("outputs: terraform output -json shape or plain values; missing ones are named", () => {
    expect(edgeOutputsFrom({ bucket_name: { value: "b" }, distribution_id: { value: "E1" } }, "x")).toEqual({
      bucketName: "b",
      distributionId: "E1",
      url: undefined,
    });
    expect(() => edgeOutputsFrom({ bucket_name: "b" }, "the edge stack's state")).toThrow(
      "the edge stack's state has no distribution_id output; apply the edge stack first (cdktf deploy edge) or pass --outputs FILE from terraform output -json",
    );
  });
});

describe("refusals, one line each", () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "publish-refuse-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a configured build directory outside the repository, directly or through a symlink; --build-dir may point anywhere", () => {
    const root = path.join(dir, "repo");
    const outside = path.join(dir, "elsewhere");
    fs.mkdirSync(root, { recursive: true });
    fs.mkdirSync(outside, { recursive: true });
    fs.symlinkSync(outside, path.join(root, "dist-link"));
    const real = fs.realpathSync(outside);
    expect(() => resolveBuildDir(root, undefined, "../elsewhere")).toThrow(
      `edge.buildDir "../elsewhere" resolves to ${real}, outside the repository ${fs.realpathSync(root)}; pass it on the command line (--build-dir DIR) to publish from there`,
    );
    expect(() => resolveBuildDir(root, undefined, "dist-link")).toThrow(`edge.buildDir "dist-link" resolves to ${real}, outside`);
    expect(() => resolveBuildDir(root, undefined, outside)).toThrow("outside the repository");
    expect(resolveBuildDir(root, undefined, "dashboard/dist")).toBe(path.join(root, "dashboard", "dist"));
    expect(resolveBuildDir(root, "../elsewhere", "dashboard/dist")).toBe(outside);
  });

  test("the CLI refuses a configured outside build directory before it reads any state", async () => {
    const r = await run([], writeConfig(dir, { edge: { enabled: true, buildDir: "/tmp" } }), dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^publish-dashboard: edge\.buildDir "\/tmp" resolves to \S+, outside the repository \S+; pass it on the command line \(--build-dir DIR\) to publish from there\n$/,
    );
  });

  test("edge disabled in the config", async () => {
    const r = await run([], writeConfig(dir, { edge: { enabled: false } }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^publish-dashboard: edge\.enabled is false in .*config\.json: there is no CloudFront dashboard to publish to\n$/,
    );
  });

  test("nothing synthesized, so no edge state to read", async () => {
    const r = await run([], writeConfig(dir, {}), dir);
    expect(r).toEqual({
      code: 1,
      out: [],
      err: "publish-dashboard: no cdktf.out/manifest.json: the stacks are not synthesized yet; run npm run synth first\n",
    });
  });

  /** A checkout under `dir` whose cdktf.out holds only an edge stack with this Terraform JSON. */
  const synthesizedEdge = (name: string, stackJson: unknown) => {
    const root = path.join(dir, name);
    const stackDir = path.join(root, "cdktf.out", "stacks", "edge");
    fs.mkdirSync(stackDir, { recursive: true });
    fs.writeFileSync(
      path.join(root, "cdktf.out", "manifest.json"),
      JSON.stringify({ stacks: { edge: { workingDirectory: "stacks/edge" } } }),
    );
    fs.writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify(stackJson));
    return { root, stackDir };
  };

  test("the state bucket must be this account's before edge's state is read; an outputs file needs no state", async () => {
    const { root, stackDir } = synthesizedEdge("synthesized", {});
    const checked: string[] = [];
    const notOurs = async (config: { state: { bucket: string } }) => {
      checked.push(config.state.bucket);
      throw new Error(`state bucket ${config.state.bucket} is not owned by this account (123456789012)`);
    };
    const r = await run([], writeConfig(dir, {}), root, notOurs);
    expect(r).toEqual({
      code: 1,
      out: [],
      err: `publish-dashboard: state bucket ${checked[0]} is not owned by this account (123456789012)\n`,
    });
    expect(checked).toHaveLength(1);
    // terraform never ran in the stack directory.
    expect(fs.readdirSync(stackDir)).toEqual(["cdk.tf.json"]);

    const outputs = path.join(dir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ url: { value: "https://x" } }));
    await run(["--outputs", outputs], writeConfig(dir, {}), root, notOurs);
    expect(checked).toHaveLength(1);
  });

  test("an outputs file without the edge outputs", async () => {
    const outputs = path.join(dir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ url: { value: "https://x" } }));
    const r = await run(["--outputs", outputs], writeConfig(dir, {}));
    expect(r.err).toBe(
      `publish-dashboard: ${outputs} has no bucket_name or distribution_id output; apply the edge stack first (cdktf deploy edge) or pass --outputs FILE from terraform output -json\n`,
    );
  });

  test("an edge stack whose state has no outputs (never applied): real terraform output, refused", async () => {
    const { root } = synthesizedEdge("never-applied", { terraform: { backend: { local: { path: "edge.tfstate" } } } });
    const r = await run([], writeConfig(dir, {}), root);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "publish-dashboard: the edge stack's state has no bucket_name or distribution_id output; apply the edge stack first (cdktf deploy edge) or pass --outputs FILE from terraform output -json\n",
    );
  }, 60_000);
});
