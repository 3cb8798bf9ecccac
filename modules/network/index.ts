import { Construct } from "constructs";
import { allowTcpIn } from "../security-group-rule";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { accountIdOf, partitionOf } from "../aws-context";
import { StreamLinesLogGroup } from "../log-group";
import { StreamLinesRole } from "../iam-role";

/** Interface endpoints that keep AWS API traffic of private tasks and hosts off the NAT. */
export const INTERFACE_ENDPOINT_SERVICES = [
  "ecr.api",
  "ecr.dkr",
  "logs",
  "kinesis-streams",
  "secretsmanager",
  "ssm",
  "ssmmessages",
  "ec2messages",
  "sts",
] as const;

/** Gateway endpoints: free, so they exist in every egress mode. */
export const GATEWAY_ENDPOINT_SERVICES = ["s3", "dynamodb"] as const;

export interface NetworkProps {
  /** `<app>-<env>`; every component is named `<namePrefix>-<component>`. */
  readonly namePrefix: string;
  /** Region of the endpoint service names. */
  readonly region: string;
  readonly vpcCidr: string;
  /** One public and one private subnet per zone, in this order. */
  readonly availabilityZones: readonly string[];
  readonly publicSubnetCidrs: readonly string[];
  readonly privateSubnetCidrs: readonly string[];
  /** nat: one NAT gateway for the private subnets. nat-and-endpoints: the NAT, plus interface endpoints for AWS APIs. */
  readonly egress: "nat" | "nat-and-endpoints";
  /** VPC flow logs (all traffic) to a log group; undefined for none. */
  readonly flowLogs?: {
    /** e.g. `/<app>/<env>/vpc-flow-logs`. */
    readonly logGroupName: string;
    readonly retentionDays: number;
    readonly kmsKeyArn: string;
  };
}

/** VPC with public and private subnets over the configured zones, and the chosen egress. */
export class Network extends Construct {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  /** The interface endpoints' security group (endpoints mode only). */
  readonly endpointSecurityGroupId?: string;

  private readonly vpc: Vpc;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: NetworkProps,
  ) {
    super(scope, id);
    const zones = props.availabilityZones;
    if (zones.length !== props.publicSubnetCidrs.length || zones.length !== props.privateSubnetCidrs.length) {
      throw new Error("Network: one public and one private subnet CIDR per availability zone");
    }
    const name = (component: string) => `${props.namePrefix}-${component}`;

    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: props.vpcCidr,
      // Both are needed for interface endpoints' private DNS and the Cloud Map namespace.
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: name("vpc") },
    });
    this.vpcId = this.vpc.id;
    this.vpcCidr = this.vpc.cidrBlock;

    // Adopt the default group and strip its rules, so nothing attached to it by accident can talk.
    new DefaultSecurityGroup(this, "default-sg", { vpcId: this.vpc.id, tags: { Name: name("default-deny-all") } });

    const igw = new InternetGateway(this, "igw", { vpcId: this.vpc.id, tags: { Name: name("igw") } });

    const publicSubnets = zones.map(
      (az, i) =>
        new Subnet(this, `public-${i}`, {
          vpcId: this.vpc.id,
          availabilityZone: az,
          cidrBlock: props.publicSubnetCidrs[i],
          // Only load balancers and the NAT live here; neither needs an auto-assigned public IP.
          mapPublicIpOnLaunch: false,
          tags: { Name: name(`public-${az}`), tier: "public" },
        }),
    );
    const privateSubnets = zones.map(
      (az, i) =>
        new Subnet(this, `private-${i}`, {
          vpcId: this.vpc.id,
          availabilityZone: az,
          cidrBlock: props.privateSubnetCidrs[i],
          tags: { Name: name(`private-${az}`), tier: "private" },
        }),
    );
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    const publicRoutes = new RouteTable(this, "public-rt", { vpcId: this.vpc.id, tags: { Name: name("public") } });
    new Route(this, "public-default", { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id });
    publicSubnets.forEach((s, i) => new RouteTableAssociation(this, `public-rta-${i}`, { subnetId: s.id, routeTableId: publicRoutes.id }));

    // One table per zone, so a NAT per zone can be added later without moving subnets.
    const privateRoutes = privateSubnets.map((s, i) => {
      const table = new RouteTable(this, `private-rt-${i}`, { vpcId: this.vpc.id, tags: { Name: name(`private-${zones[i]}`) } });
      new RouteTableAssociation(this, `private-rta-${i}`, { subnetId: s.id, routeTableId: table.id });
      return table;
    });

    // Every mode has the NAT: ingest reads the market-data WebSocket on the internet.
    // One NAT, not one per zone: a zone outage only cuts egress, and it halves the fixed cost.
    const eip = new Eip(this, "nat-eip", { domain: "vpc", tags: { Name: name("nat") }, dependsOn: [igw] });
    const nat = new NatGateway(this, "nat", {
      allocationId: eip.allocationId,
      subnetId: publicSubnets[0].id,
      tags: { Name: name("nat") },
      dependsOn: [igw],
    });
    privateRoutes.forEach(
      (t, i) => new Route(this, `private-default-${i}`, { routeTableId: t.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id }),
    );

    // Kept in nat mode too: they cost nothing and keep ECR layer (S3) and DynamoDB traffic off the NAT's per-GB charge.
    for (const service of GATEWAY_ENDPOINT_SERVICES) {
      new VpcEndpoint(this, `gateway-${service}`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: "Gateway",
        routeTableIds: privateRoutes.map((t) => t.id),
        tags: { Name: name(service) },
      });
    }

    if (props.egress === "nat-and-endpoints") {
      this.endpointSecurityGroupId = this.securityGroupFromVpc("endpoints-sg", {
        name: name("vpc-endpoints"),
        description: "VPC interface endpoints: HTTPS from inside the VPC",
        port: 443,
      });
      for (const service of INTERFACE_ENDPOINT_SERVICES) {
        new VpcEndpoint(this, `interface-${service.replace(/\W/g, "-")}`, {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: "Interface",
          subnetIds: this.privateSubnetIds,
          securityGroupIds: [this.endpointSecurityGroupId],
          privateDnsEnabled: true,
          tags: { Name: name(service.replace(/\W/g, "-")) },
        });
      }
    }

    if (props.flowLogs) this.flowLogs(name, props.flowLogs);
  }

  /**
   * A security group that admits one TCP port from the VPC CIDR and nothing else.
   * No egress rules: the listeners only answer, and answers need none.
   */
  securityGroupFromVpc(id: string, opts: { readonly name: string; readonly description: string; readonly port: number }): string {
    const group = new SecurityGroup(this, id, {
      name: opts.name,
      description: opts.description,
      vpcId: this.vpc.id,
      tags: { Name: opts.name },
    });
    allowTcpIn(this, `${id}-ingress`, {
      securityGroupId: group.id,
      port: opts.port,
      peer: { cidrIpv4: this.vpc.cidrBlock },
      description: `TCP ${opts.port} from the VPC`,
      name: opts.name,
    });
    return group.id;
  }

  private flowLogs(name: (component: string) => string, flowLogs: NonNullable<NetworkProps["flowLogs"]>) {
    const accountId = accountIdOf(this);
    const partition = partitionOf(this);
    const logGroup = new StreamLinesLogGroup(this, "flow-logs-group", {
      name: flowLogs.logGroupName,
      retentionDays: flowLogs.retentionDays,
      kmsKeyArn: flowLogs.kmsKeyArn,
    });
    const role = new StreamLinesRole(this, "flow-logs-role", {
      name: name("vpc-flow-logs"),
      description: "VPC flow logs: write to the flow log group",
      assumedBy: ["vpc-flow-logs.amazonaws.com"],
      // Confused-deputy guard: only flow logs of this account may assume the role.
      trustConditions: {
        StringEquals: { "aws:SourceAccount": [accountId] },
        ArnLike: { "aws:SourceArn": [`arn:${partition}:ec2:${this.props.region}:${accountId}:vpc-flow-log/*`] },
      },
    });
    logGroup.grantWrite(role);
    // Part of AWS's documented minimum for the flow logs role; the call lists groups, so it takes the account's group ARNs.
    role.addToPolicy({
      actions: ["logs:DescribeLogGroups"],
      resources: [`arn:${partition}:logs:${this.props.region}:${accountId}:log-group:*`],
    });
    new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      tags: { Name: name("vpc-flow-logs") },
    });
  }
}
