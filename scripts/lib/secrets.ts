/**
 * The env's Secrets Manager secrets (made empty by foundations): who writes each one, and whether
 * it has a current value. Values are never read here: DescribeSecret says whether an AWSCURRENT
 * version exists.
 */
import { DescribeSecretCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { StreamLinesConfig } from "../../config/schema";
import { SECRET_PURPOSES, SecretPurpose } from "../../stacks/foundations";
import { awsClientConfig } from "./emulator";

export interface SecretPurposeInfo {
  /** Who gives it its value. */
  readonly writer: "operator" | "influx-bootstrap";
  /** What reads it, for messages. */
  readonly readers: string;
  /** The shape `secret set` accepts, for messages. */
  readonly format?: string;
  /** Why a value is unusable, or undefined when it is fine. */
  readonly validate?: (value: string) => string | undefined;
}

/** The JSON keys ingest takes from market-data-api (stacks/core-services.ts, `jsonKey`). */
export const MARKET_DATA_KEYS = ["ALPACA_API_KEY", "ALPACA_API_SECRET"] as const;

function validateMarketData(value: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return `expected JSON like {"${MARKET_DATA_KEYS[0]}":"...","${MARKET_DATA_KEYS[1]}":"..."}: ECS takes each key out of it (the value itself is not shown)`;
  }
  const obj = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const missing = MARKET_DATA_KEYS.filter((k) => typeof obj[k] !== "string" || (obj[k] as string).length === 0);
  return missing.length
    ? `expected a JSON object with non-empty string keys ${MARKET_DATA_KEYS.join(" and ")}; missing or empty: ${missing.join(", ")}`
    : undefined;
}

export const SECRETS: Readonly<Record<SecretPurpose, SecretPurposeInfo>> = {
  "market-data-api": {
    writer: "operator",
    readers: "ingest",
    format: `JSON {"${MARKET_DATA_KEYS[0]}":"...","${MARKET_DATA_KEYS[1]}":"..."}`,
    validate: validateMarketData,
  },
  "influx-admin-token": { writer: "influx-bootstrap", readers: "the InfluxDB bootstrap, operators" },
  "influx-read-token": { writer: "influx-bootstrap", readers: "backend, Grafana" },
  "influx-write-token": { writer: "influx-bootstrap", readers: "ripples" },
};

export const OPERATOR_SECRETS = SECRET_PURPOSES.filter((p) => SECRETS[p].writer === "operator");
export const TOKEN_SECRETS = SECRET_PURPOSES.filter((p) => SECRETS[p].writer === "influx-bootstrap");

export const secretName = (config: Pick<StreamLinesConfig, "app" | "env">, purpose: SecretPurpose) =>
  `${config.app}-${config.env}/${purpose}`;

export const SECRET_SET_COMMAND = (purpose: SecretPurpose) => `npm run secret -- set ${purpose}`;

export type SecretState =
  { readonly state: "value"; readonly updated?: Date } | { readonly state: "empty" } | { readonly state: "missing" };

export function secretsClient(config: StreamLinesConfig): SecretsManagerClient {
  return new SecretsManagerClient(awsClientConfig(config));
}

/** Whether a secret (name or ARN) exists and has an AWSCURRENT version; its value is not read. */
export async function secretState(sm: SecretsManagerClient, secretId: string): Promise<SecretState> {
  try {
    const d = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
    if (d.DeletedDate) return { state: "missing" };
    const current = Object.values(d.VersionIdsToStages ?? {}).some((stages) => stages.includes("AWSCURRENT"));
    return current ? { state: "value", updated: d.LastChangedDate } : { state: "empty" };
  } catch (err) {
    if ((err as Error).name === "ResourceNotFoundException") return { state: "missing" };
    throw err;
  }
}

/** Writes a value as the new AWSCURRENT version; returns the version id. */
export async function putSecret(sm: SecretsManagerClient, secretId: string, value: string): Promise<string | undefined> {
  const out = await sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
  return out.VersionId;
}
