import { Construct } from "constructs";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";

/** The other end of a rule: another security group, an IPv4 CIDR, or a managed prefix list. */
export type RulePeer = { readonly securityGroupId: string } | { readonly cidrIpv4: string } | { readonly prefixListId: string };

/** One TCP port between a security group and one peer. */
export interface TcpPortRule {
  /** The group the rule belongs to. */
  readonly securityGroupId: string;
  readonly port: number;
  readonly peer: RulePeer;
  /** Why the port is open; shown in the console and in plans. */
  readonly description: string;
  /** The rule's Name tag. */
  readonly name: string;
}

/** A TCP port out to another security group, with the reason it is needed. */
export interface EgressToGroup {
  /** Short name for the rule's id and Name tag, e.g. `nfs`. */
  readonly name: string;
  /** The id when it differs from `name`: a rule's id is its Terraform address, so renaming one replaces the rule. */
  readonly id?: string;
  readonly port: number;
  readonly securityGroupId: string;
  readonly description: string;
}

function ruleConfig(rule: TcpPortRule) {
  const peer = rule.peer;
  return {
    securityGroupId: rule.securityGroupId,
    description: rule.description,
    ipProtocol: "tcp",
    fromPort: rule.port,
    toPort: rule.port,
    ...("securityGroupId" in peer
      ? { referencedSecurityGroupId: peer.securityGroupId }
      : "cidrIpv4" in peer
        ? { cidrIpv4: peer.cidrIpv4 }
        : { prefixListId: peer.prefixListId }),
    tags: { Name: rule.name },
  };
}

/**
 * Admits one TCP port from the peer. One resource per rule (not inline rules on the group), so
 * modules can add rules to a group they do not own without Terraform fighting over the list.
 */
export function allowTcpIn(scope: Construct, id: string, rule: TcpPortRule): VpcSecurityGroupIngressRule {
  return new VpcSecurityGroupIngressRule(scope, id, ruleConfig(rule));
}

/** Opens one TCP port out to the peer; see `allowTcpIn`. */
export function allowTcpOut(scope: Construct, id: string, rule: TcpPortRule): VpcSecurityGroupEgressRule {
  return new VpcSecurityGroupEgressRule(scope, id, ruleConfig(rule));
}

/** `allowTcpOut` for an `EgressToGroup` of the group `from`: id `<idPrefix>-<id ?? name>`, Name tag `<from.name>-<name>`. */
export function allowEgressToGroup(
  scope: Construct,
  idPrefix: string,
  from: { readonly securityGroupId: string; readonly name: string },
  egress: EgressToGroup,
): VpcSecurityGroupEgressRule {
  return allowTcpOut(scope, `${idPrefix}-${egress.id ?? egress.name}`, {
    securityGroupId: from.securityGroupId,
    port: egress.port,
    peer: { securityGroupId: egress.securityGroupId },
    description: egress.description,
    name: `${from.name}-${egress.name}`,
  });
}
