import { Construct } from "constructs";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { Grantable } from "../iam-role";
import { TAG_PREFIX } from "../image-build/context-hash";

export interface ImageRepositoryProps {
  /** `<app>-<env>-<image>`. */
  readonly name: string;
  readonly kmsKeyArn: string;
  /** Hook-built (`ctx-*`) images kept, and untagged ones; older ones expire. Pinned tags never expire. */
  readonly keepLastImages: number;
  /** Let destroy delete a repository that still holds images. */
  readonly forceDelete: boolean;
}

/** An ECR repository with immutable tags, scan on push, KMS encryption and a lifecycle policy. */
export class ImageRepository extends Construct {
  readonly arn: string;
  readonly name: string;
  readonly url: string;
  /** The repository itself, for `depends_on` (the image hooks). */
  readonly resource: EcrRepository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    const repo = new EcrRepository(this, "repository", {
      name: props.name,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: props.kmsKeyArn }],
      forceDelete: props.forceDelete,
    });
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: repo.name,
      policy: JSON.stringify({
        // Only images the hooks push, and untagged ones: a tag the config pins may still run when
        // the schedule restarts its tasks, and an expired one would no longer pull.
        rules: [
          {
            rulePriority: 1,
            description: `keep the last ${props.keepLastImages} hook-built images`,
            selection: {
              tagStatus: "tagged",
              tagPrefixList: [TAG_PREFIX],
              countType: "imageCountMoreThan",
              countNumber: props.keepLastImages,
            },
            action: { type: "expire" },
          },
          {
            rulePriority: 2,
            description: `keep the last ${props.keepLastImages} untagged images`,
            selection: { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: props.keepLastImages },
            action: { type: "expire" },
          },
        ],
      }),
    });
    this.arn = repo.arn;
    this.name = repo.name;
    this.url = repo.repositoryUrl;
    this.resource = repo;
  }

  /** Pull this repository's images (ECS execution role, hosts). GetAuthorizationToken has no resource scope. */
  grantPull(grantee: Grantable): void {
    grantee.addToPolicy({
      actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      resources: [this.arn],
    });
    // AWS defines no resource for GetAuthorizationToken; "*" is the only accepted value.
    grantee.addToPolicy({ actions: ["ecr:GetAuthorizationToken"], resources: ["*"] });
  }
}
