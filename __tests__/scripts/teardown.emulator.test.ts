import * as fs from "fs";
import * as path from "path";
import {
  CreateBucketCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  DeleteObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateNetworkInterfaceCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { parseConfig } from "../../config/load";
import { StreamLinesConfig } from "../../config/schema";
import { Emulator, emulatorClientConfig, startMoto } from "../../scripts/lib/emulator";
import { deleteKeptRecord, keptRecordUrl, readKeptRecord, writeKeptRecord } from "../../scripts/lib/kept";
import { checkStatesBelong, openStateBucket } from "../../scripts/lib/state-bucket";
import { stateKey } from "../../stacks/base";
import { StateResource } from "../../scripts/lib/kept";
import { clearDeletionBlockers, deleteLambdaInterfaces, lambdaNamesOf, vpcIdsOf } from "../../scripts/lib/teardown";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

let moto: Emulator;
let config: StreamLinesConfig;
let s3: S3Client;
let ecr: ECRClient;
let ddb: DynamoDBClient;
let ec2: EC2Client;

beforeAll(async () => {
  moto = await startMoto();
  const file = path.join(__dirname, "..", "..", "config", "acceptance.json");
  config = parseConfig(JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), emulator: { endpoint: moto.endpoint } }), file);
  const cc = emulatorClientConfig(moto.endpoint, config.region);
  s3 = new S3Client(cc);
  ecr = new ECRClient(cc);
  ddb = new DynamoDBClient(cc);
  ec2 = new EC2Client(cc);
});
afterAll(async () => {
  for (const c of [s3, ecr, ddb, ec2]) c?.destroy();
  await moto?.stop();
});

const resource = (type: string, values: Record<string, unknown>): StateResource => ({
  address: `${type}.x`,
  mode: "managed",
  type,
  values,
});

test("the kept-resources record round-trips through the state bucket with its scope, another env's refuses it, and it is gone after delete", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: config.state.bucket }));
  const bucket = await openStateBucket(config);
  try {
    expect(keptRecordUrl(config)).toBe(
      `s3://${config.state.bucket}/${config.state.prefix}/${config.app}/${config.env}/${config.region}/kept-resources.json`,
    );
    expect(await readKeptRecord(bucket, config)).toBeUndefined();
    const record = {
      recordedAt: "2026-11-23T00:00:00.000Z",
      resources: [{ stack: "foundations", address: "aws_ebs_volume.v", type: "aws_ebs_volume", importId: "vol-1" }],
    };
    await writeKeptRecord(bucket, config, record);
    expect(await readKeptRecord(bucket, config)).toEqual({ ...record, scope: { app: config.app, env: config.env, region: config.region } });
    // The same record read under another region's config: a different key, so nothing to adopt.
    expect(await readKeptRecord(bucket, { ...config, region: "eu-west-1" })).toBeUndefined();
    await deleteKeptRecord(bucket, config);
    expect(await readKeptRecord(bucket, config)).toBeUndefined();
  } finally {
    bucket.close();
  }
});

test("a state of another env at this env's key stops deploy and destroy before anything runs; this env's own passes", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: config.state.bucket })).catch(() => undefined);
  const bucket = await openStateBucket(config);
  const state = (env: string) =>
    JSON.stringify({
      version: 4,
      resources: [
        {
          mode: "managed",
          type: "aws_vpc",
          name: "v",
          provider: 'provider["registry.terraform.io/hashicorp/aws"]',
          instances: [{ attributes: { tags_all: { app: config.app, env } } }],
        },
      ],
    });
  try {
    await s3.send(new PutObjectCommand({ Bucket: config.state.bucket, Key: stateKey(config, "core"), Body: state(config.env) }));
    expect(await checkStatesBelong(bucket, config, ["foundations", "core"])).toBeUndefined();
    await s3.send(new PutObjectCommand({ Bucket: config.state.bucket, Key: stateKey(config, "core"), Body: state(`${config.env}2`) }));
    expect(await checkStatesBelong(bucket, config, ["foundations", "core"])).toBe(
      `state s3://${config.state.bucket}/${stateKey(config, "core")} is not ${config.app}-${config.env} in ${config.region}'s: aws_vpc.v is tagged env=${config.env}2, this config's env is ${config.env}; refusing (help/state.md, "Whose state is this?")`,
    );
  } finally {
    await s3.send(new DeleteObjectCommand({ Bucket: config.state.bucket, Key: stateKey(config, "core") }));
    bucket.close();
  }
});

test("blockers: a versioned bucket without force_destroy is emptied, a repo without force_delete loses its images, a force_destroy bucket is left to Terraform", async () => {
  const said: string[] = [];
  await s3.send(new CreateBucketCommand({ Bucket: "teardown-plain" }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: "teardown-plain", VersioningConfiguration: { Status: "Enabled" } }));
  for (const body of ["v1", "v2"]) await s3.send(new PutObjectCommand({ Bucket: "teardown-plain", Key: "a.txt", Body: body }));
  await s3.send(new DeleteObjectCommand({ Bucket: "teardown-plain", Key: "a.txt" }));
  await s3.send(new CreateBucketCommand({ Bucket: "teardown-forced" }));
  await s3.send(new PutObjectCommand({ Bucket: "teardown-forced", Key: "b.txt", Body: "b" }));
  await ecr.send(new CreateRepositoryCommand({ repositoryName: "teardown-repo" }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { digest: "sha256:1", size: 1, mediaType: "application/vnd.docker.container.image.v1+json" },
    layers: [],
  });
  await ecr.send(new PutImageCommand({ repositoryName: "teardown-repo", imageManifest: manifest, imageTag: "ctx-0123456789abcdef" }));

  await clearDeletionBlockers(
    config,
    "foundations",
    [
      resource("aws_s3_bucket", { bucket: "teardown-plain", force_destroy: false }),
      resource("aws_s3_bucket", { bucket: "teardown-forced", force_destroy: true }),
      resource("aws_ecr_repository", { name: "teardown-repo", force_delete: false }),
    ],
    { deleteData: false, say: (l) => said.push(l) },
  );
  const left = await s3.send(new ListObjectVersionsCommand({ Bucket: "teardown-plain" }));
  expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])]).toEqual([]);
  expect((await s3.send(new ListObjectVersionsCommand({ Bucket: "teardown-forced" }))).Versions).toHaveLength(1);
  expect((await ecr.send(new DescribeImagesCommand({ repositoryName: "teardown-repo" }))).imageDetails).toEqual([]);
  expect(said).toEqual([
    "destroy: foundations: emptied bucket teardown-plain (3 object version(s)); it is not kept, so its objects go with it",
    "destroy: foundations: deleted 1 image(s) from teardown-repo",
  ]);
});

test("table deletion protection is lifted only with deleteData (retention off, confirmed)", async () => {
  await ddb.send(
    new CreateTableCommand({
      TableName: "teardown-table",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      DeletionProtectionEnabled: true,
    }),
  );
  const table = [resource("aws_dynamodb_table", { name: "teardown-table", deletion_protection_enabled: true })];
  const protectedNow = async () =>
    (await ddb.send(new DescribeTableCommand({ TableName: "teardown-table" }))).Table?.DeletionProtectionEnabled;
  await clearDeletionBlockers(config, "foundations", table, { deleteData: false, say: () => undefined });
  expect(await protectedNow()).toBe(true);
  await clearDeletionBlockers(config, "foundations", table, { deleteData: true, say: () => undefined });
  expect(await protectedNow()).toBe(false);
});

test("Lambda's detached interfaces of our functions in our VPC are deleted; other functions' and other interfaces stay", async () => {
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.99.0.0/16" }))).Vpc!.VpcId!;
  const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: "10.99.1.0/24" }))).Subnet!.SubnetId!;
  const eni = async (Description: string) =>
    (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, Description }))).NetworkInterface!.NetworkInterfaceId!;
  const uuid = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
  const lambda = await eni(`AWS Lambda VPC ENI-streamlines-acc-results-pusher-${uuid}`);
  // Look-alikes: another function whose name only starts like ours, another env's function, and no Lambda at all.
  const longer = await eni(`AWS Lambda VPC ENI-streamlines-acc-results-pusher-v2-${uuid}`);
  const otherEnv = await eni(`AWS Lambda VPC ENI-streamlines-acc2-results-pusher-${uuid}`);
  const other = await eni("someone else's");
  const said: string[] = [];
  const state = [
    resource("aws_vpc", { id: vpc }),
    resource("aws_subnet", { id: subnet }),
    resource("aws_lambda_function", { function_name: "streamlines-acc-results-pusher" }),
  ];
  expect(vpcIdsOf(state)).toEqual([vpc]);
  expect(lambdaNamesOf(state)).toEqual(["streamlines-acc-results-pusher"]);
  expect(await deleteLambdaInterfaces(config, vpcIdsOf(state), lambdaNamesOf(state), (l) => said.push(l), 1000, 10)).toBe(0);
  const left = (
    await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "vpc-id", Values: [vpc] }] }))
  ).NetworkInterfaces!.map((n) => n.NetworkInterfaceId);
  expect(left.sort()).toEqual([longer, otherEnv, other].sort());
  expect(said).toEqual([`destroy: deleted Lambda network interface ${lambda} in ${vpc}`]);
  expect(await deleteLambdaInterfaces(config, [], ["x"], () => undefined)).toBe(0);
  expect(await deleteLambdaInterfaces(config, [vpc], [], () => undefined)).toBe(0);
});
