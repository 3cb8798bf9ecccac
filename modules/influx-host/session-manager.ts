import { Construct } from "constructs";
import { accountIdOf, partitionOf } from "../aws-context";
import { Grantable } from "../iam-role";

/** ssmmessages defines no resource types: the agent opens its session channels on "*". */
export const SESSION_CHANNEL_ACTIONS = [
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
] as const;

/** The agent's message delivery (ec2messages defines no resource types either). */
export const AGENT_MESSAGE_ACTIONS = [
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:GetEndpoint",
  "ec2messages:GetMessages",
  "ec2messages:SendReply",
] as const;

/**
 * What the SSM agent on an EC2 instance needs for Session Manager (shell and port forwarding), and
 * nothing else: AWS's documented minimum instance-profile policy ("Create a custom IAM role for
 * Session Manager") plus the agent's ec2messages channel. Replaces AmazonSSMManagedInstanceCore,
 * whose ssm:GetParameter* on "*" would let the instance read every parameter in the account.
 * Sessions are not KMS-encrypted or logged to S3 here, so no kms:Decrypt or s3:GetEncryptionConfiguration.
 */
export function grantSessionManagerInstance(scope: Construct, grantee: Grantable, region: string): void {
  grantee.addToPolicy({
    sid: "SessionManagerRegistration",
    actions: ["ssm:UpdateInstanceInformation"],
    resources: [`arn:${partitionOf(scope)}:ec2:${region}:${accountIdOf(scope)}:instance/*`],
  });
  grantee.addToPolicy({ sid: "SessionManagerChannels", actions: [...SESSION_CHANNEL_ACTIONS, ...AGENT_MESSAGE_ACTIONS], resources: ["*"] });
}
