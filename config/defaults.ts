import { APP_CONTRACT } from "./app-contract";
import { ServiceName } from "./types";

// Defaults the rule tree (config/schema.ts) computes or shares between services.

/**
 * A dashboard that loads only its own assets and talks only to its own origin plus `connectTo`.
 * style-src keeps 'unsafe-inline' because the dashboard (e410d43) renders style attributes: app.html's
 * `<div style="display: contents">` and the charts' `style="opacity: ..."` on every data point; CSP
 * cannot allow attributes without it. style-src-elem 'self' still refuses injected <style> elements in
 * browsers that know it (older ones fall back to style-src, as before).
 */
export function contentSecurityPolicy(connectTo: readonly string[]): string {
  const connect = ["'self'", ...connectTo].join(" ");
  return `default-src 'self'; connect-src ${connect}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; style-src-elem 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'`;
}

/** The default with nothing beyond 'self': the API and WebSocket on the site's own CloudFront name. */
export const DEFAULT_CONTENT_SECURITY_POLICY = contentSecurityPolicy([]);

/**
 * The app's own API and WebSocket origins, from the raw config. Behind edge (backendOrigins) both are
 * the site itself: 'self' covers wss:// on the same host (CSP3), and a custom domain is named as well
 * for browsers that predate that rule. Without backendOrigins they are core's names when it has them;
 * an unnamed execute-api or ALB host is unknown at synth, so such a config sets the policy itself.
 */
export function appConnectOrigins(root: Record<string, unknown>): string[] {
  const at = (...keys: string[]): unknown =>
    keys.reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined), root);
  const name = (...keys: string[]) => (typeof at(...keys) === "string" ? (at(...keys) as string) : undefined);
  if (at("edge", "backendOrigins") !== false) {
    const site = name("edge", "domain", "name");
    return site ? [`wss://${site}`] : [];
  }
  const websocket = name("realtime", "domain", "name");
  const api = name("loadBalancer", "domain", "name");
  return [...(api ? [`https://${api}`] : []), ...(websocket ? [`wss://${websocket}`] : [])];
}

/** Access logs are kept 90 days by default: long enough for an incident review, bounded in cost. */
export const LOG_EXPIRATION_DAYS = 90;

export interface ServiceDefaults {
  readonly cpu: number;
  readonly memory: number;
  readonly architecture: "X86_64" | "ARM64";
  readonly minHealthyPercent: number;
  readonly maxPercent: number;
  readonly web?: { readonly port: number; readonly healthCheckPath: string };
  /** Services with a container health check: its start period (app contract). */
  readonly health?: { readonly startPeriodSeconds: number };
}

/** The predecessor's sizes; deployment percentages fit what each service can tolerate. */
export const SERVICE_DEFAULTS = {
  // One market-data websocket session at a time, so a deployment stops the old task first.
  ingest: {
    cpu: 256,
    memory: 512,
    architecture: "X86_64",
    minHealthyPercent: 0,
    maxPercent: 100,
    health: { startPeriodSeconds: APP_CONTRACT.ingest.healthCheck.startPeriodSeconds },
  },
  // One Flink job per checkpoint path: two copies must never run at once.
  ripples: {
    cpu: 512,
    memory: 1024,
    architecture: "ARM64",
    minHealthyPercent: 0,
    maxPercent: 100,
    health: { startPeriodSeconds: APP_CONTRACT.ripples.healthCheck.startPeriodSeconds },
  },
  backend: {
    cpu: 256,
    memory: 512,
    architecture: "X86_64",
    minHealthyPercent: 100,
    maxPercent: 200,
    web: { port: 3030, healthCheckPath: "/health" },
  },
  dashboard: {
    cpu: 256,
    memory: 512,
    architecture: "ARM64",
    minHealthyPercent: 100,
    maxPercent: 200,
    web: { port: 3000, healthCheckPath: "/" },
  },
} satisfies Readonly<Record<ServiceName, ServiceDefaults>>;
