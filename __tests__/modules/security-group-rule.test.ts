import { Testing } from "cdktf";
import { allowEgressToGroup, allowTcpIn, allowTcpOut } from "../../modules/security-group-rule";

type Json = Record<string, unknown>;

describe("allowTcpIn / allowTcpOut", () => {
  const json = JSON.parse(
    Testing.synthScope((scope) => {
      allowTcpIn(scope, "from-group", {
        securityGroupId: "sg-own",
        port: 8086,
        peer: { securityGroupId: "sg-client" },
        description: "InfluxDB from the client",
        name: "t-from-client",
      });
      allowTcpIn(scope, "from-cidr", {
        securityGroupId: "sg-own",
        port: 22,
        peer: { cidrIpv4: "203.0.113.0/24" },
        description: "SSH from the office",
        name: "t-ssh",
      });
      allowTcpIn(scope, "from-prefix-list", {
        securityGroupId: "sg-own",
        port: 443,
        peer: { prefixListId: "pl-cloudfront" },
        description: "HTTPS from CloudFront",
        name: "t-cloudfront",
      });
      allowTcpOut(scope, "to-group", {
        securityGroupId: "sg-own",
        port: 2049,
        peer: { securityGroupId: "sg-mounts" },
        description: "NFS to the mount targets",
        name: "t-nfs",
      });
    }),
  );
  const ingress = json.resource.aws_vpc_security_group_ingress_rule as Record<string, Json>;
  const egress = json.resource.aws_vpc_security_group_egress_rule as Record<string, Json>;
  const common = (port: number, description: string, name: string) => ({
    security_group_id: "sg-own",
    ip_protocol: "tcp",
    from_port: port,
    to_port: port,
    description,
    tags: { Name: name },
  });

  test("each peer kind sets exactly its own attribute, on one TCP port, with the description and Name tag", () => {
    expect(ingress["from-group"]).toEqual({
      ...common(8086, "InfluxDB from the client", "t-from-client"),
      referenced_security_group_id: "sg-client",
    });
    expect(ingress["from-cidr"]).toEqual({ ...common(22, "SSH from the office", "t-ssh"), cidr_ipv4: "203.0.113.0/24" });
    expect(ingress["from-prefix-list"]).toEqual({
      ...common(443, "HTTPS from CloudFront", "t-cloudfront"),
      prefix_list_id: "pl-cloudfront",
    });
  });

  test("egress rules are their own resource type, never ingress", () => {
    expect(Object.keys(egress)).toEqual(["to-group"]);
    expect(egress["to-group"]).toEqual({ ...common(2049, "NFS to the mount targets", "t-nfs"), referenced_security_group_id: "sg-mounts" });
    expect(Object.keys(ingress).sort()).toEqual(["from-cidr", "from-group", "from-prefix-list"]);
  });
});

describe("allowEgressToGroup", () => {
  test("the id is <prefix>-<id, else name>, the Name tag <owner>-<name>", () => {
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        allowEgressToGroup(
          scope,
          "egress",
          { securityGroupId: "sg-own", name: "t-own" },
          { name: "nfs", port: 2049, securityGroupId: "sg-mounts", description: "NFS" },
        );
        allowEgressToGroup(
          scope,
          "egress",
          { securityGroupId: "sg-own", name: "t-own" },
          { name: "influxdb", id: "influx", port: 8086, securityGroupId: "sg-influx", description: "InfluxDB" },
        );
      }),
    );
    const egress = json.resource.aws_vpc_security_group_egress_rule as Record<string, Json>;
    expect(Object.keys(egress).sort()).toEqual(["egress-influx", "egress-nfs"]);
    expect(egress["egress-nfs"]).toMatchObject({
      security_group_id: "sg-own",
      from_port: 2049,
      to_port: 2049,
      referenced_security_group_id: "sg-mounts",
      tags: { Name: "t-own-nfs" },
    });
    expect(egress["egress-influx"]).toMatchObject({ referenced_security_group_id: "sg-influx", tags: { Name: "t-own-influxdb" } });
  });
});
