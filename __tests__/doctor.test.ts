import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CreateBucketCommand, DeleteBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { loadConfig, parseConfig } from "../config/load";
import { StreamLinesConfig } from "../config/schema";
import { Emulator, emulatorClientConfig, freePort, startMoto } from "../scripts/lib/emulator";
import { buildImages, checkDocker, checkRegionSetting, main, parseTerraformVersion, render } from "../scripts/doctor";
import { checkOperatorSettings } from "../scripts/lib/checks";
import { configNamed } from "./helpers/synth";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

let moto: Emulator;
let bin: string;

function config(overrides: Record<string, unknown> = {}, endpoint = moto.endpoint): StreamLinesConfig {
  const file = path.join(__dirname, "..", "config", "acceptance.json");
  return parseConfig(JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), emulator: { endpoint }, ...overrides }), file);
}

/** Stand-in terraform and docker: behaviour set through env, so the machine's own tools don't matter. Terraform warns on stderr, as it does without ~/.terraformrc. */
function fakeTools(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-bin-"));
  fs.writeFileSync(path.join(dir, "terraform"), `#!/bin/sh\necho "Warning: Unable to open CLI configuration file" >&2\necho "{\\"terraform_version\\":\\"\${FAKE_TF_VERSION:-1.11.4}\\"}"\n`, { mode: 0o755 });
  fs.writeFileSync(
    path.join(dir, "docker"),
    `#!/bin/sh
case "$1" in
  --version) echo "Docker version 28.2.2, build e6534b4" ;;
  buildx) [ -n "$FAKE_NO_BUILDX" ] && { echo "docker: unknown command: docker buildx" >&2; exit 1; }; echo "github.com/docker/buildx v0.24.0" ;;
  info) [ -n "$FAKE_NO_DAEMON" ] && { echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" >&2; exit 1; }; echo "28.2.2" ;;
esac
`,
    { mode: 0o755 },
  );
  return dir;
}

async function run(cfg: StreamLinesConfig, extraEnv: Record<string, string> = {}) {
  const lines: string[] = [];
  const env = { PATH: `${bin}:/usr/bin:/bin`, ...extraEnv };
  const code = await main(cfg, env, (l) => lines.push(l));
  return { code, out: lines.join("\n") };
}

beforeAll(async () => {
  moto = await startMoto();
  bin = fakeTools();
});

afterAll(async () => {
  await moto?.stop();
  fs.rmSync(bin, { recursive: true, force: true });
});

test("against the emulator: moto's account, the state bucket missing, then present", async () => {
  const cfg = config();
  const before = await run(cfg);
  expect(before.out).toMatch(/^ok\s+AWS credentials\s+account 123456789012 /m);
  expect(before.out).toMatch(/^FAIL\s+state bucket\s+streamlines-tfstate-acc does not exist/m);
  expect(before.out).toContain("fix: STREAMLINES_ENV=acc npm run bootstrap-state");
  expect(before.out).toMatch(/^ok\s+terraform\s+1\.11\.4/m);
  expect(before.out).toMatch(/^ok\s+image platforms\s+influxdb linux\/arm64 from \S+\/modules\/influx-host$/m);
  expect(before.code).toBe(1);

  const s3 = new S3Client(emulatorClientConfig(moto.endpoint, "us-east-1"));
  await s3.send(new CreateBucketCommand({ Bucket: cfg.state.bucket }));
  try {
    const after = await run(cfg);
    expect(after.out).toMatch(/^ok\s+state bucket\s+streamlines-tfstate-acc exists/m);
    expect(after.out).toContain("doctor: ready to deploy");
    expect(after.code).toBe(0);
  } finally {
    await s3.send(new DeleteBucketCommand({ Bucket: cfg.state.bucket }));
    s3.destroy();
  }
});

test("no emulator answering: credentials and bucket fail with a fix", async () => {
  const r = await run(config({}, `http://127.0.0.1:${await freePort()}`));
  expect(r.out).toMatch(/^FAIL\s+AWS credentials\s+STS GetCallerIdentity/m);
  expect(r.out).toMatch(/fix: start the emulator at http:\/\/127\.0\.0\.1:\d+/);
  expect(r.code).toBe(1);
});

test("terraform too old or missing fails", async () => {
  expect((await run(config(), { FAKE_TF_VERSION: "1.9.8" })).out).toMatch(/^FAIL\s+terraform\s+1\.9\.8 is older than 1\.11/m);
  // 1.10 has S3-native locking but not the write-only attributes the Grafana secret is set with.
  expect((await run(config(), { FAKE_TF_VERSION: "1.10.5" })).out).toMatch(/^FAIL\s+terraform\s+1\.10\.5 is older than 1\.11 \(write-only attributes such as secret_string_wo\)/m);
  expect((await run(config(), { FAKE_TF_VERSION: "1.11.0" })).out).toMatch(/^ok\s+terraform\s+1\.11\.0 \(>= 1\.11\)/m);
  expect(parseTerraformVersion("Terraform v1.11.4\non linux_amd64")).toEqual([1, 11, 4]);
  expect(parseTerraformVersion("garbage")).toBeUndefined();
});

test("docker: a missing daemon or buildx is a WARN without build contexts, a FAIL with one", () => {
  const env = { PATH: `${bin}:/usr/bin:/bin`, FAKE_NO_DAEMON: "1", FAKE_NO_BUILDX: "1" };
  const none = checkDocker({ env }, []);
  expect(none.map((c) => `${c.name}:${c.status}`)).toEqual(["docker:ok", "docker buildx:WARN", "docker daemon:WARN"]);
  expect(none[2].detail).toContain("no build contexts configured");
  const one = checkDocker({ env }, [{ image: "ingest", context: "../ingest", platform: "linux/arm64" }]);
  expect(one.map((c) => c.status)).toEqual(["ok", "FAIL", "FAIL"]);
  expect(one[2].fix).toContain("start the daemon");
  expect(checkDocker({ env: { PATH: `${bin}:/usr/bin:/bin` } }, []).every((c) => c.status === "ok")).toBe(true);
});

test("build contexts and platforms are read from config", () => {
  const cfg = loadConfig(path.join(__dirname, "fixtures", "configs", "image-hooks.json"));
  const contexts = path.join(__dirname, "fixtures", "image-contexts");
  expect(buildImages(cfg)).toEqual([
    { image: "ingest", context: path.join(contexts, "ingest"), platform: "linux/amd64" },
    { image: "ripples", context: path.join(contexts, "ripples"), platform: "linux/arm64" },
  ]);
  expect(buildImages(config())).toEqual([{ image: "influxdb", context: path.join(__dirname, "..", "modules", "influx-host"), platform: "linux/arm64" }]);
});

test("region: a shell region that differs from config fails", () => {
  const cfg = config();
  expect(checkRegionSetting(cfg, { AWS_REGION: "eu-west-1" })).toMatchObject({ status: "FAIL", fix: "export AWS_REGION=us-east-1 (or unset it)" });
  expect(checkRegionSetting(cfg, { AWS_DEFAULT_REGION: "us-east-1" }).status).toBe("ok");
});

test("operator settings: a FAIL line per unset one, naming the key and how to set it; ok once config gives them", async () => {
  const missing = await checkOperatorSettings(configNamed("dev"));
  expect(missing).toEqual([
    {
      name: "operator settings",
      status: "FAIL",
      detail: expect.stringMatching(/^services\.ingest\.environment\.TOP_TICKERS_API is unset: ingest at e410d43 exits at start without it/),
      fix: expect.stringMatching(/^set it in the config file/),
    },
  ]);
  expect(render(missing).code).toBe(1);
  expect(await checkOperatorSettings(configNamed("acceptance"))).toEqual([{ name: "operator settings", status: "ok", detail: expect.any(String) }]);
});
