import { Construct } from "constructs";
import { EgressToGroup, allowEgressToGroup, allowTcpIn, allowTcpOut } from "../security-group-rule";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { KeyPair } from "@cdktf/provider-aws/lib/key-pair";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { grantSessionManagerInstance } from "../influx-host/session-manager";
import { StreamLinesRole } from "../iam-role";

/** The smallest Graviton type: the bastion only forwards TCP. */
export const BASTION_INSTANCE_TYPE = "t4g.nano";
/** Amazon Linux 2023's own root size; the bastion stores nothing. */
export const BASTION_ROOT_GIB = 8;

export interface BastionProps {
  /** `<app>-<env>-bastion`: instance, key pair, security group, role and instance profile. */
  readonly name: string;
  readonly region: string;
  readonly vpcId: string;
  /** A public subnet; the instance gets an Elastic IP. */
  readonly subnetId: string;
  /** SSH sources; config validation refuses 0.0.0.0/0 and ::/0. */
  readonly allowedCidrs: readonly string[];
  /** OpenSSH public key line, imported as the instance's key pair. */
  readonly publicKey: string;
  readonly kmsKeyArn: string;
  /** AMI parameter (public SSM) or a pinned AMI id. */
  readonly ami: { readonly parameter: string } | { readonly id: string };
  /** The only places the bastion may open connections to (SSH tunnels). */
  readonly tunnels: readonly EgressToGroup[];
}

/**
 * An SSH jump host for tunnels to private services: SSH in from listed CIDRs, tunnel ports out.
 * It is patched like the InfluxDB host: Session Manager (the same scoped policy, no SSH needed for
 * it) and HTTPS out to the Amazon Linux repositories and the SSM endpoints (help/influx-access.md).
 */
export class Bastion extends Construct {
  readonly securityGroupId: string;
  readonly publicIp: string;
  readonly instanceId: string;

  constructor(scope: Construct, id: string, props: BastionProps) {
    super(scope, id);
    const group = new SecurityGroup(this, "security-group", {
      name: props.name,
      description: `${props.name}: SSH in from the configured CIDRs, tunnels out to private services`,
      vpcId: props.vpcId,
      tags: { Name: props.name },
    });
    this.securityGroupId = group.id;
    props.allowedCidrs.forEach((cidr, i) =>
      allowTcpIn(this, `ssh-${i}`, {
        securityGroupId: group.id,
        port: 22,
        peer: { cidrIpv4: cidr },
        description: `SSH from ${cidr}`,
        name: `${props.name}-ssh-${i}`,
      }),
    );
    for (const tunnel of props.tunnels) {
      allowEgressToGroup(this, "tunnel", { securityGroupId: group.id, name: props.name }, tunnel);
    }

    // The Amazon Linux 2023 repositories are S3 and CloudFront, and Session Manager's endpoints are public
    // AWS addresses (or the VPC's interface endpoints): no narrower destination covers them.
    allowTcpOut(this, "egress-https", {
      securityGroupId: group.id,
      port: 443,
      peer: { cidrIpv4: "0.0.0.0/0" },
      description: "HTTPS to the Amazon Linux package repositories and Session Manager (patching)",
      name: `${props.name}-https`,
    });
    const role = new StreamLinesRole(this, "role", {
      name: props.name,
      description: `${props.name}: Session Manager only (patching and a shell without SSH)`,
      assumedBy: ["ec2.amazonaws.com"],
    });
    grantSessionManagerInstance(this, role, props.region);
    const profile = new IamInstanceProfile(this, "instance-profile", { name: props.name, role: role.name });

    const key = new KeyPair(this, "key-pair", { keyName: props.name, publicKey: props.publicKey });
    const ami = "id" in props.ami ? props.ami.id : new DataAwsSsmParameter(this, "ami", { name: props.ami.parameter }).insecureValue;
    const instance = new Instance(this, "instance", {
      ami,
      instanceType: BASTION_INSTANCE_TYPE,
      subnetId: props.subnetId,
      vpcSecurityGroupIds: [group.id],
      keyName: key.keyName,
      iamInstanceProfile: profile.name,
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      rootBlockDevice: {
        volumeType: "gp3",
        volumeSize: BASTION_ROOT_GIB,
        encrypted: true,
        kmsKeyId: props.kmsKeyArn,
        deleteOnTermination: true,
      },
      tags: { Name: props.name },
      // A new AMI replaces the bastion only when an operator asks (it holds nothing, but its IP changes).
      lifecycle: { ignoreChanges: ["ami"] },
    });
    // An Elastic IP rather than an auto-assigned one: it survives a stop/start or a replacement, so
    // operators' ssh configs and known_hosts stay valid, and public IPv4 costs the same either way.
    const address = new Eip(this, "address", { domain: "vpc", instance: instance.id, tags: { Name: props.name } });
    this.publicIp = address.publicIp;
    this.instanceId = instance.id;
  }
}
