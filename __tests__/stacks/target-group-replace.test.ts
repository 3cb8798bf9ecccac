/**
 * A port change replaces a target group (port is ForceNew). Terraform plans it for real here, offline:
 * state as if the dev config had been applied, then the dev config with another dashboard port.
 */
import { Body, planOffline } from "../helpers/offline-plan";
import { configWith, synthAll } from "../helpers/synth";

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

test("a dashboard port change plans the new target group before the old one goes, under a name AWS picks", async () => {
  const before = targetGroups();
  const after = targetGroups(3001);
  expect(before["streamlines-dev-dashboard"].port).toBe(3000);
  expect(after["streamlines-dev-dashboard"].port).toBe(3001);
  const resources = {
    aws_lb_target_group: Object.fromEntries(Object.entries(after).map(([name, body]) => [name.replace(/[^A-Za-z0-9]/g, "_"), body])),
  };
  const changes = (await planOffline(resources, stateOf(before))).map((r) => [
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
}, 180_000);
