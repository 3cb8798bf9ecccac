/** The residuals CLI against moto. Needs python3 with moto, so it runs in `npm run test:emulator`, not `npm test`. */
import { CreateSnapshotCommand, CreateVolumeCommand, DeleteSnapshotCommand, DeleteVolumeCommand, EC2Client } from "@aws-sdk/client-ec2";
import { KMSClient, CreateAliasCommand, CreateKeyCommand, DeleteAliasCommand, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { SecretsManagerClient, CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { ECSClient, DeregisterTaskDefinitionCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import {
  EFSClient,
  CreateAccessPointCommand,
  CreateFileSystemCommand,
  DeleteAccessPointCommand,
  DeleteFileSystemCommand,
} from "@aws-sdk/client-efs";
import { StreamLinesConfig } from "../../config/schema";
import { Emulator, emulatorClientConfig, startMoto } from "../../scripts/lib/emulator";
import { EXIT_CLEAN, EXIT_LEFT } from "../../scripts/residuals";
import { acceptanceConfig } from "../helpers/emulator-config";
import { runResiduals as run } from "../helpers/residuals";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

let moto: Emulator;
let ec2: EC2Client;

const config = (overrides: Record<string, unknown> = {}) => acceptanceConfig(moto.endpoint, overrides);

const tags = (cfg: StreamLinesConfig, name: string) => [
  {
    ResourceType: "volume" as const,
    Tags: [
      { Key: "app", Value: cfg.app },
      { Key: "env", Value: cfg.env },
      { Key: "Name", Value: name },
    ],
  },
];

beforeAll(async () => {
  moto = await startMoto();
  ec2 = new EC2Client(emulatorClientConfig(moto.endpoint, "us-east-1"));
});

afterAll(async () => {
  ec2?.destroy();
  await moto?.stop();
});

test("an empty account: nothing left, exit 0", async () => {
  const r = await run(config());
  expect(r.err).toBe("");
  expect(r.out).toContain("nothing left behind");
  expect(r.code).toBe(EXIT_CLEAN);
});

test("a stray tagged volume and its snapshot are named with a cost hint, exit 1; another app's volume is not", async () => {
  const cfg = config();
  const ours = await ec2.send(
    new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 20, VolumeType: "gp3", TagSpecifications: tags(cfg, "stray") }),
  );
  const theirs = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: "us-east-1a",
      Size: 5,
      TagSpecifications: [
        {
          ResourceType: "volume",
          Tags: [
            { Key: "app", Value: "someone-else" },
            { Key: "env", Value: cfg.env },
          ],
        },
      ],
    }),
  );
  const snap = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: ours.VolumeId,
      TagSpecifications: [
        {
          ResourceType: "snapshot",
          Tags: [
            { Key: "app", Value: cfg.app },
            { Key: "env", Value: cfg.env },
          ],
        },
      ],
    }),
  );
  try {
    const r = await run(cfg);
    expect(r.code).toBe(EXIT_LEFT);
    expect(r.out).toContain(ours.VolumeId);
    expect(r.out).toContain(snap.SnapshotId);
    expect(r.out).not.toContain(theirs.VolumeId);
    expect(r.out).toMatch(/ec2\/volume\s+1\s+~\$1\.60/); // 20 GiB gp3
    expect(r.out).toMatch(/ec2\/snapshot\s+1\s+~\$1\.00/);
    expect(r.out).toContain("rough, us-east-1 list prices");
  } finally {
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snap.SnapshotId }));
    await ec2.send(new DeleteVolumeCommand({ VolumeId: ours.VolumeId }));
    await ec2.send(new DeleteVolumeCommand({ VolumeId: theirs.VolumeId }));
  }
});

test("with dataRetention on, the data volume is kept (exit 0) and listed as kept", async () => {
  const cfg = config({ dataRetention: true });
  const vol = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: "us-east-1a",
      Size: 20,
      VolumeType: "gp3",
      TagSpecifications: tags(cfg, `${cfg.app}-${cfg.env}-influx-data`),
    }),
  );
  try {
    const r = await run(cfg);
    expect(r.code).toBe(EXIT_CLEAN);
    expect(r.out).toContain("nothing left behind beyond the kept resources");
    expect(r.out).toMatch(new RegExp(`kept on purpose[\\s\\S]*${vol.VolumeId}`));
    // The same volume with retention off is a residual.
    expect((await run(config({ dataRetention: false }))).code).toBe(EXIT_LEFT);
  } finally {
    await ec2.send(new DeleteVolumeCommand({ VolumeId: vol.VolumeId }));
  }
});

test("with dataRetention on, the volume's snapshots, the KMS key and alias and the secrets are kept too", async () => {
  const cfg = config({ dataRetention: true });
  const ours = `${cfg.app}-${cfg.env}`;
  const cc = emulatorClientConfig(moto.endpoint, "us-east-1");
  const kms = new KMSClient(cc);
  const sm = new SecretsManagerClient(cc);
  const vol = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: "us-east-1a",
      Size: 20,
      VolumeType: "gp3",
      TagSpecifications: tags(cfg, `${ours}-influx-data`),
    }),
  );
  // What DLM makes with copyTags: the volume's tags, Name included.
  const snap = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: vol.VolumeId,
      TagSpecifications: [
        {
          ResourceType: "snapshot",
          Tags: [
            { Key: "app", Value: cfg.app },
            { Key: "env", Value: cfg.env },
            { Key: "Name", Value: `${ours}-influx-data` },
          ],
        },
      ],
    }),
  );
  // Tagged as the provider's default_tags tag them: the tags, not the names, make them ours.
  const key = await kms.send(
    new CreateKeyCommand({
      Description: `${cfg.app} ${cfg.env}: data at rest`,
      Tags: [
        { TagKey: "app", TagValue: cfg.app },
        { TagKey: "env", TagValue: cfg.env },
      ],
    }),
  );
  await kms.send(new CreateAliasCommand({ AliasName: `alias/${ours}`, TargetKeyId: key.KeyMetadata!.KeyId }));
  const secret = await sm.send(
    new CreateSecretCommand({
      Name: `${ours}/influx-admin-token`,
      Tags: [
        { Key: "app", Value: cfg.app },
        { Key: "env", Value: cfg.env },
      ],
    }),
  );
  try {
    const kept = await run(cfg);
    expect(kept.code).toBe(EXIT_CLEAN);
    for (const id of [vol.VolumeId!, snap.SnapshotId!, key.KeyMetadata!.KeyId!, `alias/${ours}`, `${ours}/influx-admin-token`]) {
      expect(kept.out).toMatch(new RegExp(`kept on purpose[\\s\\S]*${id}`));
    }
    const off = await run(config({ dataRetention: false }));
    expect(off.code).toBe(EXIT_LEFT);
    for (const id of [snap.SnapshotId!, key.KeyMetadata!.KeyId!, `${ours}/influx-admin-token`]) expect(off.out).toContain(id);
  } finally {
    await sm.send(new DeleteSecretCommand({ SecretId: secret.ARN, ForceDeleteWithoutRecovery: true }));
    await kms.send(new DeleteAliasCommand({ AliasName: `alias/${ours}` }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyMetadata!.KeyId, PendingWindowInDays: 7 }));
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snap.SnapshotId }));
    await ec2.send(new DeleteVolumeCommand({ VolumeId: vol.VolumeId }));
    kms.destroy();
    sm.destroy();
  }
});

test("a deregistered (INACTIVE) task definition still carrying the tags is gone, not left; an active one is left", async () => {
  const cfg = config();
  const ecs = new ECSClient(emulatorClientConfig(moto.endpoint, "us-east-1"));
  const register = () =>
    ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `${cfg.app}-${cfg.env}-ingest`,
        containerDefinitions: [{ name: "ingest", image: "example/ingest:1", memory: 512 }],
        tags: [
          { key: "app", value: cfg.app },
          { key: "env", value: cfg.env },
        ],
      }),
    );
  const inactive = (await register()).taskDefinition!.taskDefinitionArn!;
  await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: inactive }));
  const active = (await register()).taskDefinition!.taskDefinitionArn!;
  try {
    const r = await run(cfg);
    expect(r.out).not.toContain(inactive);
    expect(r.out).toContain(active);
    expect(r.code).toBe(EXIT_LEFT);
  } finally {
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: active }));
    ecs.destroy();
  }
});

test("with dataRetention on and EFS storage, the file system and its access point are kept; with it off both are left", async () => {
  const base = config();
  const efsConfig = (dataRetention: boolean) =>
    config({ dataRetention, influx: { ...JSON.parse(JSON.stringify(base.influx)), storage: "efs", snapshots: { enabled: false } } });
  const ours = `${base.app}-${base.env}-influx-data`;
  const efs = new EFSClient(emulatorClientConfig(moto.endpoint, "us-east-1"));
  const appTags = [
    { Key: "app", Value: base.app },
    { Key: "env", Value: base.env },
    { Key: "Name", Value: ours },
  ];
  const fs0 = await efs.send(new CreateFileSystemCommand({ CreationToken: ours, Tags: appTags }));
  const ap = await efs.send(new CreateAccessPointCommand({ FileSystemId: fs0.FileSystemId, Tags: appTags }));
  try {
    const kept = await run(efsConfig(true));
    expect(kept.code).toBe(EXIT_CLEAN);
    expect(kept.out).toMatch(new RegExp(`kept on purpose[\\s\\S]*${ap.AccessPointId}`));
    const off = await run(efsConfig(false));
    expect(off.code).toBe(EXIT_LEFT);
    expect(off.out).toContain(ap.AccessPointId);
    expect(off.out).toContain(fs0.FileSystemId);
  } finally {
    await efs.send(new DeleteAccessPointCommand({ AccessPointId: ap.AccessPointId }));
    await efs.send(new DeleteFileSystemCommand({ FileSystemId: fs0.FileSystemId }));
    efs.destroy();
  }
});
