import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../config/load";
import { E2E_BASE_CONFIG, acceptanceConfigs, e2eConfig } from "../../scripts/acceptance";
import { accountRefusal, awsE2eConfig, parseAwsArgs } from "../../scripts/lib/aws-pass";

const CONFIG_DIR = path.join(__dirname, "..", "..", "config");

describe("e2e config", () => {
  test.each([true, false])("is a valid config with EBS storage and dataRetention %s, its own env and names", (retention) => {
    const raw = e2eConfig(E2E_BASE_CONFIG, "http://127.0.0.1:4999", retention);
    const config = parseConfig(JSON.stringify(raw), "e2e.json");
    expect(config).toMatchObject({
      env: "e2e",
      dataRetention: retention,
      influx: { storage: "ebs" },
      artifacts: { bucketName: "streamlines-e2e-artifacts" },
      connectionTable: { name: "streamlines-e2e-connections" },
      emulator: { endpoint: "http://127.0.0.1:4999" },
    });
  });
});

describe("acceptance configs", () => {
  test("all of config/acceptance*.json by default, sorted", () => {
    const all = acceptanceConfigs(CONFIG_DIR, undefined).map((f) => path.basename(f));
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(["acceptance.json", "acceptance-backend-only.json"]));
    expect(all.every((f) => /^acceptance.*\.json$/.test(f))).toBe(true);
  });

  test("a subset by basename", () => {
    expect(acceptanceConfigs(CONFIG_DIR, "acceptance-backend-only, acceptance").map((f) => path.basename(f))).toEqual([
      "acceptance-backend-only.json",
      "acceptance.json",
    ]);
  });

  test("an unknown name stops the run and lists what exists", () => {
    expect(() => acceptanceConfigs(CONFIG_DIR, "acceptance-nope")).toThrow(/acceptance-nope\.json not in .*; have .*acceptance\.json/);
  });
});

describe("test:aws (the e2e pass against an account), without touching one", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "test-aws-"));
    fs.writeFileSync(path.join(dir, "api.json"), `${JSON.stringify({ ALPACA_API_KEY: "k", ALPACA_API_SECRET: "s" })}\n`);
    fs.writeFileSync(path.join(dir, "empty.json"), "");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const args = (extra: string[] = []) => [
    "--aws",
    "--env",
    "ci7",
    "--config",
    path.join(CONFIG_DIR, "acceptance.json"),
    "--market-data-api-file",
    path.join(dir, "api.json"),
    ...extra,
  ];

  test("flags: the env, config and secret file are required; the value comes from the file, never argv", () => {
    expect(parseAwsArgs(args(["--account", "123456789012"]))).toEqual({
      env: "ci7",
      configFile: path.join(CONFIG_DIR, "acceptance.json"),
      marketDataApi: JSON.stringify({ ALPACA_API_KEY: "k", ALPACA_API_SECRET: "s" }),
      account: "123456789012",
    });
    expect(() => parseAwsArgs(["--aws", "--env", "ci7"])).toThrow(/^missing --config, --market-data-api-file; usage: npm run test:aws/);
    expect(() => parseAwsArgs(args(["--env", "dev"]))).toThrow(
      "--env dev: test:aws destroys everything it made; choose an ephemeral name, not dev",
    );
    expect(() => parseAwsArgs(args(["--env", "Bad-Name"]))).toThrow('--env "Bad-Name": expected 2-10 lowercase letters and digits');
    expect(() => parseAwsArgs(args(["--account", "12345"]))).toThrow('--account "12345": expected the 12-digit account id');
    expect(() => parseAwsArgs([...args().slice(0, -1), path.join(dir, "empty.json")])).toThrow(/empty$/);
    expect(() => parseAwsArgs(args(["--market-data-api", "{}"]))).toThrow(/Unknown option '--market-data-api'/);
  });

  test("the account must be confirmed and match the credentials", () => {
    expect(accountRefusal("123456789012", "123456789012")).toBeUndefined();
    expect(accountRefusal("123456789012", undefined)).toBe(
      "the credentials reach account 123456789012; confirm it with --account 123456789012 (or type it when asked)",
    );
    expect(accountRefusal("123456789012", "210987654321")).toBe(
      "--account 210987654321 but the credentials reach account 123456789012; nothing was created",
    );
  });

  test.each(["acceptance.json", "acceptance-backend-only.json"])(
    "the config from %s: valid, no emulator, retention off, the env's own unique names",
    (file) => {
      const raw = awsE2eConfig(path.join(CONFIG_DIR, file), "ci7", "123456789012");
      const config = parseConfig(JSON.stringify(raw), file);
      expect(config.emulator).toBeUndefined();
      expect(config).toMatchObject({
        env: "ci7",
        dataRetention: false,
        artifacts: { bucketName: "streamlines-ci7-artifacts-123456789012-us-east-1" },
        connectionTable: { name: "streamlines-ci7-connections" },
      });
      if (config.loadBalancer.accessLogs.enabled)
        expect(config.loadBalancer.accessLogs.bucketName).toBe("streamlines-ci7-alb-logs-123456789012-us-east-1");
    },
  );
});
