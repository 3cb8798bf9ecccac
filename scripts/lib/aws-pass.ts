/**
 * `npm run test:aws`: the acceptance tier's e2e pass against a real account (help/acceptance.md).
 * Its options, its config (the operator's, under an ephemeral env name) and the account confirmation.
 */
import * as fs from "fs";
import { parseArgs } from "util";

export const AWS_LABEL = "aws";
export const AWS_USAGE =
  "usage: npm run test:aws -- --env <ephemeral env> --config <config file> --market-data-api-file <file> [--account <12-digit id>]";

export interface AwsPassOptions {
  /** The ephemeral env name; every resource is named and tagged with it. */
  readonly env: string;
  readonly configFile: string;
  /** The market-data-api secret's value (JSON with the keys ingest reads), read from a file, never from argv. */
  readonly marketDataApi: string;
  /** The account id confirmed on the command line; otherwise it is typed. */
  readonly account?: string;
}

/** Parses test:aws's flags; throws one line naming what is wrong. */
export function parseAwsArgs(argv: readonly string[]): AwsPassOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      aws: { type: "boolean" },
      env: { type: "string" },
      config: { type: "string" },
      "market-data-api-file": { type: "string" },
      account: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const missing = (["env", "config", "market-data-api-file"] as const).filter((k) => !values[k]);
  if (missing.length) throw new Error(`missing ${missing.map((k) => `--${k}`).join(", ")}; ${AWS_USAGE}`);
  const env = values.env!;
  // An ephemeral name: short (it goes into bucket and role names) and never a long-lived one.
  if (!/^[a-z][a-z0-9]{1,9}$/.test(env))
    throw new Error(`--env ${JSON.stringify(env)}: expected 2-10 lowercase letters and digits, starting with a letter`);
  if (["dev", "prod", "production", "staging", "stage"].includes(env))
    throw new Error(`--env ${env}: test:aws destroys everything it made; choose an ephemeral name, not ${env}`);
  if (values.account !== undefined && !/^\d{12}$/.test(values.account))
    throw new Error(`--account ${JSON.stringify(values.account)}: expected the 12-digit account id`);
  if (!fs.existsSync(values.config!)) throw new Error(`--config ${values.config}: no such file`);
  const apiFile = values["market-data-api-file"]!;
  if (!fs.existsSync(apiFile)) throw new Error(`--market-data-api-file ${apiFile}: no such file`);
  const marketDataApi = fs.readFileSync(apiFile, "utf8").replace(/\r?\n$/, "");
  if (!marketDataApi) throw new Error(`--market-data-api-file ${apiFile}: empty`);
  return { env, configFile: values.config!, marketDataApi, ...(values.account !== undefined && { account: values.account }) };
}

/**
 * The operator's config for the ephemeral env: its own names for what must be unique (buckets in
 * the account, the connection table), data retention off so the destroy leaves nothing, no emulator.
 */
export function awsE2eConfig(configFile: string, env: string, account: string): Record<string, unknown> {
  const raw = JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, Record<string, unknown>>;
  const app = String(raw.app);
  const region = String(raw.region);
  const out: Record<string, unknown> = {
    ...raw,
    env,
    dataRetention: false,
    artifacts: { ...raw.artifacts, bucketName: `${app}-${env}-artifacts-${account}-${region}` },
    connectionTable: { ...raw.connectionTable, name: `${app}-${env}-connections` },
  };
  const accessLogs = (raw.loadBalancer as { accessLogs?: Record<string, unknown> } | undefined)?.accessLogs;
  if (accessLogs)
    out.loadBalancer = { ...raw.loadBalancer, accessLogs: { ...accessLogs, bucketName: `${app}-${env}-alb-logs-${account}-${region}` } };
  delete out.emulator;
  return out;
}

/** Why the run must not start, or undefined when the account the shell's credentials reach is the confirmed one. */
export function accountRefusal(actual: string, confirmed: string | undefined): string | undefined {
  if (confirmed === undefined)
    return `the credentials reach account ${actual}; confirm it with --account ${actual} (or type it when asked)`;
  if (confirmed !== actual) return `--account ${confirmed} but the credentials reach account ${actual}; nothing was created`;
  return undefined;
}
