/**
 * Checks of what phase 2 needs from outside Terraform: the operator's secrets and the pinned
 * images. Doctor shows them; deploy runs them before phase 2 and stops on a FAIL.
 */
import { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { EcrRepositoryName, IMAGE_SETTINGS, StreamLinesConfig } from "../../config/schema";
import { awsClientConfig } from "./emulator";
import { missingOperatorSettings } from "./operator-settings";
import { OPERATOR_SECRETS, SECRETS, SECRET_SET_COMMAND, secretName, secretState, secretsClient } from "./secrets";

export type Status = "ok" | "WARN" | "FAIL";
export interface CheckResult {
  readonly name: string;
  readonly status: Status;
  readonly detail: string;
  /** How to fix it; shown for WARN and FAIL. */
  readonly fix?: string;
}

/** A check of the env against what phase 2 needs; one result per thing checked. */
export type Phase2Check = (config: StreamLinesConfig) => Promise<CheckResult[]>;

const firstLine = (s: string) =>
  s
    .split("\n")
    .find((l) => l.trim())
    ?.trim() ?? "";

/**
 * Secrets only an operator can give: FAIL when the secret exists without a value (phase 1 made
 * it), WARN when it does not exist yet (phase 1 makes it, the deploy then stops until it is set).
 */
export async function checkOperatorSecrets(config: StreamLinesConfig): Promise<CheckResult[]> {
  const sm = secretsClient(config);
  try {
    return await Promise.all(
      OPERATOR_SECRETS.map(async (purpose): Promise<CheckResult> => {
        const name = `secret ${purpose}`;
        const id = secretName(config, purpose);
        const fix = `${SECRET_SET_COMMAND(purpose)}  (stdin: ${SECRETS[purpose].format ?? "the value"})`;
        try {
          const s = await secretState(sm, id);
          if (s.state === "value") return { name, status: "ok", detail: `${id} has a value (read by ${SECRETS[purpose].readers})` };
          if (s.state === "empty")
            return { name, status: "FAIL", detail: `${id} has no value; ${SECRETS[purpose].readers} cannot start without it`, fix };
          return {
            name,
            status: "WARN",
            detail: `${id} does not exist yet: phase 1 creates it, then deploy stops before phase 2 until it has a value`,
            fix: `after phase 1: ${fix}`,
          };
        } catch (err) {
          return {
            name,
            status: "FAIL",
            detail: `${id}: DescribeSecret ${(err as Error).name}: ${firstLine((err as Error).message)}`,
            fix: "check credentials (npm run doctor)",
          };
        }
      }),
    );
  } finally {
    sm.destroy();
  }
}

/** A pinned image the profile runs: repository name and tag. */
export interface PinnedImage {
  readonly repository: EcrRepositoryName;
  readonly repositoryName: string;
  readonly tag: string;
  /** The config key that pins it. */
  readonly key: string;
}

export function pinnedImages(config: StreamLinesConfig): PinnedImage[] {
  return (Object.entries(IMAGE_SETTINGS) as Array<[EcrRepositoryName, NonNullable<(typeof IMAGE_SETTINGS)[EcrRepositoryName]>]>).flatMap(
    ([repository, location]) => {
      const tag = location.setting(config)?.tag;
      if (tag === undefined || location.requiredFor(config) === undefined) return [];
      return [{ repository, repositoryName: `${config.app}-${config.env}-${repository}`, tag, key: `${location.key}.tag` }];
    },
  );
}

/** The commands that push a locally built image to its pinned tag. */
export function pushCommand(registry: string, image: PinnedImage, region: string): string {
  const uri = `${registry}/${image.repositoryName}:${image.tag}`;
  return `aws ecr get-login-password --region ${region} | docker login --username AWS --password-stdin ${registry} && docker tag <the app's ${image.repository} image> ${uri} && docker push ${uri}  (or set ${image.key.replace(/\.tag$/, ".buildContext")} to build it here)`;
}

/**
 * Pinned tags are pushed by the app's own CI: FAIL when the repository exists without the tag,
 * WARN when the repository does not exist yet (phase 1 makes it).
 */
export async function checkPinnedImages(config: StreamLinesConfig): Promise<CheckResult[]> {
  const images = pinnedImages(config);
  if (images.length === 0) return [];
  const ecr = new ECRClient(awsClientConfig(config));
  const sts = new STSClient(awsClientConfig(config));
  try {
    let registry = `<account>.dkr.ecr.${config.region}.amazonaws.com`;
    try {
      registry = `${(await sts.send(new GetCallerIdentityCommand({}))).Account}.dkr.ecr.${config.region}.amazonaws.com`;
    } catch {
      // The credentials check says why; the push command keeps the placeholder.
    }
    return await Promise.all(
      images.map(async (image): Promise<CheckResult> => {
        const name = `image ${image.repository}`;
        const ref = `${image.repositoryName}:${image.tag}`;
        try {
          await ecr.send(new DescribeImagesCommand({ repositoryName: image.repositoryName, imageIds: [{ imageTag: image.tag }] }));
          return { name, status: "ok", detail: `${ref} is in ECR (pinned by ${image.key})` };
        } catch (err) {
          const e = err as Error;
          const fix = pushCommand(registry, image, config.region);
          if (e.name === "ImageNotFoundException")
            return {
              name,
              status: "FAIL",
              detail: `${ref} is not in ECR (pinned by ${image.key}); phase 2 would fail its plan on it`,
              fix,
            };
          if (e.name === "RepositoryNotFoundException")
            return {
              name,
              status: "WARN",
              detail: `${ref}: the repository does not exist yet; phase 1 creates it, push the tag before phase 2`,
              fix: `after phase 1: ${fix}`,
            };
          return {
            name,
            status: "FAIL",
            detail: `${ref}: DescribeImages ${e.name}: ${firstLine(e.message)}`,
            fix: "check credentials (npm run doctor)",
          };
        }
      }),
    );
  } finally {
    ecr.destroy();
    sts.destroy();
  }
}

/** Settings only the operator can give (the app contract's `operator` variables), read from the config alone. */
export async function checkOperatorSettings(config: StreamLinesConfig): Promise<CheckResult[]> {
  const missing = missingOperatorSettings(config);
  if (missing.length === 0)
    return [{ name: "operator settings", status: "ok", detail: "every setting the app needs from the operator is in the config" }];
  return missing.map((m) => ({ name: "operator settings", status: "FAIL", detail: m.problem, fix: m.fix }));
}

/** The phase-2 checks that need no AWS call: doctor runs them even without credentials. */
export const OFFLINE_PHASE2_CHECKS: readonly Phase2Check[] = [checkOperatorSettings];

/** What deploy checks before phase 2 (and doctor shows); a FAIL stops the deploy before phase 2 applies anything. */
export const PHASE2_CHECKS: readonly Phase2Check[] = [...OFFLINE_PHASE2_CHECKS, checkOperatorSecrets, checkPinnedImages];

export async function runPhase2Checks(config: StreamLinesConfig, checks: readonly Phase2Check[] = PHASE2_CHECKS): Promise<CheckResult[]> {
  return (await Promise.all(checks.map((c) => c(config)))).flat();
}
