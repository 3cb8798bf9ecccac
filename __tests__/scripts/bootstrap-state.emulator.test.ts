import * as fs from "fs";
import * as path from "path";
import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { parseConfig } from "../../config/load";
import { StreamLinesConfig } from "../../config/schema";
import { bootstrapStateBucket } from "../../scripts/bootstrap-state";
import { Emulator, emulatorClientConfig, startMoto } from "../../scripts/lib/emulator";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const ACCEPTANCE = path.join(__dirname, "..", "..", "config", "acceptance.json");

let moto: Emulator;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client(emulatorClientConfig(moto.endpoint, "us-east-1"));
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

/** The acceptance config on this test's emulator, with `patch` merged at the top level. */
function config(patch: Record<string, unknown> = {}): StreamLinesConfig {
  const raw = JSON.parse(fs.readFileSync(ACCEPTANCE, "utf8")) as Record<string, unknown>;
  return parseConfig(JSON.stringify({ ...raw, emulator: { endpoint: moto.endpoint }, ...patch }), ACCEPTANCE);
}

async function settings(Bucket: string) {
  const policy = await s3.send(new GetBucketPolicyCommand({ Bucket })).then(
    (p) => JSON.parse(p.Policy!),
    (err: Error) => err.name,
  );
  return {
    versioning: (await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status,
    sse: (await s3.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0]
      ?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    publicAccessBlock: (await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration,
    ownership: (await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership,
    location: (await s3.send(new GetBucketLocationCommand({ Bucket }))).LocationConstraint ?? null,
    policy,
  };
}

const ALL_BLOCKED = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

describe("real-AWS path (no emulator in config; the client is pointed at moto)", () => {
  // Without `emulator` the function would use the default credential chain; the test hands it a client.
  const awsConfig = (bucket: string, region: string) => {
    const c: StreamLinesConfig = { ...config({ state: { bucket, region, prefix: "streamlines" } }), emulator: undefined };
    return c;
  };

  test("first run creates the bucket with every setting, second run changes nothing", async () => {
    const lines: string[] = [];
    const first = await bootstrapStateBucket(awsConfig("sl-state-real", "eu-west-1"), (l) => lines.push(l), s3);
    expect(first.created).toBe(true);
    expect(lines[lines.length - 1]).toBe("state bucket sl-state-real: created, settings applied");
    // One line per step: header, bucket, versioning, encryption, public access, ownership, policy, summary.
    expect(lines).toHaveLength(8);

    const s = await settings("sl-state-real");
    expect(s).toMatchObject({
      versioning: "Enabled",
      sse: "AES256",
      publicAccessBlock: ALL_BLOCKED,
      ownership: "BucketOwnerEnforced",
      location: "eu-west-1",
    });
    expect(s.policy.Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::sl-state-real", "arn:aws:s3:::sl-state-real/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);

    const again: string[] = [];
    const second = await bootstrapStateBucket(awsConfig("sl-state-real", "eu-west-1"), (l) => again.push(l), s3);
    expect(second).toEqual({ bucket: "sl-state-real", created: false, changed: [] });
    expect(again[again.length - 1]).toBe("state bucket sl-state-real: exists, settings verified");
    expect(await settings("sl-state-real")).toEqual(s);
  });

  test("us-east-1 gets no LocationConstraint; drift is repaired; an existing policy keeps its statements", async () => {
    await bootstrapStateBucket(awsConfig("sl-state-use1", "us-east-1"), () => undefined, s3);
    expect((await settings("sl-state-use1")).location).toBeNull();

    await s3.send(new PutBucketVersioningCommand({ Bucket: "sl-state-use1", VersioningConfiguration: { Status: "Suspended" } }));
    const own = {
      Sid: "ReadForCi",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:role/ci" },
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::sl-state-use1/*",
    };
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: "sl-state-use1", Policy: JSON.stringify({ Version: "2012-10-17", Statement: [own] }) }),
    );

    const lines: string[] = [];
    const repaired = await bootstrapStateBucket(awsConfig("sl-state-use1", "us-east-1"), (l) => lines.push(l), s3);
    expect(repaired.changed).toEqual(["versioning", "bucket policy"]);
    expect(lines[lines.length - 1]).toBe("state bucket sl-state-use1: exists, repaired versioning, bucket policy");
    const s = await settings("sl-state-use1");
    expect(s.versioning).toBe("Enabled");
    expect(s.policy.Statement.map((st: { Sid: string }) => st.Sid)).toEqual(["ReadForCi", "DenyInsecureTransport"]);
  });
});

describe("emulator config (as the acceptance tier runs it)", () => {
  test("creates through the emulator endpoint; the TLS-only policy is skipped on plain HTTP; second run changes nothing", async () => {
    const c = config({ state: { bucket: "sl-state-emulated", region: "us-east-1", prefix: "streamlines" } });
    const lines: string[] = [];
    const first = await bootstrapStateBucket(c, (l) => lines.push(l));
    expect(first.created).toBe(true);
    expect(lines[0]).toBe(`state bucket sl-state-emulated (us-east-1) on emulator ${moto.endpoint}`);
    expect(lines).toContain(`  bucket policy: skipped: emulator ${moto.endpoint} is plain HTTP, which a TLS-only policy denies`);

    const s = await settings("sl-state-emulated");
    expect(s).toMatchObject({
      versioning: "Enabled",
      sse: "AES256",
      publicAccessBlock: ALL_BLOCKED,
      ownership: "BucketOwnerEnforced",
      policy: "NoSuchBucketPolicy",
    });

    const again: string[] = [];
    expect(await bootstrapStateBucket(c, (l) => again.push(l))).toEqual({ bucket: "sl-state-emulated", created: false, changed: [] });
    expect(again[again.length - 1]).toBe("state bucket sl-state-emulated: exists, settings verified");
  });
});
