import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../../config/load";
import { StreamLinesConfig } from "../../config/schema";
import { buildImages, checkDocker, checkRegionSetting, parseTerraformVersion, render } from "../../scripts/doctor";
import { checkOperatorSettings } from "../../scripts/lib/checks";
import { fakeTools, runDoctor } from "../helpers/doctor";
import { acceptanceConfig, unreachableEndpoint } from "../helpers/emulator-config";
import { configNamed } from "../helpers/synth";

// Nothing here needs an emulator: doctor against moto is doctor.emulator.test.ts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

let unreachable: string;
let bin: string;

const config = (overrides: Record<string, unknown> = {}) => acceptanceConfig(unreachable, overrides);
const run = (cfg: StreamLinesConfig, extraEnv: Record<string, string> = {}) => runDoctor(cfg, bin, extraEnv);

beforeAll(async () => {
  unreachable = await unreachableEndpoint();
  bin = fakeTools();
});

afterAll(() => {
  fs.rmSync(bin, { recursive: true, force: true });
});

test("no emulator answering: credentials and bucket fail with a fix", async () => {
  const r = await run(config());
  expect(r.out).toMatch(/^FAIL\s+AWS credentials\s+STS GetCallerIdentity/m);
  expect(r.out).toMatch(/fix: start the emulator at http:\/\/127\.0\.0\.1:\d+/);
  expect(r.code).toBe(1);
});

test("terraform too old or missing fails", async () => {
  expect((await run(config(), { FAKE_TF_VERSION: "1.9.8" })).out).toMatch(/^FAIL\s+terraform\s+1\.9\.8 is older than 1\.11/m);
  // 1.10 has S3-native locking but not the write-only attributes the Grafana secret is set with.
  expect((await run(config(), { FAKE_TF_VERSION: "1.10.5" })).out).toMatch(
    /^FAIL\s+terraform\s+1\.10\.5 is older than 1\.11 \(write-only attributes such as secret_string_wo\)/m,
  );
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
  const cfg = loadConfig(path.join(__dirname, "..", "fixtures", "configs", "image-hooks.json"));
  const contexts = path.join(__dirname, "..", "fixtures", "image-contexts");
  expect(buildImages(cfg)).toEqual([
    { image: "ingest", context: path.join(contexts, "ingest"), platform: "linux/amd64" },
    { image: "ripples", context: path.join(contexts, "ripples"), platform: "linux/arm64" },
  ]);
  expect(buildImages(config())).toEqual([
    { image: "influxdb", context: path.join(__dirname, "..", "..", "modules", "influx-host"), platform: "linux/arm64" },
  ]);
});

test("region: a shell region that differs from config fails", () => {
  const cfg = config();
  expect(checkRegionSetting(cfg, { AWS_REGION: "eu-west-1" })).toMatchObject({
    status: "FAIL",
    fix: "export AWS_REGION=us-east-1 (or unset it)",
  });
  expect(checkRegionSetting(cfg, { AWS_DEFAULT_REGION: "us-east-1" }).status).toBe("ok");
});

test("operator settings: a FAIL line per unset one, naming the key and how to set it; ok once config gives them", async () => {
  const missing = await checkOperatorSettings(configNamed("dev"));
  expect(missing).toEqual([
    {
      name: "operator settings",
      status: "FAIL",
      detail: expect.stringMatching(
        /^services\.ingest\.environment\.TOP_TICKERS_API is unset: ingest at e410d43 exits at start without it/,
      ),
      fix: expect.stringMatching(/^set it in the config file/),
    },
  ]);
  expect(render(missing).code).toBe(1);
  expect(await checkOperatorSettings(configNamed("acceptance"))).toEqual([
    { name: "operator settings", status: "ok", detail: expect.any(String) },
  ]);
});
