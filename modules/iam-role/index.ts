import { Construct } from "constructs";
import { IResolvable, IResolveContext } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { TerraformStatement, mergeStatements } from "./merge";

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect?: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** test -> variable -> values, e.g. `{ StringEquals: { "aws:SourceAccount": ["123"] } }`. */
  readonly conditions?: Record<string, Record<string, readonly string[]>>;
}

/** Anything a resource module can grant access to (the CDK `IGrantable` idea). */
export interface Grantable {
  addToPolicy(statement: PolicyStatement): void;
}

function conditionBlocks(conditions: PolicyStatement["conditions"]) {
  return Object.entries(conditions ?? {}).flatMap(([test, vars]) =>
    Object.entries(vars).map(([variable, values]) => ({ test, variable, values: [...values] })),
  );
}

/**
 * A document's `statement` list, merged and de-duplicated when synthesized: references are resolved
 * first, so two spellings of one key ARN are one resource (keys in the provider's order).
 */
export function mergedStatements(statements: () => readonly PolicyStatement[]): IResolvable {
  return {
    creationStack: [],
    resolve(context: IResolveContext): TerraformStatement[] {
      const terraform = statements().map((s) => {
        const condition = conditionBlocks(s.conditions);
        return {
          actions: [...s.actions],
          ...(condition.length > 0 && { condition }),
          effect: s.effect ?? "Allow",
          resources: [...s.resources],
          ...(s.sid && { sid: s.sid }),
        };
      });
      return mergeStatements(context.resolve(terraform) as TerraformStatement[]);
    },
    toString: () => "<merged IAM statements>",
  };
}

export interface StreamLinesRoleProps {
  /** Full role name, `<app>-<env>-<component>`. */
  readonly name: string;
  /** Service principals allowed to assume the role, e.g. `ecs-tasks.amazonaws.com`. */
  readonly assumedBy: readonly string[];
  /** Extra conditions on the trust policy (confused-deputy protection). */
  readonly trustConditions?: PolicyStatement["conditions"];
  /** AWS managed policies; only for service roles whose needs AWS defines. */
  readonly managedPolicyArns?: readonly string[];
  readonly description?: string;
}

/** An IAM role whose one inline policy is the sum of what resource modules grant it. */
export class StreamLinesRole extends Construct implements Grantable {
  readonly arn: string;
  readonly name: string;
  private readonly statements: PolicyStatement[] = [];
  private policyDocument?: DataAwsIamPolicyDocument;
  private inlinePolicy?: IamRolePolicy;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: StreamLinesRoleProps,
  ) {
    super(scope, id);
    const trustCondition = conditionBlocks(props.trustConditions);
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: [...props.assumedBy] }],
          ...(trustCondition.length > 0 && { condition: trustCondition }),
        },
      ],
    });
    const role = new IamRole(this, "role", { name: props.name, description: props.description, assumeRolePolicy: trust.json });
    this.arn = role.arn;
    this.name = role.name;
    for (const [i, arn] of (props.managedPolicyArns ?? []).entries()) {
      new IamRolePolicyAttachment(this, `managed-${i}`, { role: role.name, policyArn: arn });
    }
  }

  addToPolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
    if (!this.policyDocument) {
      this.policyDocument = new DataAwsIamPolicyDocument(this, "policy-document", { statement: mergedStatements(() => this.statements) });
      this.inlinePolicy = new IamRolePolicy(this, "policy", {
        name: `${this.props.name}-policy`,
        role: this.name,
        policy: this.policyDocument.json,
      });
    }
  }

  /**
   * The inline policy, once anything was granted. Resources that AWS checks against the role when
   * they are created (a Lambda event source mapping, say) depend on it.
   */
  get policy(): IamRolePolicy | undefined {
    return this.inlinePolicy;
  }
}
