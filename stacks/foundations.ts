import { Construct } from "constructs";
import { TerraformOutput, TerraformResource, TerraformStack } from "cdktf";
import { DataAwsEcrImage } from "@cdktf/provider-aws/lib/data-aws-ecr-image";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { ECR_REPOSITORIES, EcrRepositoryName, IMAGE_SETTINGS, ImageSetting, StreamLinesConfig, imageBuilds } from "../config/schema";
import { StreamLinesStack, reachesAwsOverPlainHttp } from "./base";
import { StreamLinesKey } from "../modules/kms-key";
import { SecureBucket } from "../modules/secure-bucket";
import { ImageRepository } from "../modules/ecr-repository";
import { ConnectionTable } from "../modules/connection-table";
import { DataVolume } from "../modules/data-volume";
import { EmptySecret } from "../modules/secret";
import { ImageBuildHook } from "../modules/image-build";
import { KeepsResources, resourcesUnder } from "./kept";

/** The snapshot schedule belongs to the running app; the snapshots it made stay (residuals count them as kept). */
const NOT_KEPT_TYPES = new Set(["aws_dlm_lifecycle_policy", "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment"]);

export const ARTIFACT_PREFIXES = ["flink/", "lambdas/"] as const;
export const SECRET_PURPOSES = ["influx-admin-token", "influx-read-token", "influx-write-token", "market-data-api"] as const;
export type SecretPurpose = (typeof SECRET_PURPOSES)[number];

/** An image phase 2 runs: `<repository url>:<tag>`, the tag being one that phase 1 guarantees. */
export interface ImageReference {
  readonly repository: ImageRepository;
  readonly tag: string;
  /** True for a tag from config (pushed by the app's CI), false for a hook's content hash. */
  readonly pinned: boolean;
}

/** An image's setting in config (IMAGE_SETTINGS says where each one lives). */
export function imageSettingOf(config: StreamLinesConfig, repository: EcrRepositoryName): ImageSetting | undefined {
  return IMAGE_SETTINGS[repository]?.setting(config);
}

/** One lookup per repository and tag in a stack, however many constructs run the image. */
function pinnedImageLookup(stack: TerraformStack, repositoryName: string, tag: string): DataAwsEcrImage {
  const id = `pinned-image-${repositoryName}-${tag}`;
  return (stack.node.tryFindChild(id) as DataAwsEcrImage | undefined) ?? new DataAwsEcrImage(stack, id, { repositoryName, imageTag: tag });
}

/** What outlives the app: key, artifacts, images, connection table, Influx data, empty secrets. */
export class FoundationsStack extends StreamLinesStack implements KeepsResources {
  readonly key: StreamLinesKey;
  readonly artifacts: SecureBucket;
  readonly repositories: Record<EcrRepositoryName, ImageRepository>;
  readonly connectionTable: ConnectionTable;
  readonly dataVolume: DataVolume;
  readonly secrets: Record<SecretPurpose, EmptySecret>;
  /** One build-and-push hook per image with a build context in config. */
  readonly imageHooks: Partial<Record<EcrRepositoryName, ImageBuildHook>>;

  /**
   * The only way phase-2 stacks name an image: the repository plus the tag phase 1 guarantees,
   * the hook's content hash for a build context, else the pinned tag from config. Synth fails here,
   * with the repository, when config has neither for an image a stack runs.
   *
   * A pinned tag is pushed by someone else, so the consuming stack gets a `data "aws_ecr_image"`
   * for exactly that repository and tag: `terraform plan` (cdktf deploy too) then fails naming
   * both before the stack creates anything that would pull it.
   */
  image(repository: EcrRepositoryName, consumer: Construct): ImageReference {
    const hookTag = this.imageHooks[repository]?.tag;
    const tag = hookTag ?? imageSettingOf(this.config, repository)?.tag;
    if (tag === undefined) throw new Error(`foundations: no image tag or build context in config for the ${repository} repository`);
    if (hookTag === undefined) pinnedImageLookup(TerraformStack.of(consumer), this.name(repository), tag);
    return { repository: this.repositories[repository], tag, pinned: hookTag === undefined };
  }

  /**
   * What a destroy keeps while dataRetention is on: the data (Influx volume or file system, the
   * artifacts bucket with its settings, the connection table) and what makes it usable again: the
   * KMS key that encrypts it and the secrets (the Influx tokens match the kept volume's database).
   */
  keptResources(): TerraformResource[] {
    return resourcesUnder(this.key, this.artifacts, this.connectionTable, this.dataVolume, ...Object.values(this.secrets)).filter(
      (r) => !NOT_KEPT_TYPES.has(r.terraformResourceType),
    );
  }

  constructor(scope: Construct, props: { config: StreamLinesConfig }) {
    super(scope, "foundations", props);
    const c = this.config;

    this.key = new StreamLinesKey(this, "key", {
      alias: `${c.app}-${c.env}`,
      description: `${c.app} ${c.env}: data at rest (buckets, images, tables, volume, secrets, streams, logs)`,
      deletionWindowDays: c.kms.deletionWindowDays,
      region: c.region,
    });

    this.artifacts = new SecureBucket(this, "artifacts", {
      bucketName: c.artifacts.bucketName,
      kmsKeyArn: this.key.arn,
      forceDestroy: !c.dataRetention,
      noncurrentVersionExpirationDays: c.artifacts.noncurrentVersionExpirationDays,
      prefixes: ARTIFACT_PREFIXES,
      denyInsecureTransport: !reachesAwsOverPlainHttp(c),
    });

    this.repositories = Object.fromEntries(
      ECR_REPOSITORIES.map((image) => [
        image,
        new ImageRepository(this, `ecr-${image}`, {
          name: this.name(image),
          kmsKeyArn: this.key.arn,
          keepLastImages: c.ecr.keepLastImages,
          forceDelete: c.ecr.forceDelete,
        }),
      ]),
    ) as Record<EcrRepositoryName, ImageRepository>;

    const builds = imageBuilds(c);
    // The null provider only where a hook exists: pinned-only configs need no second provider.
    if (builds.length > 0) new NullProvider(this, "null");
    this.imageHooks = Object.fromEntries(
      builds.map((b) => [
        b.repository,
        new ImageBuildHook(this, `image-${b.repository}`, {
          repository: this.repositories[b.repository],
          contextDir: b.contextDir,
          dockerfile: b.dockerfile,
          platform: b.platform,
          region: c.region,
        }),
      ]),
    );

    this.connectionTable = new ConnectionTable(this, "connection-table", {
      name: c.connectionTable.name,
      ttlAttribute: c.connectionTable.ttlAttribute,
      kmsKeyArn: this.key.arn,
      deletionProtection: c.dataRetention,
    });

    this.dataVolume = new DataVolume(this, "influx-data", {
      name: this.name("influx-data"),
      kmsKeyArn: this.key.arn,
      retain: c.dataRetention,
      storage: c.influx.storage,
      ebs: { availabilityZone: c.influx.availabilityZone, ...c.influx.ebs },
      snapshots: c.influx.snapshots.enabled
        ? { retainDays: c.influx.snapshots.retainDays, timeUtc: c.influx.snapshots.time, roleName: this.name("influx-snapshots") }
        : undefined,
      efs: c.influx.efs,
      // moto 5.2 has no DeleteFileSystemPolicy; unit tests cover the policy.
      efsFileSystemPolicy: c.emulator === undefined,
    });

    this.secrets = Object.fromEntries(
      SECRET_PURPOSES.map((purpose) => [
        purpose,
        new EmptySecret(this, `secret-${purpose}`, {
          name: `${c.app}-${c.env}/${purpose}`,
          description: `${c.app} ${c.env}: ${purpose.replace(/-/g, " ")}, written by the Influx host or an operator, never by Terraform`,
          kmsKeyArn: this.key.arn,
          recoveryWindowDays: c.secrets.recoveryWindowDays,
        }),
      ]),
    ) as Record<SecretPurpose, EmptySecret>;

    new TerraformOutput(this, "artifacts_bucket", { value: this.artifacts.name });
    new TerraformOutput(this, "kms_key_arn", { value: this.key.arn });
    new TerraformOutput(this, "connection_table", { value: this.connectionTable.name });
    new TerraformOutput(this, "influx_data_volume_id", { value: this.dataVolume.id });
    new TerraformOutput(this, "ecr_repository_urls", {
      value: Object.fromEntries(ECR_REPOSITORIES.map((image) => [image, this.repositories[image].url])),
    });
  }
}
