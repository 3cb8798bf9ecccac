import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../../config/repository";
import { findProviderMirror, runTerraform, terraformInit, writeCliConfig } from "../../scripts/lib/terraform";
import { providerIdentity, VALIDATE_CACHE_SETTING } from "../../scripts/lib/validate-cache";

export type Body = Record<string, unknown>;

export interface ResourceChange {
  readonly address: string;
  readonly change: {
    readonly actions: string[];
    readonly before: Body;
    readonly after: Body;
    readonly after_unknown: Body;
    readonly replace_paths?: unknown;
  };
}

/** Bumped when a cached entry's layout or the key's meaning changes. */
const CACHE_FORMAT = 1;

/**
 * Terraform's real plan of `resources` (by type, then name) against `state`, with the aws provider and no AWS
 * account: -refresh=false calls no AWS API. Returns the plan's resource changes.
 * A plan is a pure function of the root, the state, terraform and the provider binary, so its changes are kept
 * in node_modules/.cache/stream-lines/offline-plan under a hash of all four, like the terraform tier's verdicts
 * (scripts/lib/validate-cache.ts): a repeated npm test does not start the 700 MB provider twice per test for an
 * unchanged input. STREAMLINES_VALIDATE_CACHE=off plans every time.
 */
export async function planOffline(resources: Record<string, Record<string, Body>>, state: unknown): Promise<ResourceChange[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-offline-plan-"));
  try {
    const work = path.join(dir, "work");
    fs.mkdirSync(work);
    const main = {
      terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } },
      provider: {
        aws: [
          {
            region: "eu-central-1",
            access_key: "plan-only",
            secret_key: "plan-only",
            skip_credentials_validation: true,
            skip_requesting_account_id: true,
            skip_metadata_api_check: true,
          },
        ],
      },
      resource: resources,
    };
    fs.writeFileSync(path.join(work, "main.tf.json"), JSON.stringify(main));
    fs.writeFileSync(path.join(work, "terraform.tfstate"), JSON.stringify(state));
    const mirror = findProviderMirror();
    const env = writeCliConfig(path.join(dir, "cli"), mirror);
    const cached = await planCacheFile(env, mirror, main, state);
    if (cached && fs.existsSync(cached)) return JSON.parse(fs.readFileSync(cached, "utf8")) as ResourceChange[];
    const init = await terraformInit(work, env);
    if (init.code !== 0 || init.stderr !== "") throw new Error(`terraform init: exit ${init.code}: ${init.stderr}`);
    const plan = await runTerraform(["plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin"], {
      cwd: work,
      env,
      timeoutMs: 120_000,
    });
    if (plan.code !== 0 || plan.stderr !== "") throw new Error(`terraform plan: exit ${plan.code}: ${plan.stderr}`);
    const show = await runTerraform(["show", "-json", "plan.bin"], { cwd: work, env, timeoutMs: 60_000 });
    const changes = JSON.parse(show.stdout).resource_changes as ResourceChange[];
    if (cached) {
      fs.mkdirSync(path.dirname(cached), { recursive: true });
      fs.writeFileSync(`${cached}.${process.pid}`, JSON.stringify(changes));
      fs.renameSync(`${cached}.${process.pid}`, cached);
    }
    return changes;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Where this plan's changes are kept, or null when the cache is off or terraform gives no version. */
async function planCacheFile(env: NodeJS.ProcessEnv, mirror: string | undefined, main: unknown, state: unknown): Promise<string | null> {
  if (process.env[VALIDATE_CACHE_SETTING] === "off") return null;
  const version = await runTerraform(["version", "-json"], { cwd: repoRoot(), env, timeoutMs: 60_000 });
  if (version.code !== 0) return null;
  const { terraform_version, platform } = JSON.parse(version.stdout) as { terraform_version: string; platform: string };
  const key = createHash("sha256")
    .update(JSON.stringify([CACHE_FORMAT, terraform_version, platform, env.TF_CLI_ARGS ?? "", env.TF_CLI_ARGS_plan ?? ""]))
    .update(providerIdentity(mirror, env))
    .update(JSON.stringify([main, state]))
    .digest("hex");
  return path.join(repoRoot(), "node_modules", ".cache", "stream-lines", "offline-plan", `${key}.json`);
}
