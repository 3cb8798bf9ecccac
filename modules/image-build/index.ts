import { Construct } from "constructs";
import { TerraformResource } from "cdktf";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { repoPath } from "../../config/repository";
import { contextDigest } from "./context-hash";

export * from "./context-hash";

/** The hook script, relative to the repository root: tsc does not copy it into dist/. */
export const BUILD_SCRIPT = "modules/image-build/build-and-push.sh";

/** The environment the script reads (its contract is at the top of the script); DOCKERFILE is optional. */
export const BUILD_SCRIPT_ENV = ["REPOSITORY_URL", "IMAGE_TAG", "PLATFORM", "CONTEXT_DIR", "DOCKERFILE", "AWS_REGION"] as const;
export type BuildScriptEnv = Record<(typeof BUILD_SCRIPT_ENV)[number], string>;

export interface ImageBuildHookProps {
  /** The ECR repository the image goes to; the hook runs after it exists. */
  readonly repository: { readonly url: string; readonly resource: TerraformResource };
  /** Absolute path of the build context. */
  readonly contextDir: string;
  /** Absolute Dockerfile path; default `Dockerfile` in the context. */
  readonly dockerfile?: string;
  /** `os/arch`, e.g. `linux/arm64`. */
  readonly platform: string;
  /** Region of the registry. */
  readonly region: string;
}

/**
 * A `null_resource` that builds and pushes one image during the foundations apply. Its trigger
 * and the image tag are the build context's content hash (computed here, at synth time), so an
 * unchanged context never rebuilds and a changed one pushes a new immutable tag.
 */
export class ImageBuildHook extends Construct {
  /** `ctx-<16 hex>`: the tag phase 2 runs. */
  readonly tag: string;
  /** Full sha256 of the context. */
  readonly hash: string;
  /** The environment the script gets; no secret: the script logs in through a pipe. */
  readonly environment: Readonly<Partial<BuildScriptEnv>>;
  readonly resource: NullResource;

  constructor(scope: Construct, id: string, props: ImageBuildHookProps) {
    super(scope, id);
    const digest = contextDigest({ contextDir: props.contextDir, dockerfile: props.dockerfile, platform: props.platform });
    this.tag = digest.tag;
    this.hash = digest.hash;
    this.environment = {
      REPOSITORY_URL: props.repository.url,
      IMAGE_TAG: digest.tag,
      PLATFORM: props.platform,
      CONTEXT_DIR: props.contextDir,
      ...(props.dockerfile !== undefined && { DOCKERFILE: props.dockerfile }),
      AWS_REGION: props.region,
    };
    this.resource = new NullResource(this, "hook", {
      triggers: { content_hash: digest.tag },
      dependsOn: [props.repository.resource],
      provisioners: [{ type: "local-exec", command: shellQuote(repoPath(BUILD_SCRIPT)), environment: { ...this.environment } }],
    });
    // A recreated repository is empty: push again even though the context did not change. Set as a bare
    // address: cdktf renders replaceTriggeredBy as "${...}", which terraform init refuses (terraform-cdk#3645).
    const repository = props.repository.resource;
    this.resource.addOverride("lifecycle.replace_triggered_by", [`${repository.terraformResourceType}.${repository.friendlyUniqueId}`]);
  }
}

/** One shell word for `/bin/sh -c`, which local-exec runs: a checkout path may hold spaces or quotes. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
