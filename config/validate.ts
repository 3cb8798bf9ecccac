// A small declarative schema, so each error can name key, value and what is allowed.

/** A config problem: `key` is a dotted path, `value` the offending value, `allowed` says what would be accepted. */
export interface ConfigProblem {
  key: string;
  value: unknown;
  allowed: string;
}

export type Check<T> = (value: T, root: Record<string, unknown>) => string | undefined;

export type Rule =
  | { kind: "string"; optional?: boolean; default?: string | ((root: Record<string, unknown>) => string); enum?: readonly string[]; check?: Check<string> }
  | { kind: "integer"; optional?: boolean; default?: number; min?: number; max?: number; oneOf?: readonly number[] }
  | { kind: "boolean"; optional?: boolean; default?: boolean }
  | { kind: "array"; optional?: boolean; items: Rule; length?: number }
  | { kind: "object"; optional?: boolean; props: Record<string, Rule>; /** absent stays absent instead of taking defaults */ absentMeansOff?: boolean }
  /** An object with free keys (e.g. environment variables): each key passes `keyCheck`, each value `values`. */
  | { kind: "map"; optional?: boolean; keyCheck: (key: string) => string | undefined; values: Rule; maxEntries?: number };

export const str = (extra: Omit<Extract<Rule, { kind: "string" }>, "kind"> = {}): Rule => ({ kind: "string", ...extra });
export const int = (extra: Omit<Extract<Rule, { kind: "integer" }>, "kind"> = {}): Rule => ({ kind: "integer", ...extra });
export const bool = (dflt?: boolean): Rule => ({ kind: "boolean", optional: dflt !== undefined, default: dflt });
export const obj = (props: Record<string, Rule>, optional = false): Rule => ({ kind: "object", props, optional });

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
export function apply(rule: Rule, value: unknown, key: string, root: Record<string, unknown>): { value?: unknown; problem?: ConfigProblem } {
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
      if (typeof value !== "string") return at(rule.enum ? `expected one of ${rule.enum.map((e) => JSON.stringify(e)).join(", ")}` : `expected a string, got ${typeName(value)}`);
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
      if (rule.length !== undefined && value.length !== rule.length) return at(`expected exactly ${rule.length} entries, got ${value.length}`);
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
          return { problem: { key: key ? `${key}.${name}` : name, value: input[k], allowed: `unknown key; allowed keys here: ${allowedKeys.join(", ")}` } };
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
      if (typeof value !== "object" || value === null || Array.isArray(value)) return at(`expected an object of names to values, got ${typeName(value)}`);
      const entries = Object.entries(value as Record<string, unknown>);
      if (rule.maxEntries !== undefined && entries.length > rule.maxEntries) return at(`expected at most ${rule.maxEntries} entries, got ${entries.length}`);
      const out: Record<string, unknown> = {};
      for (const [k, v] of entries) {
        // A key is user text: quote odd ones so a newline in it cannot break the one-line message.
        const entryKey = `${key}.${/^[\w$-]+$/.test(k) ? k : JSON.stringify(k)}`;
        const badKey = rule.keyCheck(k);
        if (badKey) return { problem: { key: entryKey, value: v, allowed: badKey } };
        const r = apply(rule.values, v, entryKey, root);
        if (r.problem) return r;
        out[k] = r.value;
      }
      return { value: out };
    }
  }
}
