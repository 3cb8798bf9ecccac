/**
 * residuals against moto with look-alikes of other envs and apps: only this app's and env's
 * resources are reported. Needs python3 with moto, so it runs in `npm run test:emulator`, not `npm test`.
 */
import { CreateBucketCommand, PutBucketTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CloudWatchLogsClient, CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateClusterCommand, ECSClient } from "@aws-sdk/client-ecs";
import { CreateVolumeCommand, EC2Client } from "@aws-sdk/client-ec2";
import { Emulator, emulatorClientConfig, startMoto } from "../../scripts/lib/emulator";
import { listResiduals, ResidualScope } from "../../scripts/lib/residuals";
import { kinesisJson } from "../../scripts/lib/residual-listers";
import { EMULATOR_CREDENTIALS } from "../../stacks/base";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

let moto: Emulator;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

const region = "us-east-1";
const kv = (app: string, env: string) => ({ app, env });

/** One resource of each kind per owner: ours (streamlines/dev) and the look-alikes. */
const OWNERS = [
  { who: "ours", app: "streamlines", env: "dev", base: "streamlines-dev" },
  { who: "dev2", app: "streamlines", env: "dev2", base: "streamlines-dev2" },
  { who: "dev-eu", app: "streamlines", env: "dev-eu", base: "streamlines-dev-eu" },
  { who: "other app", app: "tickers", env: "dev", base: "tickers-dev" },
] as const;

test("only streamlines/dev's resources are reported; streamlines-dev2-*, streamlines-dev-eu-* and another app's are not", async () => {
  const cc = emulatorClientConfig(moto.endpoint, region);
  const s3 = new S3Client(cc);
  const ecr = new ECRClient(cc);
  const ddb = new DynamoDBClient(cc);
  const kms = new KMSClient(cc);
  const sm = new SecretsManagerClient(cc);
  const iam = new IAMClient({ ...cc, region: "us-east-1" });
  const logs = new CloudWatchLogsClient(cc);
  const ecs = new ECSClient(cc);
  const ec2 = new EC2Client(cc);
  const kinesis = kinesisJson(
    async () => ({ accessKeyId: EMULATOR_CREDENTIALS.accessKey, secretAccessKey: EMULATOR_CREDENTIALS.secretKey }),
    region,
    moto.endpoint,
  );
  const expected: string[] = [];
  try {
    for (const o of OWNERS) {
      const tags = kv(o.app, o.env);
      const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
      const ids: string[] = [];
      await s3.send(new CreateBucketCommand({ Bucket: `${o.base}-artifacts` }));
      await s3.send(new PutBucketTaggingCommand({ Bucket: `${o.base}-artifacts`, Tagging: { TagSet: list } }));
      ids.push(`${o.base}-artifacts`);
      await ecr.send(new CreateRepositoryCommand({ repositoryName: `${o.base}-ingest`, tags: list }));
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: { digest: "sha256:1", size: 1, mediaType: "application/vnd.docker.container.image.v1+json" },
        layers: [],
      });
      await ecr.send(new PutImageCommand({ repositoryName: `${o.base}-ingest`, imageManifest: manifest, imageTag: "v1" }));
      ids.push(`${o.base}-ingest`, "image");
      await ddb.send(
        new CreateTableCommand({
          TableName: `${o.base}-connections`,
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
          Tags: list,
        }),
      );
      ids.push(`${o.base}-connections`);
      const key = await kms.send(
        new CreateKeyCommand({
          Description: `${o.app} ${o.env}`,
          Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
        }),
      );
      await kms.send(new CreateAliasCommand({ AliasName: `alias/${o.base}`, TargetKeyId: key.KeyMetadata!.KeyId }));
      ids.push(key.KeyMetadata!.KeyId!, `alias/${o.base}`);
      await sm.send(new CreateSecretCommand({ Name: `${o.base}/influx-admin-token`, Tags: list }));
      ids.push(`${o.base}/influx-admin-token`);
      await iam.send(new CreateRoleCommand({ RoleName: `${o.base}-ingest`, AssumeRolePolicyDocument: "{}", Tags: list }));
      ids.push(`${o.base}-ingest`);
      await logs.send(new CreateLogGroupCommand({ logGroupName: `/${o.app}/${o.env}/vpc-flow-logs`, tags }));
      // Made by Lambda itself, untagged: ours only by its exact name.
      await logs.send(new CreateLogGroupCommand({ logGroupName: `/aws/lambda/${o.base}-results-pusher` }));
      ids.push(`/${o.app}/${o.env}/vpc-flow-logs`, `/aws/lambda/${o.base}-results-pusher`);
      await ecs.send(new CreateClusterCommand({ clusterName: o.base, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) }));
      ids.push(o.base);
      await kinesis("CreateStream", { StreamName: `${o.base}-downstream`, ShardCount: 1 });
      await kinesis("AddTagsToStream", { StreamName: `${o.base}-downstream`, Tags: tags });
      ids.push(`${o.base}-downstream`);
      const vol = await ec2.send(
        new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: 1, TagSpecifications: [{ ResourceType: "volume", Tags: list }] }),
      );
      ids.push(vol.VolumeId!);
      if (o.who === "ours") expected.push(...ids);
    }
    // A resource named like ours but carrying no tags of ours is not claimed either.
    await s3.send(new CreateBucketCommand({ Bucket: "streamlines-dev-untagged" }));

    const scope: ResidualScope = {
      app: "streamlines",
      env: "dev",
      region,
      stateBucket: "streamlines-tfstate",
      endpoint: moto.endpoint,
      mode: "app",
    };
    const report = await listResiduals(scope);
    expect(report.errors).toEqual([]);
    const found = report.residuals.map((r) => (r.kind === "image" ? "image" : r.id));
    expect([...found].sort()).toEqual([...expected].sort());
    for (const r of report.residuals) expect(r.id).not.toMatch(/dev2|dev-eu|tickers|untagged/);
  } finally {
    for (const c of [s3, ecr, ddb, kms, sm, iam, logs, ecs, ec2]) c.destroy();
  }
});
