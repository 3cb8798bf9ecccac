/**
 * Statement merging at synth, after AWS CDK's aws-iam `mergeStatements`: identical statements
 * collapse into one; two statements with the same effect, conditions and not-sets (and no sid)
 * merge when two of their actions, resources and principals are equal sets, uniting the third.
 * Works on resolved Terraform-form statements, so `${...}` references compare by what they name.
 */

export interface TerraformCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

export interface TerraformPrincipal {
  readonly type: string;
  readonly identifiers: readonly string[];
}

/** One `statement` block of an `aws_iam_policy_document`, as synthesized. */
export interface TerraformStatement {
  readonly sid?: string;
  readonly effect?: string;
  readonly actions?: readonly string[];
  readonly not_actions?: readonly string[];
  readonly resources?: readonly string[];
  readonly not_resources?: readonly string[];
  readonly principals?: readonly TerraformPrincipal[];
  readonly not_principals?: readonly TerraformPrincipal[];
  readonly condition?: readonly TerraformCondition[];
}

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];
const sortedUnique = (values: readonly string[] | undefined): string[] => unique(values ?? []).sort();
const sameSet = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  JSON.stringify(sortedUnique(a)) === JSON.stringify(sortedUnique(b));

function principalKeys(principals: readonly TerraformPrincipal[] | undefined): string[] {
  return sortedUnique((principals ?? []).flatMap((p) => p.identifiers.map((id) => `${p.type}\u0000${id}`)));
}

function conditionKey(condition: readonly TerraformCondition[] | undefined): string {
  const blocks = (condition ?? []).map((c) => JSON.stringify([c.test, c.variable, sortedUnique(c.values)]));
  return JSON.stringify(unique(blocks).sort());
}

/** Everything of a statement as sets: equal keys mean the same permission. */
function statementKey(s: TerraformStatement): string {
  return JSON.stringify([
    s.sid ?? "",
    s.effect ?? "Allow",
    sortedUnique(s.actions),
    sortedUnique(s.not_actions),
    sortedUnique(s.resources),
    sortedUnique(s.not_resources),
    principalKeys(s.principals),
    principalKeys(s.not_principals),
    conditionKey(s.condition),
  ]);
}

function mergePrincipals(
  a: readonly TerraformPrincipal[] | undefined,
  b: readonly TerraformPrincipal[] | undefined,
): TerraformPrincipal[] | undefined {
  const byType = new Map<string, string[]>();
  for (const p of [...(a ?? []), ...(b ?? [])]) byType.set(p.type, [...(byType.get(p.type) ?? []), ...p.identifiers]);
  if (byType.size === 0) return undefined;
  return [...byType.keys()].sort().map((type) => ({ type, identifiers: sortedUnique(byType.get(type)) }));
}

function mergeIfCombinable(a: TerraformStatement, b: TerraformStatement): TerraformStatement | undefined {
  if (statementKey(a) === statementKey(b)) return a;
  if (a.sid || b.sid) return undefined;
  if ((a.effect ?? "Allow") !== (b.effect ?? "Allow")) return undefined;
  if (conditionKey(a.condition) !== conditionKey(b.condition)) return undefined;
  if (!sameSet(a.not_actions, b.not_actions) || !sameSet(a.not_resources, b.not_resources)) return undefined;
  if (!sameSet(principalKeys(a.not_principals), principalKeys(b.not_principals))) return undefined;
  // Principal "*" is not the same as {AWS: "*"}: never fold it into typed principals.
  const wildcard = (s: TerraformStatement) => (s.principals ?? []).some((p) => p.type === "*");
  if (wildcard(a) !== wildcard(b)) return undefined;
  const equalSets =
    Number(sameSet(a.actions, b.actions)) +
    Number(sameSet(a.resources, b.resources)) +
    Number(sameSet(principalKeys(a.principals), principalKeys(b.principals)));
  if (equalSets < 2) return undefined;
  const united = (x: readonly string[] | undefined, y: readonly string[] | undefined) =>
    x === undefined && y === undefined ? undefined : sortedUnique([...(x ?? []), ...(y ?? [])]);
  return withoutUndefined({
    ...a,
    actions: united(a.actions, b.actions),
    resources: united(a.resources, b.resources),
    principals: mergePrincipals(a.principals, b.principals),
  });
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A statement without an empty `condition` list and without repeated values in its lists. */
function tidy(s: TerraformStatement): TerraformStatement {
  const dedupe = (v: readonly string[] | undefined) => (v === undefined ? undefined : unique(v));
  return withoutUndefined({
    ...s,
    actions: dedupe(s.actions),
    not_actions: dedupe(s.not_actions),
    resources: dedupe(s.resources),
    not_resources: dedupe(s.not_resources),
    condition: s.condition && s.condition.length > 0 ? s.condition : undefined,
  });
}

/**
 * The fewest statements this pairwise pass finds, in a stable order: a merged statement keeps the
 * place of its first part, and lists it united are sorted.
 */
export function mergeStatements(statements: readonly TerraformStatement[]): TerraformStatement[] {
  const out = statements.map(tidy);
  for (let merged = true; merged;) {
    merged = false;
    for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length;) {
        const combined = mergeIfCombinable(out[i], out[j]);
        if (combined) {
          out[i] = combined;
          out.splice(j, 1);
          merged = true;
        } else j++;
      }
    }
  }
  return out;
}

/** Two statements that grant exactly the same thing (as sets), for policy checks. */
export function sameStatement(a: TerraformStatement, b: TerraformStatement): boolean {
  return statementKey(tidy(a)) === statementKey(tidy(b));
}
