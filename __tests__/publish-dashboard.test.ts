import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CreateBucketCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CloudFrontClient, CreateDistributionCommand, GetInvalidationCommand, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { Emulator, emulatorClientConfig, startMoto } from "../scripts/lib/emulator";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { IMMUTABLE, REVALIDATE, cacheControlOf, contentTypeOf, edgeOutputsFrom, isHashedAsset, isPublished, main, parsePublishArgs, resolveBuildDir } from "../scripts/publish-dashboard";
import { ROOT } from "./helpers/synth";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const BUILD: Record<string, string> = {
  "index.html": "<!doctype html><script type=module src=/assets/index-B4VmqMlx.js></script>",
  "about.html": "<!doctype html><p>about</p>",
  "assets/index-B4VmqMlx.js": "console.log('dashboard')",
  "assets/index-Cq1w_e3r.css": "body{margin:0}",
  "assets/logo-a1B2c3D4.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
  "favicon.ico": "\u0000\u0000\u0001\u0000",
  "robots.txt": "User-agent: *",
  "manifest.webmanifest": "{}",
};
/** Build files that must not reach the bucket by default. */
const NOT_PUBLISHED: Record<string, string> = {
  ".env": "VITE_SECRET=do-not-publish",
  ".git/config": "[core]",
  "assets/index-B4VmqMlx.js.map": '{"version":3,"sources":["src/secret-sauce.ts"]}',
};
const SETTINGS = { graphqlUrl: "https://d1.cloudfront.net/graphql", websocketUrl: "wss://d1.cloudfront.net/live" };

/** Runs the CLI with a config file and captures its stdout lines and stderr text. */
async function run(argv: string[], configFile: string, root = ROOT): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  let err = "";
  const write = process.stderr.write.bind(process.stderr);
  process.env.STREAMLINES_CONFIG = configFile;
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv, root, (l) => out.push(l)), out, err };
  } finally {
    process.stderr.write = write;
    delete process.env.STREAMLINES_CONFIG;
  }
}

function writeConfig(dir: string, patch: Record<string, unknown>): string {
  const file = path.join(dir, "config.json");
  const dev = JSON.parse(fs.readFileSync(path.join(ROOT, "config", "dev.json"), "utf8"));
  fs.writeFileSync(file, JSON.stringify({ ...dev, ...patch }));
  return file;
}

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
    expect(() => parsePublishArgs(["--build-dir"])).toThrow('unexpected argument "--build-dir"; usage: npm run publish-dashboard -- [--build-dir DIR] [--outputs FILE] [--include-source-maps]');
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
    expect(() => edgeOutputsFrom({ ...base, runtime_config: { value: { ...SETTINGS, apiKey: "k" } } }, "x")).toThrow("x: output runtime_config: unexpected key apiKey; allowed: graphqlUrl, websocketUrl");
  });

  test("outputs: terraform output -json shape or plain values; missing ones are named", () => {
    expect(edgeOutputsFrom({ bucket_name: { value: "b" }, distribution_id: { value: "E1" } }, "x")).toEqual({ bucketName: "b", distributionId: "E1", url: undefined });
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
    expect(r.err).toMatch(/^publish-dashboard: edge\.buildDir "\/tmp" resolves to \S+, outside the repository \S+; pass it on the command line \(--build-dir DIR\) to publish from there\n$/);
  });

  test("edge disabled in the config", async () => {
    const r = await run([], writeConfig(dir, { edge: { enabled: false } }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^publish-dashboard: edge\.enabled is false in .*config\.json: there is no CloudFront dashboard to publish to\n$/);
  });

  test("nothing synthesized, so no edge state to read", async () => {
    const r = await run([], writeConfig(dir, {}), dir);
    expect(r).toEqual({ code: 1, out: [], err: "publish-dashboard: no cdktf.out/manifest.json: the stacks are not synthesized yet; run npm run synth first\n" });
  });

  test("an outputs file without the edge outputs", async () => {
    const outputs = path.join(dir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ url: { value: "https://x" } }));
    const r = await run(["--outputs", outputs], writeConfig(dir, {}));
    expect(r.err).toBe(`publish-dashboard: ${outputs} has no bucket_name or distribution_id output; apply the edge stack first (cdktf deploy edge) or pass --outputs FILE from terraform output -json\n`);
  });

  test("an edge stack whose state has no outputs (never applied): real terraform output, refused", async () => {
    const root = path.join(dir, "never-applied");
    const stackDir = path.join(root, "cdktf.out", "stacks", "edge");
    fs.mkdirSync(stackDir, { recursive: true });
    fs.writeFileSync(path.join(root, "cdktf.out", "manifest.json"), JSON.stringify({ stacks: { edge: { workingDirectory: "stacks/edge" } } }));
    fs.writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify({ terraform: { backend: { local: { path: "edge.tfstate" } } } }));
    const r = await run([], writeConfig(dir, {}), root);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "publish-dashboard: the edge stack's state has no bucket_name or distribution_id output; apply the edge stack first (cdktf deploy edge) or pass --outputs FILE from terraform output -json\n",
    );
  }, 60_000);
});

describe("publishing to a local stand-in (moto)", () => {
  let moto: Emulator;
  let dir: string;
  let s3: S3Client;
  let cloudfront: CloudFrontClient;
  let distributionId: string;
  let result: Awaited<ReturnType<typeof run>>;
  const BUCKET = "streamlines-dev-dashboard-site";

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "publish-moto-"));
    moto = await startMoto({ logFile: path.join(dir, "moto.log") });
    s3 = new S3Client(emulatorClientConfig(moto.endpoint, "eu-central-1"));
    cloudfront = new CloudFrontClient(emulatorClientConfig(moto.endpoint, "us-east-1"));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: "eu-central-1" } }));
    const created = await cloudfront.send(
      new CreateDistributionCommand({
        DistributionConfig: {
          CallerReference: "publish-test",
          Comment: "publish test",
          Enabled: true,
          Origins: { Quantity: 1, Items: [{ Id: "site", DomainName: `${BUCKET}.s3.eu-central-1.amazonaws.com`, S3OriginConfig: { OriginAccessIdentity: "" } }] },
          DefaultCacheBehavior: { TargetOriginId: "site", ViewerProtocolPolicy: "redirect-to-https", CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" },
        },
      }),
    );
    distributionId = created.Distribution!.Id!;
    const build = path.join(dir, "dist");
    for (const [key, body] of Object.entries({ ...BUILD, ...NOT_PUBLISHED })) {
      fs.mkdirSync(path.dirname(path.join(build, key)), { recursive: true });
      fs.writeFileSync(path.join(build, key), body);
    }
    const outputs = path.join(dir, "outputs.json");
    fs.writeFileSync(
      outputs,
      JSON.stringify({ bucket_name: { value: BUCKET }, distribution_id: { value: distributionId }, url: { value: "https://d1.cloudfront.net" }, runtime_config: { value: SETTINGS } }),
    );
    result = await run(["--outputs", outputs, "--build-dir", build], writeConfig(dir, { emulator: { endpoint: moto.endpoint } }));
  }, 60_000);

  afterAll(async () => {
    s3?.destroy();
    cloudfront?.destroy();
    await moto?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("exit 0, two lines: the upload and the invalidation", () => {
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toHaveLength(2);
    expect(result.out[0]).toMatch(
      new RegExp(
        `^publish-dashboard: uploaded 9 files \\([\\d.]+ KiB\\) to s3://${BUCKET}; runtime settings in config.json; skipped 3 \\(.env, .git/config, assets/index-B4VmqMlx.js.map\\): dotfiles are never published, source maps only with --include-source-maps$`,
      ),
    );
    expect(result.out[1]).toMatch(new RegExp(`^publish-dashboard: invalidation \\S+ of /index.html, /config.json on distribution ${distributionId}; live at https://d1.cloudfront.net within a few minutes$`));
  });

  test.each([
    ["index.html", "text/html; charset=utf-8", "no-cache"],
    ["about.html", "text/html; charset=utf-8", "no-cache"],
    ["assets/index-B4VmqMlx.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"],
    ["assets/index-Cq1w_e3r.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"],
    ["assets/logo-a1B2c3D4.svg", "image/svg+xml", "public, max-age=31536000, immutable"],
    ["favicon.ico", "image/x-icon", "no-cache"],
    ["robots.txt", "text/plain; charset=utf-8", "no-cache"],
    ["manifest.webmanifest", "application/manifest+json", "no-cache"],
  ])("%s: %s, %s", async (key, contentType, cacheControl) => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect({ contentType: head.ContentType, cacheControl: head.CacheControl, length: head.ContentLength }).toEqual({ contentType, cacheControl, length: Buffer.byteLength(BUILD[key]) });
  });

  test.each(Object.keys(NOT_PUBLISHED))("%s is not in the bucket", async (key) => {
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({ name: "NotFound" });
  });

  test("config.json: the edge stack's runtime settings, JSON, revalidated on every load", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "config.json" }));
    expect({ contentType: got.ContentType, cacheControl: got.CacheControl }).toEqual({ contentType: "application/json", cacheControl: "no-cache" });
    expect(JSON.parse(await got.Body!.transformToString())).toEqual(SETTINGS);
  });

  test("one invalidation, of the shell and its settings only", async () => {
    const list = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
    expect(list.InvalidationList?.Items).toHaveLength(1);
    const got = await cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: list.InvalidationList!.Items![0].Id! }));
    expect(got.Invalidation?.InvalidationBatch?.Paths).toEqual({ Quantity: 2, Items: ["/index.html", "/config.json"] });
    expect(result.out[1]).toContain(got.Invalidation!.Id!);
  });
});
