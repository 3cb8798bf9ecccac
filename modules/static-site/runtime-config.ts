/**
 * The dashboard's runtime settings: one JSON object at `/config.json` beside the build. Vite inlines
 * `VITE_*` values when it builds, so anything that differs per environment has to be read by the
 * browser at run time instead (help/app-contract.md, "Runtime settings").
 */

/** Where the settings are served, relative to the site root. */
export const RUNTIME_CONFIG_KEY = "config.json";

export interface DashboardRuntimeConfig {
  /** The GraphQL endpoint, `https://<site>/graphql`. */
  readonly graphqlUrl: string;
  /** The WebSocket API, `wss://<site>/<stage>`; absent where core has no WebSocket API. */
  readonly websocketUrl?: string;
}

const URL_KEYS: Readonly<Record<keyof DashboardRuntimeConfig, { readonly scheme: string; readonly required: boolean }>> = {
  graphqlUrl: { scheme: "https:", required: true },
  websocketUrl: { scheme: "wss:", required: false },
};

/** The settings in `value` (an edge stack output), or a one-line reason naming `source` and the key. */
export function parseRuntimeConfig(value: unknown, source: string): DashboardRuntimeConfig | string {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return `${source}: expected an object with graphqlUrl (and websocketUrl), got ${JSON.stringify(value)}`;
  const record = value as Record<string, unknown>;
  const unknownKeys = Object.keys(record).filter((k) => !(k in URL_KEYS));
  if (unknownKeys.length > 0) return `${source}: unexpected key ${unknownKeys[0]}; allowed: ${Object.keys(URL_KEYS).join(", ")}`;
  const out: Record<string, string> = {};
  for (const [key, { scheme, required }] of Object.entries(URL_KEYS)) {
    const v = record[key];
    if (v === undefined && !required) continue;
    let url: URL | undefined;
    try {
      url = typeof v === "string" ? new URL(v) : undefined;
    } catch {
      url = undefined;
    }
    if (url?.protocol !== scheme) return `${source}: ${key} ${JSON.stringify(v)} is not allowed; expected an absolute ${scheme}// URL`;
    out[key] = v as string;
  }
  return out as unknown as DashboardRuntimeConfig;
}
