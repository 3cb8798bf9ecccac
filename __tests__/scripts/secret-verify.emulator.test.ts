/** secret, doctor's secret and image checks, and verify against moto. Needs python3 with moto, so it runs in `npm run test:emulator`, not `npm test`. */
import * as fs from "fs";
import * as path from "path";
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { parseConfig } from "../../config/load";
import { StreamLinesConfig } from "../../config/schema";
import { checkOperatorSecrets, checkPinnedImages, pinnedImages } from "../../scripts/lib/checks";
import { Emulator, emulatorClientConfig, startMoto } from "../../scripts/lib/emulator";
import { TOKEN_SECRETS } from "../../scripts/lib/secrets";
import { Clients, clientsFor, verify } from "../../scripts/lib/verify";
import { main as secretMain } from "../../scripts/secret";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

let moto: Emulator;
let config: StreamLinesConfig;
let sm: SecretsManagerClient;
let ecr: ECRClient;
let ecs: ECSClient;
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const API_VALUE = JSON.stringify({ ALPACA_API_KEY: "k-31d", ALPACA_API_SECRET: "s-77f0a" });

beforeAll(async () => {
  moto = await startMoto();
  const file = path.join(__dirname, "..", "..", "config", "acceptance-backend-only.json");
  config = parseConfig(
    JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), env: "sv", emulator: { endpoint: moto.endpoint } }),
    file,
  );
  sm = new SecretsManagerClient(emulatorClientConfig(moto.endpoint, config.region));
  ecr = new ECRClient(emulatorClientConfig(moto.endpoint, config.region));
  ecs = new ECSClient(emulatorClientConfig(moto.endpoint, config.region));
});

afterAll(async () => {
  [sm, ecr, ecs].forEach((c) => c?.destroy());
  await moto?.stop();
});

/** Runs `npm run secret -- <argv>` in-process with `stdin` as the value. */
async function secret(argv: string[], stdin = "") {
  const out: string[] = [];
  const err: string[] = [];
  let read = false;
  const code = await secretMain(argv, config, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readValue: async () => ((read = true), stdin),
  });
  return { code, out: out.join("\n"), err, read };
}

const manifest = (tag: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: {
      mediaType: "application/vnd.docker.container.image.v1+json",
      size: 1,
      digest: `sha256:${tag
        .padEnd(64, "0")
        .slice(0, 64)
        .replace(/[^0-9a-f]/g, "a")}`,
    },
    layers: [],
  });

describe("against the emulator: secrets, pinned images, verify", () => {
  test("before phase 1: the secret and the repositories do not exist: doctor WARNs, secret set refuses without reading stdin", async () => {
    expect((await checkOperatorSecrets(config)).map((r) => [r.name, r.status])).toEqual([["secret market-data-api", "WARN"]]);
    const images = await checkPinnedImages(config);
    expect(images.map((r) => [r.name, r.status])).toEqual(pinnedImages(config).map((p) => [`image ${p.repository}`, "WARN"]));
    const r = await secret(["set", "market-data-api"], API_VALUE);
    expect(r).toMatchObject({ code: 1, read: false });
    expect(r.err).toEqual([
      expect.stringMatching(/^secret: streamlines-sv\/market-data-api does not exist; run npm run deploy first.*nothing written$/),
    ]);
  });

  test("after phase 1: an empty secret and a missing pinned tag FAIL with the command that fixes each", async () => {
    for (const purpose of ["market-data-api", ...TOKEN_SECRETS])
      await sm.send(new CreateSecretCommand({ Name: `streamlines-sv/${purpose}` }));
    for (const p of pinnedImages(config)) await ecr.send(new CreateRepositoryCommand({ repositoryName: p.repositoryName }));
    const [s] = await checkOperatorSecrets(config);
    expect(s).toMatchObject({
      status: "FAIL",
      detail: expect.stringContaining("streamlines-sv/market-data-api has no value"),
      fix: expect.stringContaining("npm run secret -- set market-data-api"),
    });
    const [ingest] = await checkPinnedImages(config);
    expect(ingest).toMatchObject({
      name: "image ingest",
      status: "FAIL",
      detail: expect.stringContaining("streamlines-sv-ingest:acceptance-1 is not in ECR"),
    });
    expect(ingest.fix).toContain(`docker push ${REGISTRY}/streamlines-sv-ingest:acceptance-1`);
  });

  test("secret set: empty stdin and a value without the keys ingest reads are refused in one line; nothing is written", async () => {
    for (const bad of ["", "not json", JSON.stringify({ ALPACA_API_KEY: "k" })]) {
      const r = await secret(["set", "market-data-api"], bad);
      expect(r.code).toBe(1);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(/nothing written$/);
      expect(r.err[0]).not.toContain("not json");
    }
    expect((await secret(["list"])).out).toMatch(/streamlines-sv\/market-data-api\s+NO VALUE/);
  });

  test("secret set writes the value, never shows it; list and the check see it", async () => {
    const r = await secret(["set", "market-data-api"], API_VALUE);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^secret: streamlines-sv\/market-data-api: value set \(version \S+, \d+ characters\)/);
    expect(r.out).not.toContain("s-77f0a");
    expect((await sm.send(new GetSecretValueCommand({ SecretId: "streamlines-sv/market-data-api" }))).SecretString).toBe(API_VALUE);
    const list = await secret(["list"]);
    expect(list.out).toMatch(/streamlines-sv\/market-data-api\s+value set/);
    expect(list.out).toMatch(/streamlines-sv\/influx-write-token\s+NO VALUE\s+read by ripples; written by the InfluxDB bootstrap/);
    expect(list.out).not.toContain("s-77f0a");
    expect((await checkOperatorSecrets(config))[0].status).toBe("ok");
  });

  describe("verify", () => {
    let clients: Clients;
    let t = 0;
    const clock = { now: () => t, sleep: async (ms: number) => void (t += ms), pollMs: 10_000 };
    const run = async (cfg: StreamLinesConfig, timeoutMs: number) => {
      const out: string[] = [];
      const r = await verify(cfg, clients, { out: (l) => out.push(l), err: (l) => out.push(l) }, { timeoutMs, ...clock });
      return { ...r, out: out.join("\n") };
    };

    beforeAll(async () => {
      clients = clientsFor(config);
      await ecs.send(new CreateClusterCommand({ clusterName: "streamlines-sv" }));
      const described = await sm.send(new GetSecretValueCommand({ SecretId: "streamlines-sv/market-data-api" }));
      const td = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: "streamlines-sv-ingest",
          requiresCompatibilities: ["FARGATE"],
          networkMode: "awsvpc",
          cpu: "256",
          memory: "512",
          containerDefinitions: [
            {
              name: "ingest",
              image: `${REGISTRY}/streamlines-sv-ingest:acceptance-1`,
              secrets: [{ name: "ALPACA_API_KEY", valueFrom: `${described.ARN}:ALPACA_API_KEY::` }],
            },
          ],
        }),
      );
      await ecs.send(
        new CreateServiceCommand({
          cluster: "streamlines-sv",
          serviceName: "streamlines-sv-ingest",
          taskDefinition: td.taskDefinition!.taskDefinitionArn,
          desiredCount: 1,
        }),
      );
    });
    afterAll(() => clients?.destroy());

    test("fails naming what is missing: the unpublished tokens (after the bounded wait, with progress) and the service's image", async () => {
      const r = await run(config, 30_000);
      expect(r.ok).toBe(false);
      expect(r.out).toMatch(
        /^verify: waiting for the InfluxDB bootstrap to publish influx-admin-token, influx-read-token, influx-write-token \(0 s of 30 s\)$/m,
      );
      expect(r.failures).toEqual([
        expect.stringMatching(/^influx bootstrap: streamlines-sv\/influx-admin-token, .* still without a value after 30 s/),
        expect.stringMatching(
          /^streamlines-sv-ingest: image 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/streamlines-sv-ingest:acceptance-1 is not in ECR \(ImageNotFoundException/,
        ),
      ]);
      expect(r.out).toContain("verify: skipped steady state and target health: the emulator runs no tasks");
    });

    test("ok once the image is pushed and the tokens published", async () => {
      for (const p of pinnedImages(config))
        await ecr.send(new PutImageCommand({ repositoryName: p.repositoryName, imageTag: p.tag, imageManifest: manifest(p.repository) }));
      for (const purpose of TOKEN_SECRETS)
        await sm.send(new PutSecretValueCommand({ SecretId: `streamlines-sv/${purpose}`, SecretString: `t-${purpose}` }));
      const r = await run(config, 30_000);
      expect(r.failures).toEqual([]);
      expect(r.out).toContain("verify: ok influx bootstrap: tokens published");
      expect(r.out).toContain("verify: ok streamlines-sv-ingest: 1 image(s) in ECR, 1 secret(s) with a value");
    });

    test("against AWS (no emulator in config) a service that never gets steady fails after the overall timeout, naming it and ECS's reason", async () => {
      const r = await run({ ...config, emulator: undefined }, 60_000);
      expect(r.ok).toBe(false);
      expect(r.out).toMatch(/^verify: streamlines-sv-ingest: 0\/1 running, 1 pending, rollout IN_PROGRESS$/m);
      expect(r.failures).toEqual([
        expect.stringMatching(
          /^streamlines-sv-ingest: not steady after 60 s \(0\/1 running.*\); (last event: |stopped reason: |ECS gives no event)/,
        ),
      ]);
    });
  });
});
