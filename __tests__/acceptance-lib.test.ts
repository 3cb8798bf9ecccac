import * as path from "path";
import { parseConfig } from "../config/load";
import { E2E_BASE_CONFIG, acceptanceConfigs, e2eConfig } from "../scripts/acceptance";

const CONFIG_DIR = path.join(__dirname, "..", "config");

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
    expect(acceptanceConfigs(CONFIG_DIR, "acceptance-backend-only, acceptance").map((f) => path.basename(f))).toEqual(["acceptance-backend-only.json", "acceptance.json"]);
  });

  test("an unknown name stops the run and lists what exists", () => {
    expect(() => acceptanceConfigs(CONFIG_DIR, "acceptance-nope")).toThrow(/acceptance-nope\.json not in .*; have .*acceptance\.json/);
  });
});
