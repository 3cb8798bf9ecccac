import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findProviderMirror, runTerraform, terraformInit, writeCliConfig } from "../../scripts/lib/terraform";

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

/**
 * Terraform's real plan of `resources` (by type, then name) against `state`, with the aws provider and no AWS
 * account: -refresh=false calls no AWS API. Returns the plan's resource changes.
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
    const env = writeCliConfig(path.join(dir, "cli"), findProviderMirror());
    const init = await terraformInit(work, env);
    if (init.code !== 0 || init.stderr !== "") throw new Error(`terraform init: exit ${init.code}: ${init.stderr}`);
    const plan = await runTerraform(["plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin"], {
      cwd: work,
      env,
      timeoutMs: 120_000,
    });
    if (plan.code !== 0 || plan.stderr !== "") throw new Error(`terraform plan: exit ${plan.code}: ${plan.stderr}`);
    const show = await runTerraform(["show", "-json", "plan.bin"], { cwd: work, env, timeoutMs: 60_000 });
    return JSON.parse(show.stdout).resource_changes as ResourceChange[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
