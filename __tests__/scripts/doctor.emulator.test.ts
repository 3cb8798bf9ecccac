/** doctor against moto. Needs python3 with moto, so it runs in `npm run test:emulator`, not `npm test`. */
import * as fs from "fs";
import { CreateBucketCommand, DeleteBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { Emulator, emulatorClientConfig, startMoto } from "../../scripts/lib/emulator";
import { fakeTools, runDoctor } from "../helpers/doctor";
import { acceptanceConfig } from "../helpers/emulator-config";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

let moto: Emulator;
let bin: string;

beforeAll(async () => {
  moto = await startMoto();
  bin = fakeTools();
});

afterAll(async () => {
  await moto?.stop();
  fs.rmSync(bin, { recursive: true, force: true });
});

test("against the emulator: moto's account, the state bucket missing, then present", async () => {
  const cfg = acceptanceConfig(moto.endpoint);
  const before = await runDoctor(cfg, bin);
  expect(before.out).toMatch(/^ok\s+AWS credentials\s+account 123456789012 /m);
  expect(before.out).toMatch(/^FAIL\s+state bucket\s+streamlines-tfstate-acc does not exist/m);
  expect(before.out).toContain("fix: STREAMLINES_ENV=acc npm run bootstrap-state");
  expect(before.out).toMatch(/^ok\s+terraform\s+1\.11\.4/m);
  expect(before.out).toMatch(/^ok\s+image platforms\s+influxdb linux\/arm64 from \S+\/modules\/influx-host$/m);
  expect(before.code).toBe(1);

  const s3 = new S3Client(emulatorClientConfig(moto.endpoint, "us-east-1"));
  await s3.send(new CreateBucketCommand({ Bucket: cfg.state.bucket }));
  try {
    const after = await runDoctor(cfg, bin);
    expect(after.out).toMatch(/^ok\s+state bucket\s+streamlines-tfstate-acc exists/m);
    expect(after.out).toContain("doctor: ready to deploy");
    expect(after.code).toBe(0);
  } finally {
    await s3.send(new DeleteBucketCommand({ Bucket: cfg.state.bucket }));
    s3.destroy();
  }
});
