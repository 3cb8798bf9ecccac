import { parseEcrImage, secretOfValueFrom } from "../../scripts/lib/verify";
import { parseSecretArgs } from "../../scripts/secret";
import { parseTimeout } from "../../scripts/verify";

// Nothing here needs an emulator: secret, the checks and verify against moto are secret-verify.emulator.test.ts.
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

describe("secret arguments", () => {
  test("list and set <operator secret>; anything else is one line naming what is allowed", () => {
    expect(parseSecretArgs(["list"])).toEqual({ verb: "list" });
    expect(parseSecretArgs(["set", "market-data-api"])).toEqual({ verb: "set", purpose: "market-data-api" });
    expect(() => parseSecretArgs(["set", "nope"])).toThrow('unknown secret purpose "nope"; allowed: market-data-api');
    expect(() => parseSecretArgs(["set", "influx-read-token"])).toThrow(/written by the InfluxDB bootstrap, never by hand/);
    expect(() => parseSecretArgs(["set", "market-data-api", "the-value"])).toThrow(/never from the command line/);
    expect(() => parseSecretArgs(["set", "market-data-api", "--value=x"])).toThrow(/Unknown option '--value'/);
    expect(() => parseSecretArgs(["show"])).toThrow(/unknown command "show"/);
  });
});

test("valueFrom and image parsing, timeout flag", () => {
  expect(secretOfValueFrom("arn:aws:secretsmanager:us-east-1:123456789012:secret:a/b-AbC123:KEY::")).toBe(
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:a/b-AbC123",
  );
  expect(secretOfValueFrom("arn:aws:secretsmanager:us-east-1:123456789012:secret:a/b-AbC123")).toBe(
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:a/b-AbC123",
  );
  expect(parseEcrImage(`${REGISTRY}/streamlines-dev-ingest:1.0.0`)).toEqual({
    registryId: "123456789012",
    repository: "streamlines-dev-ingest",
    tag: "1.0.0",
    digest: undefined,
  });
  expect(parseEcrImage("grafana/grafana:11.3.0")).toBeUndefined();
  expect(parseTimeout(undefined)).toBe(20 * 60_000);
  expect(parseTimeout("2")).toBe(120_000);
  expect(() => parseTimeout("0")).toThrow('--timeout-minutes "0": expected a number of minutes from 1 to 120');
});
