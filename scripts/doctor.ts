/**
 * Checks the prerequisites of a deploy, one line each, with the fix for every failure:
 *   STREAMLINES_ENV=dev npm run doctor
 * Exit 1 when a required check fails; WARN lines do not fail it.
 */
import { spawnSync } from "child_process";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { loadConfigOrExit } from "../config/load";
import { checkRegion } from "../config/rules";
import { StreamLinesConfig, imageBuilds } from "../config/schema";
import { CheckResult, OFFLINE_PHASE2_CHECKS, PHASE2_CHECKS, Status, runPhase2Checks } from "./lib/checks";
import { emulatorClientConfig } from "./lib/emulator";
import { notOursMessage, ownerCheckedS3Client } from "./lib/state-bucket";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** Write-only attributes (`secret_string_wo`, Grafana's admin password) need terraform 1.11; `use_lockfile` needs 1.10. */
export const MIN_TERRAFORM = [1, 11] as const;

export type { CheckResult, Status } from "./lib/checks";

export interface DoctorEnv {
  /** Environment for the terraform and docker processes and for AWS_REGION. */
  readonly env: NodeJS.ProcessEnv;
}

/** An image the hooks build: which service, from where, for which platform. */
export interface BuildImage {
  readonly image: string;
  readonly context: string;
  readonly platform: string;
}

/** Images with a build context in config (the hooks build them here), by repository. */
export function buildImages(config: StreamLinesConfig): BuildImage[] {
  return imageBuilds(config).map((b) => ({ image: b.repository, context: b.contextDir, platform: b.platform }));
}

/** `[major, minor]` of `terraform version -json` or plain `Terraform v1.11.4` output. */
export function parseTerraformVersion(text: string): [number, number, number] | undefined {
  let v: string | undefined;
  try {
    v = (JSON.parse(text) as { terraform_version?: string }).terraform_version;
  } catch {
    v = /Terraform v(\d+\.\d+\.\d+)/.exec(text)?.[1];
  }
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v ?? "");
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { env, encoding: "utf8", timeout: 30_000 });
  const stdout = (r.stdout ?? "").trim();
  return {
    missing: (r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT",
    code: r.status ?? 1,
    stdout,
    out: `${stdout}\n${r.stderr ?? ""}`.trim(),
  };
}

const firstLine = (s: string) =>
  s
    .split("\n")
    .find((l) => l.trim())
    ?.trim() ?? "";

export async function checkCredentials(config: StreamLinesConfig): Promise<CheckResult & { account?: string }> {
  const endpoint = config.emulator?.endpoint;
  const sts = new STSClient(endpoint ? emulatorClientConfig(endpoint, config.region) : { region: config.region, maxAttempts: 2 });
  try {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    return {
      name: "AWS credentials",
      status: "ok",
      account: id.Account,
      detail: `account ${id.Account} as ${id.Arn}${endpoint ? ` (emulator ${endpoint})` : ""}`,
    };
  } catch (err) {
    const e = err as Error;
    return {
      name: "AWS credentials",
      status: "FAIL",
      detail: `STS GetCallerIdentity: ${e.name}: ${firstLine(e.message)}`,
      fix: endpoint
        ? `start the emulator at ${endpoint} (python3 -m moto.server -p <port>) or fix emulator.endpoint in the config`
        : "log in (aws sso login --profile <p> and export AWS_PROFILE=<p>, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), then check with aws sts get-caller-identity",
    };
  } finally {
    sts.destroy();
  }
}

export function checkRegionSetting(config: StreamLinesConfig, env: NodeJS.ProcessEnv): CheckResult {
  const name = "region";
  for (const [key, value] of [
    ["region", config.region],
    ["state.region", config.state.region],
  ] as const) {
    const problem = checkRegion(value);
    if (problem)
      return {
        name,
        status: "FAIL",
        detail: `config ${key} ${JSON.stringify(value)}: ${problem}`,
        fix: `set ${key} in the config to a valid region`,
      };
  }
  // Terraform takes the region from config; the aws CLI in the image hooks takes it from here.
  const shell = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const which = env.AWS_REGION ? "AWS_REGION" : "AWS_DEFAULT_REGION";
  if (shell && shell !== config.region) {
    return {
      name,
      status: "FAIL",
      detail: `${which}=${shell} but the config says ${config.region}`,
      fix: `export ${which}=${config.region} (or unset it)`,
    };
  }
  return { name, status: "ok", detail: `${config.region} (config)${shell ? `, ${which} matches` : ""}; state in ${config.state.region}` };
}

/** The bucket exists and belongs to `account` (HeadBucket with ExpectedBucketOwner). */
export async function checkStateBucket(config: StreamLinesConfig, account: string | undefined): Promise<CheckResult> {
  const name = "state bucket";
  const bucket = config.state.bucket;
  if (!account)
    return {
      name,
      status: "FAIL",
      detail: `${bucket}: its owner cannot be checked without this account's id`,
      fix: "fix the AWS credentials (see above), then run npm run doctor again",
    };
  const s3 = ownerCheckedS3Client(config, account);
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return { name, status: "ok", detail: `${bucket} exists (${config.state.region}), owned by this account (${account})` };
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (status === 404 || e.name === "NotFound" || e.name === "NoSuchBucket") {
      return {
        name,
        status: "FAIL",
        detail: `${bucket} does not exist`,
        fix: `STREAMLINES_ENV=${config.env} npm run bootstrap-state (help/state.md)`,
      };
    }
    if (status === 403) {
      return {
        name,
        status: "FAIL",
        detail: notOursMessage(bucket, account),
        fix: "use credentials of the account that owns it, or choose another state.bucket",
      };
    }
    return {
      name,
      status: "FAIL",
      detail: `${bucket}: HeadBucket ${e.name}: ${firstLine(e.message)}`,
      fix: "check credentials and network, then run npm run doctor again",
    };
  } finally {
    s3.destroy();
  }
}

export function checkTerraform({ env }: DoctorEnv): CheckResult {
  const name = "terraform";
  const r = exec("terraform", ["version", "-json"], env);
  const install = `install terraform >= ${MIN_TERRAFORM.join(".")} (https://developer.hashicorp.com/terraform/install) and put it on PATH`;
  if (r.missing) return { name, status: "FAIL", detail: "not found on PATH", fix: install };
  // stdout only: terraform warns on stderr (e.g. a missing ~/.terraformrc) next to the JSON.
  const v = parseTerraformVersion(r.stdout);
  if (!v) return { name, status: "FAIL", detail: `cannot read the version from: ${firstLine(r.out)}`, fix: install };
  const [maj, min] = MIN_TERRAFORM;
  if (v[0] < maj || (v[0] === maj && v[1] < min)) {
    return {
      name,
      status: "FAIL",
      detail: `${v.join(".")} is older than ${maj}.${min} (write-only attributes such as secret_string_wo)`,
      fix: install,
    };
  }
  return { name, status: "ok", detail: `${v.join(".")} (>= ${maj}.${min})` };
}

/** Docker matters only when an image is built here; otherwise its absence is a warning. */
export function checkDocker({ env }: DoctorEnv, images: readonly BuildImage[]): CheckResult[] {
  const needed = images.length > 0;
  const bad: Status = needed ? "FAIL" : "WARN";
  const why = needed ? "" : " (not needed now: no build contexts configured)";
  const version = exec("docker", ["--version"], env);
  if (version.missing)
    return [
      {
        name: "docker",
        status: bad,
        detail: `not found on PATH${why}`,
        fix: "install Docker Engine (or Docker Desktop) with the buildx plugin",
      },
    ];
  const out: CheckResult[] = [{ name: "docker", status: "ok", detail: firstLine(version.out) }];
  const buildx = exec("docker", ["buildx", "version"], env);
  out.push(
    buildx.code === 0
      ? { name: "docker buildx", status: "ok", detail: firstLine(buildx.out) }
      : {
          name: "docker buildx",
          status: bad,
          detail: `docker buildx version failed: ${firstLine(buildx.out)}${why}`,
          fix: "install the buildx plugin (apt-get install docker-buildx-plugin, or Docker Desktop)",
        },
  );
  const info = exec("docker", ["info", "--format", "{{.ServerVersion}}"], env);
  out.push(
    info.code === 0
      ? { name: "docker daemon", status: "ok", detail: `running, server ${firstLine(info.out)}` }
      : {
          name: "docker daemon",
          status: bad,
          detail: `docker info failed: ${firstLine(info.out)}${why}`,
          fix: "start the daemon (sudo systemctl start docker, or open Docker Desktop) and make sure your user may use it",
        },
  );
  return out;
}

export function checkPlatforms(images: readonly BuildImage[]): CheckResult {
  if (images.length === 0)
    return { name: "image platforms", status: "ok", detail: "no build contexts configured (pinned image tags only)" };
  return { name: "image platforms", status: "ok", detail: images.map((i) => `${i.image} ${i.platform} from ${i.context}`).join("; ") };
}

export async function runChecks(config: StreamLinesConfig, denv: DoctorEnv): Promise<CheckResult[]> {
  const images = buildImages(config);
  const creds = await checkCredentials(config);
  const bucket = await checkStateBucket(config, creds.account);
  delete creds.account;
  const local = [
    creds,
    checkRegionSetting(config, denv.env),
    bucket,
    checkTerraform(denv),
    ...checkDocker(denv, images),
    checkPlatforms(images),
  ];
  // Without credentials every AWS lookup fails the same way; the credentials line already says so.
  const phase2 = await runPhase2Checks(config, creds.status === "ok" ? PHASE2_CHECKS : OFFLINE_PHASE2_CHECKS);
  return [...local, ...phase2];
}

export function render(results: readonly CheckResult[]): { lines: string[]; code: number } {
  const w = Math.max(...results.map((r) => r.name.length));
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.status.padEnd(4)}  ${r.name.padEnd(w)}  ${r.detail}`);
    if (r.status !== "ok" && r.fix) lines.push(`${" ".repeat(6 + w)}  fix: ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === "FAIL").length;
  const warned = results.filter((r) => r.status === "WARN").length;
  lines.push(
    failed
      ? `doctor: ${failed} check(s) failed; fix them before npm run deploy`
      : `doctor: ready to deploy${warned ? ` (${warned} warning(s))` : ""}`,
  );
  return { lines, code: failed ? 1 : 0 };
}

export async function main(
  config: StreamLinesConfig,
  env: NodeJS.ProcessEnv = process.env,
  out: (l: string) => void = (l) => void process.stdout.write(`${l}\n`),
): Promise<number> {
  out(`doctor: ${config.app}-${config.env} in ${config.region}${config.emulator ? ` (emulator ${config.emulator.endpoint})` : ""}`);
  const { lines, code } = render(await runChecks(config, { env }));
  lines.forEach(out);
  return code;
}

if (require.main === module) {
  const config = loadConfigOrExit();
  main(config).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`doctor: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
