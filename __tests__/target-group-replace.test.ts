/**
 * A port change replaces a target group (port is ForceNew). Terraform plans it for real here, offline:
 * state as if the dev config had been applied, then the dev config with another dashboard port.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findProviderMirror, runTerraform, terraformInit, writeCliConfig } from "../scripts/lib/terraform";
import { configWith, synthAll } from "./helpers/synth";

type Body = Record<string, unknown>;
const VPC = "vpc-0123456789abcdef0";

/** The core stack's target groups, by Name tag, with references made literal (no other resource is planned). */
function targetGroups(dashboardPort?: number): Record<string, Body> {
  const config = configWith("dev", dashboardPort === undefined ? {} : { services: { dashboard: { port: dashboardPort } } });
  const groups = synthAll(config).stacks.core.resource?.aws_lb_target_group ?? {};
  return Object.fromEntries(
    Object.values(groups).map((g) => {
      const body = JSON.parse(JSON.stringify(g).replace(/\$\{aws_vpc\.[^}]+\.id\}/g, VPC)) as Body;
      return [(body.tags as Record<string, string>).Name, body];
    }),
  );
}

/** Terraform state v4 holding `groups` as created: AWS named each from its prefix. */
function stateOf(groups: Record<string, Body>): unknown {
  return {
    version: 4,
    terraform_version: "1.11.0",
    serial: 1,
    lineage: "7c0b8f4e-0000-4000-8000-000000000000",
    outputs: {},
    resources: Object.entries(groups).map(([name, body], i) => {
      // Meta-arguments are not attributes; state keeps a nested block as a list of one.
      const attributes = Object.fromEntries(
        Object.entries(body)
          .filter(([k]) => k !== "lifecycle" && k !== "//")
          .map(([k, v]) => [k, k !== "tags" && v !== null && typeof v === "object" && !Array.isArray(v) ? [v] : v]),
      );
      const awsName = `${body.name_prefix}${"0".repeat(25)}${i}`;
      const arn = `arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/${awsName}/0123456789abcdef`;
      return {
        mode: "managed",
        type: "aws_lb_target_group",
        name: name.replace(/[^A-Za-z0-9]/g, "_"),
        provider: 'provider["registry.terraform.io/hashicorp/aws"]',
        instances: [{ schema_version: 0, attributes: { ...attributes, id: arn, arn, name: awsName, tags_all: body.tags } }],
      };
    }),
  };
}

function configOf(groups: Record<string, Body>): unknown {
  return {
    terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } },
    // Planning with -refresh=false calls no AWS API.
    provider: { aws: [{ region: "eu-central-1", access_key: "plan-only", secret_key: "plan-only", skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: true }] },
    resource: { aws_lb_target_group: Object.fromEntries(Object.entries(groups).map(([name, body]) => [name.replace(/[^A-Za-z0-9]/g, "_"), body])) },
  };
}

test("a dashboard port change plans the new target group before the old one goes, under a name AWS picks", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-tg-plan-"));
  try {
    const before = targetGroups();
    const after = targetGroups(3001);
    expect(before["streamlines-dev-dashboard"].port).toBe(3000);
    expect(after["streamlines-dev-dashboard"].port).toBe(3001);
    const work = path.join(dir, "work");
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, "main.tf.json"), JSON.stringify(configOf(after)));
    fs.writeFileSync(path.join(work, "terraform.tfstate"), JSON.stringify(stateOf(before)));
    const env = writeCliConfig(path.join(dir, "cli"), findProviderMirror());
    const init = await terraformInit(work, env);
    expect([init.code, init.stderr]).toEqual([0, ""]);
    const plan = await runTerraform(["plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin"], { cwd: work, env, timeoutMs: 120_000 });
    expect([plan.code, plan.stderr]).toEqual([0, ""]);
    const show = await runTerraform(["show", "-json", "plan.bin"], { cwd: work, env, timeoutMs: 60_000 });
    const changes = (JSON.parse(show.stdout).resource_changes as Array<{ address: string; change: { actions: string[]; after_unknown: Body } }>).map((r) => [
      r.address,
      r.change.actions,
      r.change.after_unknown.name === true,
    ]);
    // The hand-made state lacks the provider's defaults, so the backend group may show an update; it must not be replaced.
    expect(changes.map(([address, actions]) => [address, (actions as string[]).includes("delete")])).toEqual([
      ["aws_lb_target_group.streamlines_dev_backend", false],
      ["aws_lb_target_group.streamlines_dev_dashboard", true],
    ]);
    // Create, then delete: the listener and the service move to the new group before the old one goes,
    // and the new group's name is AWS's (prefix + unique suffix), so it cannot collide with the old one.
    expect(changes[1]).toEqual(["aws_lb_target_group.streamlines_dev_dashboard", ["create", "delete"], true]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
