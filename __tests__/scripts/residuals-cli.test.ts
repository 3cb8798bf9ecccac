import { EXIT_LISTING_FAILED, costHint, keptFromConfig } from "../../scripts/residuals";
import { acceptanceConfig, unreachableEndpoint } from "../helpers/emulator-config";
import { runResiduals as run } from "../helpers/residuals";

// Nothing here needs an emulator: the residuals CLI against moto is residuals-cli.emulator.test.ts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

let unreachable: string;
beforeAll(async () => {
  unreachable = await unreachableEndpoint();
});

const config = (overrides: Record<string, unknown> = {}) => acceptanceConfig(unreachable, overrides);

test("an unreachable endpoint: the failed listings are named, exit 2", async () => {
  const r = await run(config());
  expect(r.code).toBe(EXIT_LISTING_FAILED);
  expect(r.err).toContain("listing(s) failed");
  expect(r.err).toContain("ec2 DescribeVolumes");
});

test("kept names come from config, and only while dataRetention is on", () => {
  const on = keptFromConfig(config({ dataRetention: true }));
  expect(on.map((k) => `${k.service}/${k.kind}/${k.id}`)).toEqual([
    "ec2/volume/streamlines-acc-influx-data",
    "ec2/snapshot/streamlines-acc-influx-data",
    "s3/bucket/streamlines-acc-artifacts",
    "dynamodb/table/streamlines-acc-connections",
    "kms/key/alias/streamlines-acc",
    "kms/alias/alias/streamlines-acc",
    "secretsmanager/secret/streamlines-acc/*",
  ]);
  expect(keptFromConfig(config({ dataRetention: false }))).toEqual([]);
  expect(costHint({ service: "ec2", kind: "nat-gateway", id: "nat-1" }).monthly).toBeCloseTo(32.85);
});
