import { Testing } from "cdktf";
import { Construct } from "constructs";
import { FargateService, FargateServiceProps } from "../../modules/fargate-service";
import { influxClientEgress } from "../../modules/influx-host/access";

type Json = Record<string, unknown>;

const props = (extra: Partial<FargateServiceProps>): FargateServiceProps => ({
  name: "t-dev-worker",
  containerName: "worker",
  region: "eu-central-1",
  cluster: { name: "t-dev", arn: "arn:aws:ecs:eu-central-1:111111111111:cluster/t-dev" },
  vpcId: "vpc-1",
  subnetIds: ["subnet-a"],
  image: { repository: { url: "111111111111.dkr.ecr.eu-central-1.amazonaws.com/t-dev-worker", grantPull: () => undefined }, tag: "v1" },
  cpu: 256,
  memory: 512,
  architecture: "ARM64",
  desiredCount: 1,
  capacityProvider: "FARGATE",
  minHealthyPercent: 100,
  maxPercent: 200,
  environment: {},
  logs: { groupName: "/t/dev/ecs/worker", retentionDays: 7, kmsKeyArn: "arn:aws:kms:eu-central-1:111111111111:key/k" },
  executeCommand: false,
  ignoreDesiredCount: false,
  ...extra,
});

const egressRules = (build: (scope: Construct) => void): Record<string, Json> =>
  (JSON.parse(Testing.synthScope(build)).resource.aws_vpc_security_group_egress_rule ?? {}) as Record<string, Json>;

describe("FargateService egressTo", () => {
  test("one rule per given group, on its port, besides HTTPS; the id and Name tag follow the entry", () => {
    const rules = egressRules((scope) => {
      new FargateService(
        scope,
        "worker",
        props({
          egressTo: [
            influxClientEgress(8086, "sg-influx"),
            { name: "cache", port: 6379, securityGroupId: "sg-cache", description: "Redis (TCP 6379)" },
          ],
        }),
      );
    });
    const byId = Object.fromEntries(Object.values(rules).map((r) => [(r.tags as Json).Name, r]));
    expect(Object.keys(byId).sort()).toEqual(["t-dev-worker-cache", "t-dev-worker-https", "t-dev-worker-influxdb"]);
    expect(byId["t-dev-worker-influxdb"]).toMatchObject({
      from_port: 8086,
      to_port: 8086,
      referenced_security_group_id: "sg-influx",
      description: "InfluxDB (TCP 8086)",
    });
    expect(byId["t-dev-worker-cache"]).toMatchObject({
      from_port: 6379,
      to_port: 6379,
      referenced_security_group_id: "sg-cache",
      description: "Redis (TCP 6379)",
    });
    // InfluxDB's rule keeps the id it had as influxEgress, so its Terraform address does not move.
    expect(Object.keys(rules).some((id) => id.startsWith("worker_egress-influx_"))).toBe(true);
  });

  test("without egressTo, HTTPS is the only way out", () => {
    const rules = egressRules((scope) => void new FargateService(scope, "worker", props({})));
    expect(Object.values(rules).map((r) => (r.tags as Json).Name)).toEqual(["t-dev-worker-https"]);
  });

  test("an existing security group's owner adds the rules: egressTo is refused", () => {
    expect(() =>
      Testing.synthScope(
        (scope) =>
          void new FargateService(
            scope,
            "worker",
            props({ securityGroupId: "sg-owned", egressTo: [influxClientEgress(8086, "sg-influx")] }),
          ),
      ),
    ).toThrow("FargateService t-dev-worker: with an existing security group its owner adds the rules (no egressTo or load balancer)");
  });
});
