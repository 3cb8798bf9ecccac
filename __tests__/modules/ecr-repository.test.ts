/** ImageRepository alone: immutable, scanned, KMS-encrypted, expiring only hook-built images, and the exact pull grant. */
import { ImageRepository } from "../../modules/ecr-repository";
import { TAG_PREFIX } from "../../modules/image-build/context-hash";
import { KEY_ARN, granted, granteeRole, moduleStack, only, refTo, synth } from "./harness";

function build(grant = false) {
  const stack = moduleStack();
  const repository = new ImageRepository(stack, "repository", {
    name: "app-dev-ingest",
    kmsKeyArn: KEY_ARN,
    keepLastImages: 10,
    forceDelete: false,
  });
  if (grant) repository.grantPull(granteeRole(stack));
  return synth(stack);
}

test("immutable tags, scan on push, encrypted with the key, kept on destroy unless asked", () => {
  expect(only(build(), "aws_ecr_repository")).toEqual({
    name: "app-dev-ingest",
    image_tag_mutability: "IMMUTABLE",
    image_scanning_configuration: { scan_on_push: true },
    encryption_configuration: [{ encryption_type: "KMS", kms_key: KEY_ARN }],
    force_delete: false,
  });
});

test("the lifecycle expires only hook-built tags and untagged images beyond the last N", () => {
  const json = build();
  const lifecycle = only(json, "aws_ecr_lifecycle_policy");
  expect(lifecycle.repository).toBe(refTo(json, "aws_ecr_repository", "name"));
  expect(JSON.parse(String(lifecycle.policy)).rules.map((r: { selection: unknown }) => r.selection)).toEqual([
    { tagStatus: "tagged", tagPrefixList: [TAG_PREFIX], countType: "imageCountMoreThan", countNumber: 10 },
    { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 10 },
  ]);
});

test("pull: layer and image reads on this repository; the token call on * (it has no resource type)", () => {
  const json = build(true);
  expect(granted(json)).toEqual([
    {
      actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      effect: "Allow",
      resources: [refTo(json, "aws_ecr_repository", "arn")],
    },
    { actions: ["ecr:GetAuthorizationToken"], effect: "Allow", resources: ["*"] },
  ]);
});
