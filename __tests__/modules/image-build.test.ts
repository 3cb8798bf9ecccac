/** ImageBuildHook alone: one null_resource whose trigger is the context's tag, after the repository, again for a new repository. */
import { ImageBuildHook, BUILD_SCRIPT, shellQuote } from "../../modules/image-build";
import { contextDigest } from "../../modules/image-build/context-hash";
import { ImageRepository } from "../../modules/ecr-repository";
import { GRAFANA_BUILD_CONTEXT } from "../../modules/grafana";
import { repoPath } from "../../config/repository";
import { KEY_ARN, moduleStack, only, refTo, resolved, synth } from "./harness";

function build(dockerfile?: string) {
  const stack = moduleStack();
  const repository = new ImageRepository(stack, "repository", {
    name: "app-dev-grafana",
    kmsKeyArn: KEY_ARN,
    keepLastImages: 5,
    forceDelete: true,
  });
  const hook = new ImageBuildHook(stack, "image", {
    repository,
    contextDir: GRAFANA_BUILD_CONTEXT,
    dockerfile,
    platform: "linux/arm64",
    region: "eu-central-1",
  });
  return { json: synth(stack), hook, stack };
}

test("triggered by the context's tag, after the repository, running the build script", () => {
  const { json, hook, stack } = build();
  const digest = contextDigest({ contextDir: GRAFANA_BUILD_CONTEXT, platform: "linux/arm64" });
  expect(hook.tag).toBe(digest.tag);
  expect(hook.hash).toBe(digest.hash);
  const repository = json.resource!.aws_ecr_repository;
  const repositoryAddress = `aws_ecr_repository.${Object.keys(repository)[0]}`;
  const { lifecycle, ...hookBody } = only(json, "null_resource");
  expect(lifecycle).toHaveProperty("replace_triggered_by");
  expect(hookBody).toEqual({
    triggers: { content_hash: digest.tag },
    depends_on: [repositoryAddress],
    provisioner: [
      {
        "local-exec": {
          command: shellQuote(repoPath(BUILD_SCRIPT)),
          environment: {
            REPOSITORY_URL: refTo(json, "aws_ecr_repository", "repository_url"),
            IMAGE_TAG: digest.tag,
            PLATFORM: "linux/arm64",
            CONTEXT_DIR: GRAFANA_BUILD_CONTEXT,
            AWS_REGION: "eu-central-1",
          },
        },
      },
    ],
  });
  expect(resolved(stack, hook.environment.REPOSITORY_URL)).toBe(refTo(json, "aws_ecr_repository", "repository_url"));
});

test("a recreated repository replaces the hook: replace_triggered_by is a bare address Terraform accepts", () => {
  const { json } = build();
  const repositoryAddress = `aws_ecr_repository.${Object.keys(json.resource!.aws_ecr_repository)[0]}`;
  expect(only(json, "null_resource").lifecycle).toEqual({ replace_triggered_by: [repositoryAddress] });
});

test("a Dockerfile outside the context is passed to the script and counts in the tag", () => {
  const dockerfile = `${GRAFANA_BUILD_CONTEXT}/Dockerfile`;
  const { hook } = build(dockerfile);
  expect(hook.environment.DOCKERFILE).toBe(dockerfile);
  expect(hook.tag).toBe(contextDigest({ contextDir: GRAFANA_BUILD_CONTEXT, dockerfile, platform: "linux/arm64" }).tag);
});
