/** Publishing to moto's S3 and CloudFront. Needs python3 with moto, so it runs in `npm run test:emulator`, not `npm test`. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CloudFrontClient, CreateDistributionCommand, GetInvalidationCommand, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { Emulator, emulatorClientConfig, startMoto } from "../../scripts/lib/emulator";
import { BUILD, NOT_PUBLISHED, SETTINGS, runPublish as run, writeConfig } from "../helpers/publish-dashboard";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

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
          Origins: {
            Quantity: 1,
            Items: [{ Id: "site", DomainName: `${BUCKET}.s3.eu-central-1.amazonaws.com`, S3OriginConfig: { OriginAccessIdentity: "" } }],
          },
          DefaultCacheBehavior: {
            TargetOriginId: "site",
            ViewerProtocolPolicy: "redirect-to-https",
            CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
          },
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
      JSON.stringify({
        bucket_name: { value: BUCKET },
        distribution_id: { value: distributionId },
        url: { value: "https://d1.cloudfront.net" },
        runtime_config: { value: SETTINGS },
      }),
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
    expect(result.out[1]).toMatch(
      new RegExp(
        `^publish-dashboard: invalidation \\S+ of /index.html, /config.json on distribution ${distributionId}; live at https://d1.cloudfront.net within a few minutes$`,
      ),
    );
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
    expect({ contentType: head.ContentType, cacheControl: head.CacheControl, length: head.ContentLength }).toEqual({
      contentType,
      cacheControl,
      length: Buffer.byteLength(BUILD[key]),
    });
  });

  test.each(Object.keys(NOT_PUBLISHED))("%s is not in the bucket", async (key) => {
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({ name: "NotFound" });
  });

  test("config.json: the edge stack's runtime settings, JSON, revalidated on every load", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "config.json" }));
    expect({ contentType: got.ContentType, cacheControl: got.CacheControl }).toEqual({
      contentType: "application/json",
      cacheControl: "no-cache",
    });
    expect(JSON.parse(await got.Body!.transformToString())).toEqual(SETTINGS);
  });

  test("one invalidation, of the shell and its settings only", async () => {
    const list = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
    expect(list.InvalidationList?.Items).toHaveLength(1);
    const got = await cloudfront.send(
      new GetInvalidationCommand({ DistributionId: distributionId, Id: list.InvalidationList!.Items![0].Id! }),
    );
    expect(got.Invalidation?.InvalidationBatch?.Paths).toEqual({ Quantity: 2, Items: ["/index.html", "/config.json"] });
    expect(result.out[1]).toContain(got.Invalidation!.Id!);
  });
});
