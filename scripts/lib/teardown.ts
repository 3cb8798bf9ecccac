/**
 * What would stop `terraform destroy` half way, cleared with the AWS SDK first: non-empty buckets
 * without force_destroy, ECR repositories holding images without force_delete, deletion protection
 * the operator confirmed lifting, and the network interfaces Lambda leaves in a VPC for a while
 * after its functions are gone.
 */
import { S3Client, DeleteObjectsCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { ECRClient, BatchDeleteImageCommand, ListImagesCommand } from "@aws-sdk/client-ecr";
import { DynamoDBClient, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import { EC2Client, DeleteNetworkInterfaceCommand, DescribeNetworkInterfacesCommand } from "@aws-sdk/client-ec2";
import { StreamLinesConfig } from "../../config/schema";
import { emulatorClientConfig } from "./emulator";
import { StateResource } from "./kept";

const clientConfig = (config: StreamLinesConfig) =>
  config.emulator ? emulatorClientConfig(config.emulator.endpoint, config.region) : { region: config.region };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deletes every object version and delete marker; returns how many went. */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<number> {
  let deleted = 0;
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((o) => ({ Key: o.Key!, VersionId: o.VersionId }));
    // 1000 is DeleteObjects' limit, and ListObjectVersions pages at most that many of each kind.
    for (let i = 0; i < objects.length; i += 1000) {
      const chunk = objects.slice(i, i + 1000);
      const out = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk, Quiet: true } }));
      if (out.Errors?.length)
        throw new Error(`cannot empty bucket ${bucket}: ${out.Errors[0].Code} ${out.Errors[0].Message} (${out.Errors[0].Key})`);
      deleted += chunk.length;
    }
    if (!page.IsTruncated) return deleted;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

export async function deleteAllImages(ecr: ECRClient, repositoryName: string): Promise<number> {
  let deleted = 0;
  let nextToken: string | undefined;
  do {
    const page = await ecr.send(new ListImagesCommand({ repositoryName, nextToken, maxResults: 100 }));
    const ids = page.imageIds ?? [];
    if (ids.length > 0) {
      const out = await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: ids }));
      deleted += out.imageIds?.length ?? 0;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return deleted;
}

export interface PrepareOptions {
  /** Retention off and confirmed: lift deletion protection from what is still in the state. */
  readonly deleteData: boolean;
  readonly say: (line: string) => void;
}

/**
 * Clears what blocks the destroy of a stack whose state holds `resources`. Only what is still in the
 * state is touched: kept resources have left it before this runs.
 */
export async function clearDeletionBlockers(
  config: StreamLinesConfig,
  stack: string,
  resources: readonly StateResource[],
  opts: PrepareOptions,
): Promise<void> {
  const cfg = clientConfig(config);
  const s3 = new S3Client(cfg);
  const ecr = new ECRClient(cfg);
  const ddb = new DynamoDBClient(cfg);
  try {
    for (const r of resources) {
      const v = r.values;
      if (r.type === "aws_s3_bucket" && v.force_destroy !== true) {
        const n = await emptyBucket(s3, String(v.bucket));
        if (n > 0)
          opts.say(`destroy: ${stack}: emptied bucket ${v.bucket} (${n} object version(s)); it is not kept, so its objects go with it`);
      } else if (r.type === "aws_ecr_repository" && v.force_delete !== true) {
        const n = await deleteAllImages(ecr, String(v.name));
        // Images are rebuilt by the hooks from their context, or pushed again by whoever pinned the tag.
        if (n > 0) opts.say(`destroy: ${stack}: deleted ${n} image(s) from ${v.name}`);
      } else if (r.type === "aws_dynamodb_table" && v.deletion_protection_enabled === true && opts.deleteData) {
        await ddb.send(new UpdateTableCommand({ TableName: String(v.name), DeletionProtectionEnabled: false }));
        opts.say(`destroy: ${stack}: deletion protection lifted from table ${v.name} (dataRetention off, confirmed)`);
      }
    }
  } finally {
    for (const c of [s3, ecr, ddb]) c.destroy();
  }
}

/** VPC ids in a stack's state: where Lambda's interfaces can linger. */
export function vpcIdsOf(resources: readonly StateResource[]): string[] {
  return resources.filter((r) => r.type === "aws_vpc").map((r) => String(r.values.id));
}

/** Names of the Lambda functions in a stack's state: the only ones whose interfaces destroy may delete. */
export function lambdaNamesOf(resources: readonly StateResource[]): string[] {
  return resources.filter((r) => r.type === "aws_lambda_function").map((r) => String(r.values.function_name));
}

/**
 * Lambda describes each interface it makes as `AWS Lambda VPC ENI-<function name>-<uuid>`; the
 * exact name and the uuid after it keep `<name>-x`, another function, out. A description in any
 * other form is left alone: destroy then stops, naming the interface, rather than guess.
 */
export function isLambdaInterfaceOf(description: string | undefined, functionNames: readonly string[]): boolean {
  const m = /^AWS Lambda VPC ENI-(.+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.exec(description ?? "");
  return !!m && functionNames.includes(m[1]);
}

/**
 * Deletes the network interfaces Lambda created in `vpcIds` for `functionNames` (both from this
 * stack's state) once AWS has detached them (it takes minutes after the functions are gone),
 * waiting at most `timeoutMs`. Returns how many are left.
 */
export async function deleteLambdaInterfaces(
  config: StreamLinesConfig,
  vpcIds: readonly string[],
  functionNames: readonly string[],
  say: (l: string) => void,
  timeoutMs = 20 * 60_000,
  pollMs = 15_000,
): Promise<number> {
  if (vpcIds.length === 0 || functionNames.length === 0) return 0;
  const ec2 = new EC2Client(clientConfig(config));
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const found = (
        (
          await ec2.send(
            new DescribeNetworkInterfacesCommand({
              Filters: [
                { Name: "vpc-id", Values: [...vpcIds] },
                { Name: "description", Values: ["AWS Lambda VPC ENI*"] },
              ],
            }),
          )
        ).NetworkInterfaces ?? []
      ).filter((n) => isLambdaInterfaceOf(n.Description, functionNames));
      for (const eni of found.filter((n) => n.Status === "available")) {
        await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId }));
        say(`destroy: deleted Lambda network interface ${eni.NetworkInterfaceId} in ${eni.VpcId}`);
      }
      const inUse = found.filter((n) => n.Status !== "available");
      if (inUse.length === 0) return 0;
      if (Date.now() + pollMs > deadline) return inUse.length;
      say(
        `destroy: waiting for AWS to release ${inUse.length} Lambda network interface(s) (${inUse.map((n) => n.NetworkInterfaceId).join(", ")})`,
      );
      await sleep(pollMs);
    }
  } finally {
    ec2.destroy();
  }
}
