export * from "./context-hash";

/** The hook script, relative to the repository root: tsc does not copy it into dist/. */
export const BUILD_SCRIPT = "modules/image-build/build-and-push.sh";

/** The environment the script reads (its contract is at the top of the script); DOCKERFILE is optional. */
export const BUILD_SCRIPT_ENV = ["REPOSITORY_URL", "IMAGE_TAG", "PLATFORM", "CONTEXT_DIR", "DOCKERFILE", "AWS_REGION"] as const;
export type BuildScriptEnv = Record<(typeof BUILD_SCRIPT_ENV)[number], string>;
