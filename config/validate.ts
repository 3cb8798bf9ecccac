// A small declarative schema, so each error can name key, value and what is allowed.

/** A config problem: `key` is a dotted path, `value` the offending value, `allowed` says what would be accepted. */
export interface ConfigProblem {
  key: string;
  value: unknown;
  allowed: string;
  /** The value may be a secret (it sits under a secret's name): the message says so instead of printing it, since it lands in CI logs. */
  withheld?: boolean;
}

export type Check<T> = (value: T, root: Record<string, unknown>) => string | undefined;

export type Rule =
  | {
      kind: "string";
      optional?: boolean;
      default?: string | ((root: Record<string, unknown>) => string);
      enum?: readonly string[];
      check?: Check<string>;
    }
  | { kind: "integer"; optional?: boolean; default?: number; min?: number; max?: number; oneOf?: readonly number[] }
  | { kind: "boolean"; optional?: boolean; default?: boolean }
  | { kind: "array"; optional?: boolean; items: Rule; length?: number }
  | {
      kind: "object";
      optional?: boolean;
      props: Record<string, Rule>;
      /** absent stays absent instead of taking defaults */ absentMeansOff?: boolean;
    }
  /** An object with free keys (e.g. environment variables): each key passes `keyCheck`, each value `values`. */
  | {
      kind: "map";
      optional?: boolean;
      keyCheck: (key: string) => string | undefined;
      values: Rule;
      maxEntries?: number;
      /** Keys whose values may be secrets: a problem with such an entry never prints its value. */
      secretKey?: (key: string) => boolean;
    };

type StringRule = Extract<Rule, { kind: "string" }>;
type IntegerRule = Extract<Rule, { kind: "integer" }>;

// The builders keep each rule's literal type, so ValueOf can read the config's shape off the rule tree.
export const str = <const O extends Omit<StringRule, "kind">>(extra: O): { kind: "string" } & O => ({ kind: "string", ...extra });
export const int = <const O extends Omit<IntegerRule, "kind">>(extra: O): { kind: "integer" } & O => ({ kind: "integer", ...extra });
export function bool(): { kind: "boolean"; optional: false; default: undefined };
export function bool(dflt: boolean): { kind: "boolean"; optional: true; default: boolean };
export function bool(dflt?: boolean): Rule {
  return { kind: "boolean", optional: dflt !== undefined, default: dflt };
}
export const obj = <const P extends Record<string, Rule>>(props: P, optional = false): { kind: "object"; props: P; optional: boolean } => ({
  kind: "object",
  props,
  optional,
});

/** A check that accepts exactly `values`, and says `why(value)` after the list for anything else. */
export function oneOfChecked<const V extends readonly string[]>(
  values: V,
  why: (value: string) => string,
): Check<string> & { readonly accepts?: V[number] } {
  return (v) => (values.includes(v) ? undefined : `expected one of ${values.map((m) => `"${m}"`).join(", ")}${why(v)}`);
}

/** Whether a validated config always holds the key: a default fills it, and an object takes its props' defaults. */
type Filled<R> = R extends { kind: "object"; absentMeansOff: true }
  ? false
  : R extends { kind: "object" }
    ? true
    : R extends { default: string | number | boolean | ((root: never) => unknown) }
      ? true
      : R extends { optional: true }
        ? false
        : true;

type Flatten<T> = { [K in keyof T]: T[K] };
type ShapeOf<P> = Flatten<
  { readonly [K in keyof P as Filled<P[K]> extends true ? K : never]: ValueOf<P[K]> } & {
    readonly [K in keyof P as Filled<P[K]> extends true ? never : K]?: ValueOf<P[K]>;
  }
>;

/** The type of the value `apply` returns for a rule built with the builders above. */
export type ValueOf<R> = R extends { kind: "string"; enum: readonly (infer E)[] }
  ? E
  : R extends { kind: "string"; check: { readonly accepts?: infer A } }
    ? [Exclude<A, undefined>] extends [string]
      ? Exclude<A, undefined>
      : string
    : R extends { kind: "string" }
      ? string
      : R extends { kind: "integer" }
        ? number
        : R extends { kind: "boolean" }
          ? boolean
          : R extends { kind: "array"; items: infer I }
            ? readonly ValueOf<I>[]
            : R extends { kind: "map"; values: infer V }
              ? Readonly<Record<string, ValueOf<V>>>
              : R extends { kind: "object"; props: infer P }
                ? ShapeOf<P>
                : never;

type Defined<T> = Exclude<T, undefined>;
/** Keys that can hold a value: `key?: undefined` says the key never appears. */
type ValueKeys<T> = { [K in keyof T]-?: [Defined<T[K]>] extends [never] ? never : K }[keyof T] & string;
type IsOptional<T, K extends keyof T> = Partial<Pick<T, K>> extends Pick<T, K> ? "optional" : "required";

/**
 * Where `A` and `B` disagree, as dotted paths with the reason (never when they agree): keys on one side
 * only, a key optional on one side only, or a value of another type.
 */
export type Mismatch<A, B, P extends string> = [Defined<A>] extends [readonly (infer EA)[]]
  ? [Defined<B>] extends [readonly (infer EB)[]]
    ? Mismatch<EA, EB, `${P}[]`>
    : `${P}: array on one side only`
  : [Defined<B>] extends [readonly unknown[]]
    ? `${P}: array on one side only`
    : [Defined<A>] extends [string | number | boolean]
      ? [Defined<A>] extends [Defined<B>]
        ? [Defined<B>] extends [Defined<A>]
          ? never
          : `${P}: the schema allows more values`
        : `${P}: the interface allows more values`
      : [Defined<B>] extends [string | number | boolean]
        ? `${P}: object on one side only`
        : ObjectMismatch<Defined<A>, Defined<B>, P>;

type ObjectMismatch<A, B, P extends string> =
  | { [K in Exclude<ValueKeys<A>, ValueKeys<B>>]: `${P}.${K}: in the interface only` }[Exclude<ValueKeys<A>, ValueKeys<B>>]
  | { [K in Exclude<ValueKeys<B>, ValueKeys<A>>]: `${P}.${K}: in the schema only` }[Exclude<ValueKeys<B>, ValueKeys<A>>]
  | {
      [K in ValueKeys<A> & ValueKeys<B>]: IsOptional<A, K> extends IsOptional<B, K & keyof B>
        ? Mismatch<A[K], B[K & keyof B], `${P}.${K}`>
        : `${P}.${K}: ${IsOptional<A, K>} in the interface, ${IsOptional<B, K & keyof B>} in the schema`;
    }[ValueKeys<A> & ValueKeys<B>];

/** Compiles only when `T` is never: `Agree<Mismatch<...>>` fails `tsc` and names each disagreement. */
export type Agree<T extends never> = T;

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** What `rule` accepts, as the "expected ..." half of a message. */
function describe(rule: Rule, root: Record<string, unknown>): string {
  switch (rule.kind) {
    case "string":
      if (rule.enum) return `expected one of ${rule.enum.map((e) => JSON.stringify(e)).join(", ")}`;
      // No check accepts an empty string, so its answer says what is allowed.
      return rule.check?.("", root) ?? "expected a string";
    case "integer":
      if (rule.oneOf) return `expected one of ${rule.oneOf.join(", ")}`;
      if (rule.min === undefined && rule.max === undefined) return "expected a whole number";
      return `expected a whole number from ${rule.min ?? "-inf"} to ${rule.max ?? "inf"}`;
    case "boolean":
      return "expected true or false";
    case "array":
      return rule.length === undefined ? "expected an array" : `expected an array of ${rule.length} entries`;
    case "object":
      return `expected an object with keys ${Object.keys(rule.props).join(", ")}`;
    case "map":
      return "expected an object of names to values";
  }
}

/** Validates `value` against `rule`, returning the value with defaults filled in, or the first problem. */
function apply(rule: Rule, value: unknown, key: string, root: Record<string, unknown>): { value?: unknown; problem?: ConfigProblem } {
  const at = (allowed: string) => ({ problem: { key, value, allowed } });
  if (value === undefined) {
    if (rule.kind === "object" && rule.optional) return rule.absentMeansOff ? {} : apply(rule, {}, key, root);
    if ("default" in rule && rule.default !== undefined) {
      const dflt = typeof rule.default === "function" ? rule.default(root) : rule.default;
      return apply({ ...rule, default: undefined, optional: false } as Rule, dflt, key, root);
    }
    if (rule.optional) return {};
    return at(`this key is required; ${describe(rule, root)}`);
  }
  switch (rule.kind) {
    case "string": {
      if (typeof value !== "string")
        return at(
          rule.enum ? `expected one of ${rule.enum.map((e) => JSON.stringify(e)).join(", ")}` : `expected a string, got ${typeName(value)}`,
        );
      if (rule.enum && !rule.enum.includes(value)) return at(`expected one of ${rule.enum.map((e) => JSON.stringify(e)).join(", ")}`);
      const bad = rule.check?.(value, root);
      return bad ? at(bad) : { value };
    }
    case "integer": {
      // "got number" would be no help for 1.5, so only a wrong type is named.
      if (typeof value !== "number") return at(`${describe(rule, root)}, got ${typeName(value)}`);
      if (!Number.isInteger(value)) return at(describe(rule, root));
      if (rule.oneOf && !rule.oneOf.includes(value)) return at(describe(rule, root));
      if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) return at(describe(rule, root));
      return { value };
    }
    case "boolean":
      return typeof value === "boolean" ? { value } : at(`expected true or false, got ${typeName(value)}`);
    case "array": {
      if (!Array.isArray(value)) return at(`expected an array, got ${typeName(value)}`);
      if (rule.length !== undefined && value.length !== rule.length)
        return at(`expected exactly ${rule.length} entries, got ${value.length}`);
      const out: unknown[] = [];
      for (const [i, item] of value.entries()) {
        const r = apply(rule.items, item, `${key}[${i}]`, root);
        if (r.problem) return r;
        out.push(r.value);
      }
      return { value: out };
    }
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return at(`expected an object, got ${typeName(value)}`);
      const input = value as Record<string, unknown>;
      const allowedKeys = Object.keys(rule.props);
      for (const k of Object.keys(input)) {
        if (!allowedKeys.includes(k)) {
          // A key is user text: quote odd ones so a newline in it cannot break the one-line message.
          const name = /^[\w$-]+$/.test(k) ? k : JSON.stringify(k);
          return {
            problem: {
              key: key ? `${key}.${name}` : name,
              value: input[k],
              allowed: `unknown key; allowed keys here: ${allowedKeys.join(", ")}`,
            },
          };
        }
      }
      // The root object is its own context: defaults and checks see the values the file gave.
      const ctx = key === "" ? input : root;
      const out: Record<string, unknown> = {};
      for (const k of allowedKeys) {
        const r = apply(rule.props[k], input[k], key ? `${key}.${k}` : k, ctx);
        if (r.problem) return r;
        if (r.value !== undefined) out[k] = r.value;
        if (key === "") (ctx as Record<string, unknown>)[k] = r.value ?? input[k];
      }
      return { value: out };
    }
    case "map": {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        return at(`expected an object of names to values, got ${typeName(value)}`);
      const entries = Object.entries(value as Record<string, unknown>);
      if (rule.maxEntries !== undefined && entries.length > rule.maxEntries)
        return at(`expected at most ${rule.maxEntries} entries, got ${entries.length}`);
      const out: Record<string, unknown> = {};
      for (const [k, v] of entries) {
        // A key is user text: quote odd ones so a newline in it cannot break the one-line message.
        const entryKey = `${key}.${/^[\w$-]+$/.test(k) ? k : JSON.stringify(k)}`;
        const withheld = rule.secretKey?.(k) === true;
        const badKey = rule.keyCheck(k);
        if (badKey) return { problem: { key: entryKey, value: v, allowed: badKey, withheld } };
        const r = apply(rule.values, v, entryKey, root);
        if (r.problem) return withheld ? { problem: { ...r.problem, withheld } } : r;
        out[k] = r.value;
      }
      return { value: out };
    }
  }
}

/** `apply` for a whole config: its value has the type the rule tree describes (ValueOf). */
export function applyRule<R extends Rule>(
  rule: R,
  value: unknown,
): { value: ValueOf<R>; problem?: undefined } | { problem: ConfigProblem } {
  const result = apply(rule, value, "", {});
  // apply builds the value from the rule, so it has the rule's shape (config.test.ts covers each kind).
  return result.problem ? { problem: result.problem } : { value: result.value as ValueOf<R> };
}
