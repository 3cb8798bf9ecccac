/**
 * Acceptance tier (DESIGN.md tier 5): deploys every stack for real against the moto AWS emulator,
 * requires a clean re-plan (bar known emulator gaps), destroys in reverse and proves nothing is left.
 *   npm run test:acceptance
 * Terraform output goes to per-stack logs in a temp work dir (kept on failure); stdout gets one line per stack.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createHash } from "crypto";
import * as readline from "readline/promises";
import { ECSClient, DescribeServicesCommand, DescribeTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { EC2Client, CreateVolumeCommand, DeleteVolumeCommand, DescribeInstancesCommand, DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import { EFSClient, DescribeFileSystemsCommand } from "@aws-sdk/client-efs";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { ConfigError, loadConfig, parseConfig } from "../config/load";
import { StreamLinesConfig } from "../config/schema";
import { EMULATOR_CREDENTIALS } from "../stacks/base";
import { bootstrapStateBucket } from "./bootstrap-state";
import { emulatorTerraformEnv, inPass, longestFirst, passConcurrency, passName, passStacks, spawnAsync } from "./lib/acceptance-passes";
import { AWS_LABEL, AwsPassOptions, accountRefusal, awsE2eConfig, parseAwsArgs } from "./lib/aws-pass";
import { pinnedImages } from "./lib/checks";
import { Emulator, emulatorClientConfig, emulatorShellEnv, startMoto } from "./lib/emulator";
import { detachHooksForEmulator, runHooksAfterApply } from "./lib/hooks";
import { TOKEN_SECRETS, secretName } from "./lib/secrets";
import { deleteHostedZones, ensureHostedZones, hostedZonesNamedIn } from "./lib/hosted-zones";
import { limiter } from "./lib/limiter";
import { GapList, PlanJson, acceptedGapNames, analyzePlan, formatViolations, loadGapList } from "./lib/plan-diff";
import { Residual, formatResidualTable, listResiduals, loadKeptList, partitionKept } from "./lib/residuals";
import { phaseOrder, readManifest, stackWorkingDir } from "./lib/stacks";
import { TerraformResult, findProviderMirror, repoRoot, runTerraform, writeCliConfig } from "./lib/terraform";

// The SDK nags about Node 20 on every run; the project supports Node 20 (package.json engines).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const ROOT = repoRoot();
const GAPS_FILE = path.join(ROOT, "acceptance", "known-emulator-gaps.json");
const KEPT_FILE = path.join(ROOT, "acceptance", "kept-resources.json");
/** Every `config/acceptance*.json` runs, each against its own emulator (acceptance.json: full, acceptance-backend-only.json). */
const CONFIG_DIR = path.join(ROOT, "config");
export const acceptanceConfigs = (dir = CONFIG_DIR, only = process.env.STREAMLINES_ACCEPTANCE_ONLY): string[] => {
  const all = fs
    .readdirSync(dir)
    .filter((f) => /^acceptance.*\.json$/.test(f))
    .sort();
  // For iterating on one variant; CI runs them all.
  const wanted = only ? only.split(",").map((l) => `${l.trim()}.json`) : all;
  const unknown = wanted.filter((f) => !all.includes(f));
  if (unknown.length) throw new Error(`STREAMLINES_ACCEPTANCE_ONLY: ${unknown.join(", ")} not in ${dir}; have ${all.join(", ")}`);
  return all.filter((f) => wanted.includes(f)).map((f) => path.join(dir, f));
};
/** Per terraform command; a hung emulator call must not eat the whole 15-minute budget. */
const STEP_TIMEOUT_MS = 8 * 60_000;
const TAIL_LINES = 25;

const say = (line: string) => process.stdout.write(`${line}\n`);
const labelled = (what: string) => `${what} [${passName()}]`;
const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

/** Managed resources in `terraform state list` output (data sources excluded, also inside modules). */
export function countManaged(stateList: string): number {
  return stateList.split("\n").filter((l) => l.trim() && !/(^|\.)data\./.test(l.trim())).length;
}

function tail(text: string, n = TAIL_LINES): string {
  const lines = text.trimEnd().split("\n");
  return lines
    .slice(-n)
    .map((l) => `    | ${l}`)
    .join("\n");
}

// ---- the image hooks and the app's CI, against the emulator ----

/** The `docker` stand-in (acceptance/stand-ins/docker): records builds, pushes by PutImage into the emulator's ECR. */
export const STAND_IN_BIN = path.join(ROOT, "acceptance", "stand-ins");

/** A shell pointed at the emulator with the docker stand-in first on PATH; builds are recorded in `log`. */
export function standInEnv(base: NodeJS.ProcessEnv, endpoint: string, log: string): NodeJS.ProcessEnv {
  return { ...base, ...emulatorShellEnv(endpoint), PATH: `${STAND_IN_BIN}${path.delimiter}${base.PATH ?? ""}`, DOCKER_STANDIN_LOG: log };
}

function runProcess(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => chunks.push(b));
    child.stderr.on("data", (b: Buffer) => chunks.push(b));
    child.on("error", (e) => resolve({ code: 127, out: e.message }));
    child.on("close", (code) => resolve({ code: code ?? 1, out: Buffer.concat(chunks).toString("utf8") }));
  });
}

/**
 * Stands in for the app's own CI: pushes every pinned tag the profile runs (`docker push`, the
 * stand-in writes the manifest into ECR). Returns the pushed references, or throws naming the one that failed.
 */
export async function pushPinnedImagesAsCi(config: StreamLinesConfig, env: NodeJS.ProcessEnv, endpoint: string): Promise<string[]> {
  const sts = new STSClient(emulatorClientConfig(endpoint, config.region));
  let account: string | undefined;
  try {
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } finally {
    sts.destroy();
  }
  const pushed: string[] = [];
  for (const image of pinnedImages(config)) {
    const uri = `${account}.dkr.ecr.${config.region}.amazonaws.com/${image.repositoryName}:${image.tag}`;
    const r = await runProcess("docker", ["push", uri], env);
    if (r.code !== 0) throw new Error(`docker push ${uri} (the app's CI stand-in) exited ${r.code}: ${r.out.trim()}`);
    pushed.push(`${image.repositoryName}:${image.tag}`);
  }
  return pushed;
}

/**
 * Stands in for the InfluxDB host's first boot (no instance runs in the emulator): once the host
 * (EBS: the instance named <app>-<env>-influxdb) exists, it writes the three token secrets, as
 * bootstrap.sh does after influx setup. Stopped by the returned function.
 */
export function standInInfluxBootstrap(config: StreamLinesConfig, endpoint: string, say: (line: string) => void): () => void {
  const ec2 = new EC2Client(emulatorClientConfig(endpoint, config.region));
  const sm = new SecretsManagerClient(emulatorClientConfig(endpoint, config.region));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const host = `${config.app}-${config.env}-influxdb`;
  const seen = new Set<string>();
  const tick = async () => {
    try {
      const out = await ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: "tag:Name", Values: [host] },
            { Name: "instance-state-name", Values: ["pending", "running"] },
          ],
        }),
      );
      for (const id of (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId!)) {
        if (seen.has(id)) continue;
        seen.add(id);
        for (const purpose of TOKEN_SECRETS) {
          await sm.send(
            new PutSecretValueCommand({
              SecretId: secretName(config, purpose),
              SecretString: createHash("sha256").update(`${id} ${purpose} ${Date.now()}`).digest("base64url"),
            }),
          );
        }
        say(`acceptance ${labelled("influx bootstrap stand-in")}: ${host} (${id}) is up: published ${TOKEN_SECRETS.join(", ")}`);
      }
    } catch {
      // The secrets or the host do not exist yet; the next tick looks again.
    }
    if (!stopped) timer = setTimeout(() => void tick(), 2000);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    ec2.destroy();
    sm.destroy();
  };
}

interface StackResult {
  name: string;
  dir: string;
  log: string;
  applied?: number;
  initialized?: boolean;
  replan?: { clean: boolean; gaps: string[]; violations: string[] };
  destroyed?: boolean;
  /** What the post-apply check established, e.g. "2 function(s) from lambdas/ objects". */
  checked?: string;
  failure?: { step: string; detail: string };
  skipped?: string;
  ms: number;
}

/** A check of what an applied stack created, beyond Terraform's own view; `problems` fail the stack. */
type AfterApply = (stack: StackResult) => Promise<{ checked?: string; problems: string[] }>;

class Runner {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly gaps: GapList,
    private readonly plansDir: string,
    private readonly afterApply: AfterApply,
  ) {}

  private async tf(stack: StackResult, args: string[]): Promise<TerraformResult> {
    const started = Date.now();
    const r = await runTerraform([...args, "-no-color"], { cwd: stack.dir, env: this.env, timeoutMs: STEP_TIMEOUT_MS });
    fs.appendFileSync(
      stack.log,
      `\n===== terraform ${args.join(" ")} (exit ${r.code}, ${secs(Date.now() - started)})\n` +
        (args[0] === "show" ? "(json plan written to the plans dir)\n" : r.stdout) +
        (r.stderr ? `----- stderr\n${r.stderr}` : ""),
    );
    return r;
  }

  private fail(stack: StackResult, step: string, r: TerraformResult): false {
    stack.failure = { step, detail: `terraform ${step} exited ${r.code}; log ${stack.log}\n${tail(r.stderr.trim() || r.stdout)}` };
    return false;
  }

  /** init, apply, count, re-plan. Returns false when the stack failed. */
  async up(stack: StackResult): Promise<boolean> {
    const started = Date.now();
    const times: string[] = [];
    const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
      const t = Date.now();
      const out = await fn();
      times.push(`${label} ${secs(Date.now() - t)}`);
      return out;
    };
    try {
      const init = await timed("init", () => this.tf(stack, ["init", "-input=false"]));
      if (init.code !== 0) return this.fail(stack, "init", init);
      stack.initialized = true;

      const apply = await timed("apply", () => this.tf(stack, ["apply", "-auto-approve", "-input=false"]));
      if (apply.code !== 0) return this.fail(stack, "apply", apply);

      const list = await this.tf(stack, ["state", "list"]);
      if (list.code !== 0) return this.fail(stack, "state list", list);
      stack.applied = countManaged(list.stdout);

      const check = await this.afterApply(stack);
      stack.checked = check.checked;
      if (check.problems.length > 0) {
        stack.failure = { step: "post-apply check", detail: `\n${check.problems.map((p) => `    ${p}`).join("\n")}` };
        return false;
      }

      const planFile = path.join(this.plansDir, `${stack.name}.tfplan`);
      // With its refresh: the state an apply records is not what a later read returns (ECS services, for one), and that read is what the check is for.
      const plan = await timed("replan", () => this.tf(stack, ["plan", "-detailed-exitcode", "-input=false", `-out=${planFile}`]));
      if (plan.code === 0) {
        stack.replan = { clean: true, gaps: [], violations: [] };
        return true;
      }
      if (plan.code !== 2) return this.fail(stack, "plan", plan);
      const show = await this.tf(stack, ["show", "-json", planFile]);
      if (show.code !== 0) return this.fail(stack, "show", show);
      fs.writeFileSync(`${planFile}.json`, show.stdout);
      const analysis = analyzePlan(JSON.parse(show.stdout) as PlanJson, this.gaps);
      const violations = formatViolations(analysis.violations);
      if (analysis.clean) violations.push("plan exited 2 but its JSON shows no change");
      stack.replan = { clean: analysis.ok && !analysis.clean, gaps: acceptedGapNames(analysis), violations };
      if (violations.length > 0) {
        stack.failure = {
          step: "replan",
          detail: `${violations.length} change(s) outside ${path.relative(ROOT, GAPS_FILE)}; plan JSON ${planFile}.json\n${violations.map((v) => `    ${v}`).join("\n")}`,
        };
        return false;
      }
      return true;
    } finally {
      say(`  ${labelled(stack.name)}: ${times.join(", ")}`);
      stack.ms += Date.now() - started;
    }
  }

  async down(stack: StackResult): Promise<boolean> {
    const started = Date.now();
    // The re-plan has just refreshed the state: destroy needs only the ids in it.
    const r = await this.tf(stack, ["destroy", "-refresh=false", "-auto-approve", "-input=false"]);
    stack.ms += Date.now() - started;
    say(`  ${labelled(stack.name)}: destroy ${secs(Date.now() - started)}; ${secs(stack.ms)} for the stack`);
    if (r.code !== 0) {
      // Keep the first failure (apply or replan) as the headline; add the destroy one after it.
      const first = stack.failure;
      this.fail(stack, "destroy", r);
      if (first) stack.failure = { step: `${first.step}, then destroy`, detail: `${first.detail}\n${stack.failure!.detail}` };
      return false;
    }
    stack.destroyed = true;
    return true;
  }
}

/**
 * After a stack applied: its image hooks (their own local-exec commands, the null provider being
 * absent offline), then, after phase 1, the pinned tags the app's CI would have pushed. Records a
 * failure on the stack and returns false when either fails.
 */
async function betweenPhases(
  s: StackResult,
  manifest: ReturnType<typeof readManifest>,
  hooks: Parameters<typeof runHooksAfterApply>[0],
  tfEnv: NodeJS.ProcessEnv,
  hookEnv: NodeJS.ProcessEnv,
  config: StreamLinesConfig,
  endpoint: string,
): Promise<boolean> {
  const lines: string[] = [];
  const show = async () => {
    const r = await runTerraform(["show", "-json", "-no-color"], { cwd: s.dir, env: tfEnv, timeoutMs: STEP_TIMEOUT_MS });
    if (r.code !== 0) throw new Error(`terraform show -json exited ${r.code}: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const failure = await runHooksAfterApply(hooks, s.dir, show, hookEnv, (l) => lines.push(l));
  fs.appendFileSync(s.log, `\n===== image hooks (local-exec, run by the acceptance tier)\n${lines.join("\n")}\n`);
  for (const l of lines.filter((x) => /image-build \[.*\]: (5\/5|4\/5 lookup: .* already in ECR)/.test(x)))
    say(`  ${labelled(s.name)}: ${l}`);
  if (failure) {
    s.failure = { step: "image hooks", detail: `${failure}\n${tail(lines.join("\n"))}` };
    return false;
  }
  if ((manifest.stacks[s.name].dependencies ?? []).length === 0) {
    try {
      const pushed = await pushPinnedImagesAsCi(config, hookEnv, endpoint);
      if (pushed.length) say(`  ${labelled(s.name)}: the app's CI (stand-in) pushed the pinned ${pushed.join(", ")}`);
    } catch (e) {
      s.failure = { step: "pinned images", detail: (e as Error).message };
      return false;
    }
  }
  return true;
}

function resultLine(s: StackResult): string {
  if (s.skipped) return `acceptance ${labelled(s.name)}: skipped (${s.skipped})`;
  const parts: string[] = [];
  parts.push(s.applied !== undefined ? `applied ${s.applied}` : "apply FAILED");
  if (s.checked) parts.push(s.checked);
  if (s.replan) {
    if (s.replan.violations.length > 0) parts.push(`replan FAILED (${s.replan.violations.length} change(s) outside the gap list)`);
    else parts.push(s.replan.gaps.length > 0 ? `replan clean (known emulator gaps: ${s.replan.gaps.join(", ")})` : "replan clean");
  } else if (s.applied !== undefined) {
    parts.push("replan FAILED");
  }
  parts.push(s.destroyed ? "destroyed" : s.initialized ? "destroy FAILED" : "nothing to destroy");
  return `acceptance ${labelled(s.name)}: ${parts.join(", ")}`;
}

/** The acceptance config with the emulator endpoint of this run. */
function writeRunConfig(dir: string, endpoint: string, baseConfig: string): string {
  const raw = JSON.parse(fs.readFileSync(baseConfig, "utf8")) as Record<string, unknown>;
  raw.emulator = { endpoint };
  const file = path.join(dir, path.basename(baseConfig));
  fs.writeFileSync(file, `${JSON.stringify(raw, null, 2)}\n`);
  return file;
}

interface Tally {
  passed: number;
  failed: number;
}

/**
 * Deleted ECS services and deregistered task definitions stay listed (INACTIVE) for a while, or for
 * good, and keep their tags, in AWS as in the emulator; they run and cost nothing.
 */
async function withoutInactiveEcs(
  residuals: readonly Residual[],
  endpoint: string,
  region: string,
): Promise<{ left: Residual[]; inactive: number }> {
  const ecs = new ECSClient({
    region,
    endpoint,
    credentials: { accessKeyId: EMULATOR_CREDENTIALS.accessKey, secretAccessKey: EMULATOR_CREDENTIALS.secretKey },
  });
  const left: Residual[] = [];
  let inactive = 0;
  try {
    for (const r of residuals) {
      const arn = r.arn ?? "";
      let status: string | undefined;
      const service = /^arn:[^:]+:ecs:[^:]+:\d+:service\/([^/]+)\/(.+)$/.exec(arn);
      if (service) {
        const out = await ecs.send(new DescribeServicesCommand({ cluster: service[1], services: [arn] }));
        status = out.services?.[0]?.status;
      } else if (/^arn:[^:]+:ecs:[^:]+:\d+:task-definition\//.test(arn)) {
        status = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition?.status;
      }
      if (status === "INACTIVE") inactive++;
      else left.push(r);
    }
  } finally {
    ecs.destroy();
  }
  return { left, inactive };
}

const sha256Base64 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("base64");

/**
 * Every Lambda function of the stack runs the zip that was uploaded to `lambdas/` in the artifacts
 * bucket, byte for byte the asset synth built: the object's hash, the asset's and the function's
 * CodeSha256 agree.
 */
async function checkLambdaCode(
  stack: StackResult,
  bucket: string,
  endpoint: string,
  region: string,
): Promise<{ checked?: string; problems: string[] }> {
  const json = JSON.parse(fs.readFileSync(path.join(stack.dir, "cdk.tf.json"), "utf8")) as {
    resource?: Record<string, Record<string, Record<string, unknown>>>;
  };
  const functions = Object.values(json.resource?.aws_lambda_function ?? {});
  if (functions.length === 0) return { problems: [] };
  const objects = json.resource?.aws_s3_object ?? {};
  const clientConfig = {
    region,
    endpoint,
    credentials: { accessKeyId: EMULATOR_CREDENTIALS.accessKey, secretAccessKey: EMULATOR_CREDENTIALS.secretKey },
  };
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  const lambda = new LambdaClient(clientConfig);
  const problems: string[] = [];
  try {
    for (const fn of functions) {
      const name = String(fn.function_name);
      const objectId = /^\$\{aws_s3_object\.([\w-]+)\.key\}$/.exec(String(fn.s3_key))?.[1];
      const assetPath = /^\$\{filebase64sha256\("([^"]+)"\)\}$/.exec(String(fn.source_code_hash))?.[1];
      const key = objectId ? String(objects[objectId]?.key) : undefined;
      if (!key?.startsWith("lambdas/") || !assetPath) {
        problems.push(`${name}: not deployed from a lambdas/ object of the artifacts bucket (s3_key ${String(fn.s3_key)})`);
        continue;
      }
      const asset = sha256Base64(fs.readFileSync(path.join(stack.dir, assetPath)));
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const uploaded = sha256Base64(await object.Body!.transformToByteArray());
      const deployed = (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.CodeSha256;
      if (uploaded !== asset || deployed !== asset) {
        problems.push(`${name}: asset ${asset}, s3://${bucket}/${key} ${uploaded}, function CodeSha256 ${deployed ?? "(none)"}`);
      }
    }
  } finally {
    s3.destroy();
    lambda.destroy();
  }
  return { checked: `${functions.length - problems.length} function(s) run their lambdas/ object`, problems };
}

/** A pass's emulator: started ahead of the pass (`starting`), then `current` while the pass uses it. */
interface EmulatorRef {
  current?: Emulator;
  starting?: Promise<Emulator>;
}

async function run(work: string, emulatorRef: EmulatorRef, baseConfig: string): Promise<Tally> {
  const gaps = loadGapList(GAPS_FILE);
  const keptList = loadKeptList(KEPT_FILE);

  const emulator = await (emulatorRef.starting ?? startMoto({ logFile: path.join(work, "moto.log") }));
  emulatorRef.current = emulator;
  say(`acceptance [${passName()}]: moto on ${emulator.endpoint} (pid ${emulator.pid}); logs in ${work}`);

  const configFile = writeRunConfig(work, emulator.endpoint, baseConfig);
  let config: StreamLinesConfig;
  try {
    config = loadConfig(configFile);
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`config error: ${err.message}`, { cause: err });
    throw err;
  }

  const scope = {
    app: config.app,
    env: config.env,
    region: config.region,
    stateBucket: config.state.bucket,
    endpoint: emulator.endpoint,
    mode: "account" as const,
  };
  // What the emulator holds before the first apply (moto's stock AMI snapshots, say) is not a leftover.
  const baseline = await listResiduals(scope);
  const residualKey = (r: Residual) => `${r.service}/${r.kind}/${r.id}`;
  const preexisting = new Set(baseline.residuals.map(residualKey));

  const bootstrapLog: string[] = [];
  await bootstrapStateBucket(config, (l) => bootstrapLog.push(l));
  fs.writeFileSync(path.join(work, "bootstrap-state.log"), `${bootstrapLog.join("\n")}\n`);
  say(`acceptance [${passName()}]: ${bootstrapLog[bootstrapLog.length - 1]}`);
  // Zones the config looks up by name stand in for the operator's own; made here, deleted before the residuals check.
  const zoneNames = hostedZonesNamedIn(config);
  const createdZones = await ensureHostedZones(zoneNames, emulator.endpoint, config.region);
  if (createdZones.length > 0) say(`acceptance [${passName()}]: created hosted zone(s) ${zoneNames.join(", ")}`);

  const outdir = path.join(work, "cdktf.out");
  const synthStarted = Date.now();
  const synth = await spawnAsync(process.execPath, [path.join(ROOT, "dist", "main.js")], {
    cwd: ROOT,
    env: { ...process.env, STREAMLINES_CONFIG: configFile, CDKTF_OUTDIR: outdir },
  });
  fs.writeFileSync(path.join(work, "synth.log"), `${synth.stdout ?? ""}\n----- stderr\n${synth.stderr ?? ""}`);
  if (synth.status !== 0) {
    say(
      `acceptance [${passName()}]: synth FAILED (exit ${synth.status ?? synth.signal})\n${tail(synth.stderr || synth.stdout || String(synth.error))}`,
    );
    return { passed: 0, failed: 1 };
  }
  const manifest = readManifest(outdir);
  const order = phaseOrder(manifest);
  say(`acceptance [${passName()}]: synthesized in ${secs(Date.now() - synthStarted)}; phase order ${order.join(", ")}`);

  const cliDir = path.join(work, "terraform-cli");
  const env = writeCliConfig(cliDir, findProviderMirror(), emulatorTerraformEnv({ ...process.env, STREAMLINES_CONFIG: configFile }));
  const plansDir = path.join(work, "plans");
  const logsDir = path.join(work, "logs");
  fs.mkdirSync(plansDir, { recursive: true });
  fs.mkdirSync(logsDir, { recursive: true });
  const runner = new Runner(env, gaps, plansDir, (stack) =>
    checkLambdaCode(stack, config.artifacts.bucketName, emulator.endpoint, config.region),
  );

  const selection = passStacks(passName(), order, (name) => manifest.stacks[name].dependencies ?? []);
  if (selection.left.length > 0)
    say(
      `acceptance [${passName()}]: deploys ${selection.deploy.join(", ")}; not ${selection.left.join(", ")} (scripts/lib/acceptance-passes.ts: another pass deploys them)`,
    );
  const stacks: StackResult[] = selection.deploy.map((name) => ({
    name,
    dir: stackWorkingDir(outdir, manifest, name),
    log: path.join(logsDir, `${name}.log`),
    ms: 0,
  }));
  const detached = await detachHooksForEmulator(true, outdir, manifest, env);
  const hookEnv = standInEnv(process.env, emulator.endpoint, path.join(work, "docker-stand-in.log"));

  // Later stacks read earlier ones' state: after the first failure, they cannot be meaningful.
  for (const s of stacks) {
    const failedDep = stacks.find((o) => o !== s && o.failure && (manifest.stacks[s.name].dependencies ?? []).includes(o.name));
    if (failedDep) {
      s.skipped = `${failedDep.name} failed`;
      continue;
    }
    if (await runner.up(s)) await betweenPhases(s, manifest, detached.get(s.name) ?? [], env, hookEnv, config, emulator.endpoint);
  }
  for (const s of [...stacks].reverse()) {
    if (s.initialized) await runner.down(s);
  }

  await deleteHostedZones(createdZones, emulator.endpoint, config.region);
  const residualStarted = Date.now();
  const report = await listResiduals(scope);
  const { kept, left: notKept } = partitionKept(
    report.residuals.filter((r) => !preexisting.has(residualKey(r))),
    keptList,
  );
  const { left, inactive } = await withoutInactiveEcs(notKept, emulator.endpoint, config.region);
  const ignored = [
    ...(preexisting.size ? [`${preexisting.size} present before the first apply`] : []),
    ...(inactive ? [`${inactive} inactive ECS service(s) and task definition(s)`] : []),
  ];
  say(
    `  ${labelled("residuals")}: checked in ${secs(Date.now() - residualStarted)}${ignored.length ? `; ignored ${ignored.join(", ")}` : ""}`,
  );

  let failed = 0;
  for (const s of stacks) {
    say(resultLine(s));
    if (s.failure || s.skipped) {
      failed++;
      if (s.failure) say(`  FAILED at ${s.failure.step} of ${labelled(s.name)}: ${s.failure.detail}`);
    }
  }
  const residualsOk = left.length === 0 && report.errors.length === 0;
  const keptNote = kept.length > 0 ? `, ${kept.length} kept on purpose` : "";
  if (residualsOk) {
    say(`acceptance ${labelled("residuals")}: nothing left${keptNote}`);
  } else {
    failed++;
    say(
      `acceptance ${labelled("residuals")}: FAILED, ${left.length} left${keptNote}${report.errors.length ? `, ${report.errors.length} listing(s) failed` : ""}`,
    );
    if (left.length > 0)
      say(
        formatResidualTable(left)
          .map((l) => `    ${l}`)
          .join("\n"),
      );
    for (const e of report.errors) say(`    could not list ${e}`);
  }
  return { passed: stacks.length + 1 - failed, failed };
}

// ---- e2e: the operator's npm commands, end to end, against their own emulator ----

/**
 * The e2e pass's config: the backend-only acceptance config with dataRetention on (the kept-data path),
 * env e2e, and the default EBS storage, so the cycle proves the host's volume survives (EFS has its own run).
 */
export const E2E_BASE_CONFIG = path.join(CONFIG_DIR, "acceptance-backend-only.json");
export const E2E_LABEL = "e2e";

export function e2eConfig(baseConfig: string, endpoint: string, dataRetention: boolean): Record<string, unknown> {
  const raw = JSON.parse(fs.readFileSync(baseConfig, "utf8")) as Record<string, Record<string, unknown>>;
  return {
    ...raw,
    env: "e2e",
    dataRetention,
    influx: { ...raw.influx, storage: "ebs" },
    artifacts: { ...raw.artifacts, bucketName: "streamlines-e2e-artifacts" },
    connectionTable: { ...raw.connectionTable, name: "streamlines-e2e-connections" },
    emulator: { endpoint },
  };
}

interface NpmResult {
  readonly code: number;
  readonly out: string;
}

/** `npm run <script> [-- args]` from the repository root, output to `log`; `input`, if given, is its stdin. */
function npmRun(script: string, args: readonly string[], env: NodeJS.ProcessEnv, log: string, input?: string): Promise<NpmResult> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", script, ...(args.length ? ["--", ...args] : [])], {
      cwd: ROOT,
      env,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (input !== undefined) child.stdin!.end(input);
    const chunks: Buffer[] = [];
    child.stdout!.on("data", (b: Buffer) => chunks.push(b));
    child.stderr!.on("data", (b: Buffer) => chunks.push(b));
    const timer = setTimeout(() => child.kill("SIGTERM"), 20 * 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const out = Buffer.concat(chunks).toString("utf8");
      fs.writeFileSync(log, `$ npm run ${script} ${args.join(" ")} (exit ${code})\n${out}`);
      resolve({ code: code ?? 1, out });
    });
  });
}

/** A failed e2e expectation: the step, what was expected, where the output is. */
class E2eFailure extends Error {}

/**
 * Where the e2e pass runs. The emulator pass starts moto and stands in for what only real AWS or
 * other people do (the app's CI pushing pinned tags, the InfluxDB host publishing its tokens), and
 * goes on through the kept-data cycle. test:aws runs the same steps against the account in the
 * shell, with a strict plan, and always tears down.
 */
export type E2eTarget =
  | { readonly kind: "emulator"; readonly emulatorRef: EmulatorRef }
  | { readonly kind: "aws"; readonly options: AwsPassOptions; readonly account: string };

type E2eStep = (
  name: string,
  script: string,
  args: string[],
  check: (r: NpmResult) => string | undefined,
  configFile?: string,
  input?: string,
) => Promise<NpmResult>;

/** moto's account id. */
const MOTO_ACCOUNT = "123456789012";

/** The market-data-api value of the emulator pass (fake, like the emulator's credentials). */
const E2E_MARKET_DATA_API = JSON.stringify({ ALPACA_API_KEY: "e2e-key-4d1f", ALPACA_API_SECRET: "e2e-secret-9b7c" });

const firstLineMatching = (out: string, re: RegExp) =>
  out
    .split("\n")
    .find((l) => re.test(l))
    ?.trim();

/** The app's CI pushing the pinned tags: the docker stand-in against the emulator. */
async function ciPushStep(
  name: string,
  config: StreamLinesConfig,
  env: NodeJS.ProcessEnv,
  endpoint: string,
  count: () => void,
): Promise<void> {
  const pushed = await pushPinnedImagesAsCi(config, env, endpoint);
  count();
  say(
    `acceptance ${labelled(name)}: ok, the app's CI (stand-in) pushed ${pushed.join(", ")} (docker push, PutImage into the emulator's ECR)`,
  );
}

/**
 * A first deploy from an empty env, as an operator runs it, against the emulator or an account:
 * doctor; deploy (phase 1 with its hooks, then a refusal while market-data-api is empty); the
 * pinned images (emulator: the CI stand-in); secret set and list; deploy to the end with verify; verify; plan.
 */
async function firstDeploy(
  step: E2eStep,
  config: StreamLinesConfig,
  baseEnv: NodeJS.ProcessEnv & { STREAMLINES_PLANS_DIR: string },
  endpoint: string | undefined,
  gaps: GapList,
  apiValue: string,
  count: () => void,
  account: string,
): Promise<{ stacks: string[]; changedByGaps: Set<string> }> {
  const hidden = Object.values(JSON.parse(apiValue) as Record<string, string>);
  const shows = (out: string) => out.includes(apiValue) || hidden.some((v) => out.includes(v));
  await step("doctor", "doctor", [], (r) =>
    r.code === 0 && new RegExp(`AWS credentials\\s+account ${account} `).test(r.out)
      ? `ok, reports account ${account}`
      : `expected exit 0 and account ${account}`,
  );
  // Phase 1 builds and pushes the images this repository owns, then deploy stops while the
  // operator's secret is empty (and, with pinned tags, until the app's CI pushed them).
  await step("deploy refuses phase 2", "deploy", ["--auto-approve"], (r) => {
    const hook = firstLineMatching(r.out, /image-build \[[^\]]*influxdb:ctx-[0-9a-f]{16}\]: 5\/5 build and push/);
    const refusal = firstLineMatching(r.out, /refusing phase 2: \S+\/market-data-api has no value.*npm run secret -- set market-data-api/);
    if (r.code !== 1 || !hook || !refusal) return "expected exit 1, the influxdb hook's 5/5 line and the refusal naming market-data-api";
    if (/phase 2\/2: /.test(r.out)) return "phase 2 started";
    say(`    ${hook}`);
    say(`    ${refusal}`);
    return "ok, phase 1 applied with its hooks; phase 2 not started";
  });
  if (pinnedImages(config).length > 0) {
    await step("doctor (pinned images)", "doctor", [], (r) => {
      const missing = firstLineMatching(r.out, /^FAIL\s+image \S+\s+\S+ is not in ECR/);
      return r.code === 1 && missing && /docker push \S+/.test(r.out)
        ? `ok, names them with the push command: ${missing}`
        : "expected exit 1, a missing pinned image and its docker push command";
    });
    if (!endpoint)
      throw new Error("pinned image tags need the app's CI between the phases; test:aws refuses such configs before it starts");
    await ciPushStep("ci push", config, baseEnv, endpoint, count);
  }
  await step(
    "secret set (empty stdin)",
    "secret",
    ["set", "market-data-api"],
    (r) =>
      r.code === 1 && r.out.trim().split("\n").length === 1 && /empty value on stdin.*nothing written/.test(r.out)
        ? "ok, one line, nothing written"
        : "expected exit 1 and one line",
    undefined,
    "",
  );
  await step("secret set (unknown purpose)", "secret", ["set", "market-data"], (r) =>
    r.code === 1 && /unknown secret purpose "market-data"; allowed: market-data-api/.test(r.out)
      ? "ok, one line naming the allowed purposes"
      : "expected exit 1 naming the allowed purposes",
  );
  await step(
    "secret set",
    "secret",
    ["set", "market-data-api"],
    (r) => {
      const set = firstLineMatching(r.out, /^secret: \S+\/market-data-api: value set/);
      if (r.code !== 0 || !set || shows(r.out)) return "expected exit 0, the value-set line and never the value";
      say(`    ${set}`);
      return "ok";
    },
    undefined,
    `${apiValue}\n`,
  );
  await step("secret list", "secret", ["list"], (r) =>
    r.code === 0 && /market-data-api\s+value set/.test(r.out) && /influx-read-token\s+NO VALUE/.test(r.out) && !shows(r.out)
      ? "ok, market-data-api has a value, the tokens not yet, no value shown"
      : "expected market-data-api set, the tokens empty, no value shown",
  );
  const stopBootstrap = endpoint ? standInInfluxBootstrap(config, endpoint, say) : () => undefined;
  let first: NpmResult;
  try {
    first = await step("deploy", "deploy", ["--auto-approve"], (r) => {
      if (r.code !== 0) return "expected exit 0";
      const stacks = [...r.out.matchAll(/^deploy: phase \d\/\d: (\S+):/gm)].map((m) => m[1]);
      if (stacks[0] !== "foundations" || stacks.length < 2) return `expected foundations first, then the others; got ${stacks.join(", ")}`;
      const rolled = firstLineMatching(r.out, /^deploy: tokens published; \d+ service\(s\) read them/);
      const done = firstLineMatching(r.out, /^deploy: done in \d+ s, verified$/);
      if (!rolled || !done || !/^verify: ok, the app runs/m.test(r.out)) return "expected the tokens line, verify ok and the done line";
      say(`    ${rolled}`);
      say(`    ${done}`);
      return `ok, every stack up in phase order: ${stacks.join(", ")}`;
    });
  } finally {
    stopBootstrap();
  }
  await step("verify", "verify", [], (r) => {
    const oks = r.out.split("\n").filter((l) => /^verify: ok /.test(l));
    if (r.code !== 0 || !/^verify: ok, the app runs/m.test(r.out)) return "expected exit 0 and verify: ok";
    oks.forEach((l) => say(`    ${l.trim()}`));
    return `ok, ${oks.length} check(s) ok`;
  });
  const stacks = [...first.out.matchAll(/^deploy: phase \d\/\d: (\S+):/gm)].map((m) => m[1]);

  // The whole plan: clean except the checked-in emulator gaps (moto drops what AWS keeps); against AWS no gap is allowed.
  const changedByGaps = new Set<string>();
  await step("plan", "plan", [], (r) => {
    if (r.code !== 0 && r.code !== 2) return "expected exit 0 or 2";
    const notes: string[] = [];
    for (const stack of stacks) {
      const analysis = analyzePlan(
        JSON.parse(fs.readFileSync(path.join(baseEnv.STREAMLINES_PLANS_DIR, `${stack}.json`), "utf8")) as PlanJson,
        gaps,
      );
      const violations = formatViolations(analysis.violations);
      if (violations.length > 0)
        return `${stack} plans changes${endpoint ? ` outside ${path.relative(ROOT, GAPS_FILE)}` : " (no gap list against AWS)"}: ${violations.join("; ")}`;
      if (!analysis.clean) changedByGaps.add(stack);
      notes.push(
        `${stack} ${analysis.clean ? "no changes" : `known emulator gaps only (${acceptedGapNames(analysis).slice(0, 3).join(", ")}...)`}`,
      );
    }
    if ((r.code === 0) !== (changedByGaps.size === 0)) return `exit ${r.code} disagrees with the plans`;
    // The review a pull request gets: its cost line, and the Markdown form written next to the plans.
    const cost = firstLineMatching(r.out, /^Cost: [+-]?\$\d+\.\d\d\/month/);
    const markdown = path.join(baseEnv.STREAMLINES_PLANS_DIR, "review.md");
    if (!cost || !fs.existsSync(markdown) || !/^### Plan review: /.test(fs.readFileSync(markdown, "utf8")))
      return "expected the review's Cost: line and plans/review.md";
    say(`    ${cost}`);
    return `ok, ${notes.join("; ")}; Markdown review in ${markdown}`;
  });
  return { stacks, changedByGaps };
}

/** test:aws after a failed step: destroy everything (retention is off), then list what is left. */
async function teardownAfterFailure(configFile: string, baseEnv: NodeJS.ProcessEnv, logs: string): Promise<void> {
  say(`acceptance ${labelled("teardown")}: destroying after the failure (npm run destroy -- --yes-delete-data)`);
  const env = { ...baseEnv, STREAMLINES_CONFIG: configFile };
  const destroy = await npmRun("destroy", ["--yes-delete-data"], env, path.join(logs, "teardown-destroy.log"));
  say(
    `acceptance ${labelled("teardown")}: destroy exited ${destroy.code}${destroy.code ? `; output ${path.join(logs, "teardown-destroy.log")}\n${tail(destroy.out)}` : ""}`,
  );
  const residuals = await npmRun("residuals", [], env, path.join(logs, "teardown-residuals.log"));
  say(
    `acceptance ${labelled("teardown")}: residuals exited ${residuals.code}${residuals.code ? `: left behind:\n${tail(residuals.out, 40)}` : ", nothing left"}`,
  );
}

async function runE2e(work: string, target: E2eTarget): Promise<Tally> {
  const gaps: GapList = target.kind === "aws" ? { gaps: [] } : loadGapList(GAPS_FILE);
  let endpoint: string | undefined;
  if (target.kind === "emulator") {
    const emulator = await (target.emulatorRef.starting ?? startMoto({ logFile: path.join(work, "moto.log") }));
    target.emulatorRef.current = emulator;
    endpoint = emulator.endpoint;
    say(
      `acceptance [${passName()}]: moto on ${emulator.endpoint} (pid ${emulator.pid}); npm commands against ${path.relative(ROOT, E2E_BASE_CONFIG)} with dataRetention on, env e2e; logs in ${work}`,
    );
  } else {
    say(
      `acceptance [${passName()}]: AWS account ${target.account}, env ${target.options.env}, npm commands against ${target.options.configFile} with dataRetention off; logs in ${work}`,
    );
  }
  const writeConfig = (retention: boolean) => {
    const file = path.join(work, `e2e-retention-${retention ? "on" : "off"}.json`);
    const raw =
      target.kind === "aws"
        ? awsE2eConfig(target.options.configFile, target.options.env, target.account)
        : e2eConfig(E2E_BASE_CONFIG, endpoint!, retention);
    fs.writeFileSync(file, `${JSON.stringify(raw, null, 2)}\n`);
    return file;
  };
  const retainedConfig = writeConfig(target.kind === "emulator");
  const config = loadConfig(retainedConfig);
  await bootstrapStateBucket(config, () => undefined);

  const logs = path.join(work, "logs");
  fs.mkdirSync(logs, { recursive: true });
  const shellEnv = endpoint ? standInEnv(process.env, endpoint, path.join(work, "docker-stand-in.log")) : process.env;
  const workEnv = { ...shellEnv, CDKTF_OUTDIR: path.join(work, "cdktf.out"), STREAMLINES_PLANS_DIR: path.join(work, "plans") };
  // The emulator's parallelism, never a real account's: AWS throttles well before 32 concurrent calls.
  const baseEnv = endpoint ? emulatorTerraformEnv(workEnv) : workEnv;
  let passed = 0;
  let stepNo = 0;
  const step = async (
    name: string,
    script: string,
    args: string[],
    check: (r: NpmResult) => string | undefined,
    configFile = retainedConfig,
    input?: string,
  ): Promise<NpmResult> => {
    const started = Date.now();
    const log = path.join(logs, `${String(++stepNo).padStart(2, "0")}-${script}.log`);
    const r = await npmRun(script, args, { ...baseEnv, STREAMLINES_CONFIG: configFile }, log, input);
    const verdict = check(r);
    if (verdict !== undefined && !verdict.startsWith("ok")) {
      say(
        `acceptance ${labelled(name)}: FAILED in ${secs(Date.now() - started)}: ${verdict}; npm run ${script} ${args.join(" ")} exited ${r.code}, output ${log}\n${tail(r.out)}`,
      );
      throw new E2eFailure(name);
    }
    passed++;
    say(
      `acceptance ${labelled(name)}: ${verdict ?? "ok"} (npm run ${script}${args.length ? ` -- ${args.join(" ")}` : ""}, exit ${r.code}, ${secs(Date.now() - started)})`,
    );
    return r;
  };
  if (target.kind === "aws") {
    // Always torn down, whatever failed; what is left is reported.
    let tornDown = false;
    try {
      await firstDeploy(step, config, baseEnv, endpoint, gaps, target.options.marketDataApi, () => (passed += 1), target.account);
      await step("destroy", "destroy", ["--yes-delete-data"], (r) =>
        r.code === 0 && /nothing kept/.test(r.out) ? "ok, everything destroyed" : "expected exit 0 and nothing kept",
      );
      tornDown = true;
      await step("residuals", "residuals", [], (r) =>
        r.code === 0 ? "ok, residuals 0" : "expected exit 0: nothing tagged with the app and env left",
      );
      return { passed, failed: 0 };
    } catch (err) {
      if (!(err instanceof E2eFailure)) throw err;
      return { passed, failed: 1 };
    } finally {
      if (!tornDown) await teardownAfterFailure(retainedConfig, baseEnv, logs);
    }
  }
  const exit = (want: number) => (r: NpmResult) => (r.code === want ? undefined : `expected exit ${want}`);
  const ec2 = new EC2Client(emulatorClientConfig(endpoint!, config.region));
  const efs = new EFSClient(emulatorClientConfig(endpoint!, config.region));
  /** The Influx data store's ids: the EBS volume, or the EFS file system, by the name the stack gives it. */
  const dataVolumeId = async (): Promise<string[]> => {
    const name = `${config.app}-${config.env}-influx-data`;
    if (config.influx.storage === "efs") {
      const out = await efs.send(new DescribeFileSystemsCommand({ CreationToken: name }));
      return (out.FileSystems ?? []).filter((f) => f.LifeCycleState !== "deleted").map((f) => f.FileSystemId!);
    }
    const out = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "tag:Name", Values: [name] }] }));
    return (out.Volumes ?? []).map((v) => v.VolumeId!);
  };

  try {
    const { stacks, changedByGaps } = await firstDeploy(
      step,
      config,
      baseEnv,
      endpoint,
      gaps,
      E2E_MARKET_DATA_API,
      () => (passed += 1),
      MOTO_ACCOUNT,
    );
    await step("plan foundations", "plan", ["foundations"], (r) =>
      r.code === 0 && /no changes/.test(r.out) ? 'ok, "no changes", exit 0' : 'expected "no changes" and exit 0',
    );
    await step("deploy again", "deploy", ["--auto-approve"], (r) => {
      if (r.code !== 0) return "expected exit 0";
      for (const stack of stacks) {
        const summary = new RegExp(`^deploy: ${stack}: (.*) in \\d+ s$`, "m").exec(r.out)?.[1];
        if (summary === undefined) return `no summary line for ${stack}`;
        if (summary !== "no changes" && !changedByGaps.has(stack)) return `${stack} changed (${summary}) though its plan was clean`;
      }
      return `ok, converged: ${stacks.map((st) => `${st} ${changedByGaps.has(st) ? "only the emulator gaps again" : "no changes"}`).join("; ")}`;
    });
    await step("state", "state", ["core", "list"], (r) => {
      const addresses = r.out.split("\n").filter((l) => /^(module\.|data\.)?aws_[a-z0-9_]+\./.test(l.trim()));
      return r.code === 0 && addresses.some((a) => a.startsWith("aws_ecs_cluster."))
        ? `ok, ${addresses.length} core addresses listed`
        : "expected exit 0 and the core resources (an aws_ecs_cluster among them)";
    });

    const [volumeBefore] = await dataVolumeId();
    if (!volumeBefore) {
      say(
        `acceptance ${labelled("volume kept")}: FAILED: no ${config.influx.storage} data store named ${config.app}-${config.env}-influx-data after the deploy`,
      );
      throw new E2eFailure("volume kept");
    }
    await step("destroy (data kept)", "destroy", ["--auto-approve"], (r) => {
      if (r.code !== 0) return "expected exit 0";
      const kept = /^destroy: kept (\d+) resource\(s\)/m.exec(r.out);
      return kept && r.out.includes(volumeBefore)
        ? `ok, ${stacks.slice().reverse().join(", ")} destroyed; kept ${kept[1]} resource(s), the data store ${volumeBefore} among them`
        : `expected the kept list with the data store ${volumeBefore}`;
    });
    await step("residuals (data kept)", "residuals", [], (r) =>
      r.code === 0 && /kept on purpose/.test(r.out) && r.out.includes(volumeBefore)
        ? "ok, nothing left beyond the kept resources"
        : "expected exit 0 with the data store listed as kept",
    );
    // The repositories went with the destroy, and the app's pinned images with them: phase 1 adopts, then deploy waits for the CI.
    await step("redeploy (adopts, waits for the pinned images)", "deploy", ["--auto-approve"], (r) =>
      r.code === 1 &&
      /adopted \d+ kept resource\(s\) again/.test(r.out) &&
      /refusing phase 2: \S+-ingest:\S+ is not in ECR/.test(r.out) &&
      !/refusing phase 2: .*market-data-api/.test(r.out)
        ? "ok, kept resources adopted again (market-data-api kept its value); phase 2 waits for the pinned images"
        : "expected exit 1, the adoption line and the refusal naming the ingest image only",
    );
    await ciPushStep("ci push again", config, baseEnv, endpoint!, () => (passed += 1));
    await step("redeploy", "deploy", ["--auto-approve"], (r) =>
      r.code === 0 && /^verify: ok, the app runs/m.test(r.out) ? "ok, verified" : "expected exit 0 and verify ok",
    );
    const volumesAfter = await dataVolumeId();
    if (volumesAfter.length !== 1 || volumesAfter[0] !== volumeBefore) {
      say(
        `acceptance ${labelled("volume kept")}: FAILED: expected the one ${config.influx.storage} data store ${volumeBefore}, found ${volumesAfter.join(", ") || "none"}`,
      );
      throw new E2eFailure("volume kept");
    }
    passed++;
    say(`acceptance ${labelled("volume kept")}: ok, the redeploy reattached the ${config.influx.storage} data store ${volumeBefore}`);

    // Straight after the protected deploy: destroy itself lifts table protection and empties the bucket.
    const unretainedConfig = writeConfig(false);
    await step(
      "destroy refuses",
      "destroy",
      [],
      (r) =>
        r.code === 1 && /--yes-delete-data/.test(r.out)
          ? "ok, retention off without confirmation destroys nothing"
          : "expected exit 1 naming --yes-delete-data",
      unretainedConfig,
    );
    await step(
      "destroy (retention off)",
      "destroy",
      ["--yes-delete-data"],
      (r) => (r.code === 0 && /nothing kept/.test(r.out) ? "ok, everything destroyed" : "expected exit 0 and nothing kept"),
      unretainedConfig,
    );
    await step("residuals", "residuals", [], exit(0), unretainedConfig);
    const stray = await ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: config.influx.availabilityZone,
        Size: 1,
        TagSpecifications: [
          {
            ResourceType: "volume",
            Tags: [
              { Key: "app", Value: config.app },
              { Key: "env", Value: config.env },
              { Key: "Name", Value: "e2e-stray" },
            ],
          },
        ],
      }),
    );
    try {
      await step(
        "residuals (stray)",
        "residuals",
        [],
        (r) =>
          r.code === 1 && r.out.includes(stray.VolumeId!)
            ? `ok, names the planted ${stray.VolumeId}`
            : `expected exit 1 naming ${stray.VolumeId}`,
        unretainedConfig,
      );
    } finally {
      await ec2.send(new DeleteVolumeCommand({ VolumeId: stray.VolumeId }));
    }
    return { passed, failed: 0 };
  } catch (err) {
    if (!(err instanceof E2eFailure)) throw err;
    return { passed, failed: 1 };
  } finally {
    ec2.destroy();
    efs.destroy();
  }
}

/** test:aws: the e2e pass against the account in the shell, after its id is confirmed. */
async function awsMain(argv: readonly string[]): Promise<number> {
  let options: AwsPassOptions;
  try {
    options = parseAwsArgs(argv);
  } catch (e) {
    say(`test:aws: ${(e as Error).message.split("\n")[0]}`);
    return 1;
  }
  const region = String((JSON.parse(fs.readFileSync(options.configFile, "utf8")) as { region?: string }).region);
  const sts = new STSClient({ region });
  let actual: string;
  try {
    actual = (await sts.send(new GetCallerIdentityCommand({}))).Account!;
  } catch (e) {
    say(`test:aws: no usable credentials (STS GetCallerIdentity: ${(e as Error).name}); log in first, nothing was created`);
    return 1;
  } finally {
    sts.destroy();
  }
  let confirmed = options.account;
  if (confirmed === undefined && process.stdin.isTTY) {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    confirmed = (
      await rl.question(`test:aws: creates and destroys a whole env (${options.env}) in account ${actual}; type the account id to go on: `)
    ).trim();
    rl.close();
  }
  const refusal = accountRefusal(actual, confirmed);
  if (refusal) {
    say(`test:aws: ${refusal}`);
    return 1;
  }
  let config: StreamLinesConfig;
  try {
    config = parseConfig(JSON.stringify(awsE2eConfig(options.configFile, options.env, actual)), options.configFile);
  } catch (e) {
    say(`test:aws: ${(e as Error).message.split("\n")[0]}`);
    return 1;
  }
  const pinned = pinnedImages(config);
  if (pinned.length > 0) {
    say(
      `test:aws: ${pinned.map((p) => p.key).join(", ")} pin tags nobody pushes into a new env's repositories; set ${pinned[0].key.replace(/\.tag$/, ".buildContext")} (and the others) to build them, nothing was created`,
    );
    return 1;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-test-aws-"));
  process.once("SIGINT", () => {
    say(
      `test:aws: interrupted; tear down with: STREAMLINES_CONFIG=${path.join(work, "e2e-retention-off.json")} CDKTF_OUTDIR=${path.join(work, "cdktf.out")} npm run destroy -- --yes-delete-data`,
    );
    process.exit(130);
  });
  const started = Date.now();
  const tally = await inPass(AWS_LABEL, () => runE2e(work, { kind: "aws", options, account: actual }));
  say(`test:aws: ${secs(Date.now() - started)}; logs in ${work}`);
  say(`test:aws: ${tally.passed} passed, ${tally.failed} failed`);
  return tally.failed === 0 ? 0 : 1;
}

async function main(): Promise<void> {
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-acceptance-"));
  const emulators = new Set<EmulatorRef>();
  const stopEmulator = async (ref: EmulatorRef) => {
    const running = ref.current ?? (await ref.starting?.catch(() => undefined));
    ref.current = undefined;
    ref.starting = undefined;
    await running?.stop();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      say(`acceptance: ${signal}, stopping the emulators`);
      void Promise.all([...emulators].map(stopEmulator)).finally(() => process.exit(130));
    });
  }
  const tally: Tally = { passed: 0, failed: 0 };
  const concurrency = passConcurrency();
  const slot = limiter(concurrency);
  /**
   * One pass in its own work dir, with its own emulator, started as soon as the pass is queued so it is up
   * by the time a slot frees; the emulator is stopped whatever happens.
   */
  const pass = (name: string, fn: (dir: string, ref: EmulatorRef) => Promise<Tally>) => {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    const ref: EmulatorRef = { starting: startMoto({ logFile: path.join(dir, "moto.log") }) };
    ref.starting!.catch(() => undefined);
    emulators.add(ref);
    return slot(() =>
      inPass(name, async () => {
        const passStarted = Date.now();
        try {
          const t = await fn(dir, ref);
          tally.passed += t.passed;
          tally.failed += t.failed;
          say(`acceptance [${name}]: pass ${t.failed === 0 ? "ok" : "FAILED"} in ${secs(Date.now() - passStarted)}`);
        } catch (err) {
          tally.failed++;
          say(`acceptance [${name}]: FAILED after ${secs(Date.now() - passStarted)}: ${(err as Error).stack ?? (err as Error).message}`);
        } finally {
          await stopEmulator(ref);
          emulators.delete(ref);
        }
      }),
    );
  };
  // STREAMLINES_ACCEPTANCE_ONLY may name `e2e` next to config basenames.
  const only = process.env.STREAMLINES_ACCEPTANCE_ONLY?.split(",").map((l) => l.trim());
  const configOnly = only?.filter((l) => l !== E2E_LABEL);
  const configs = only && configOnly!.length === 0 ? [] : acceptanceConfigs(CONFIG_DIR, configOnly?.join(","));
  const passes = [
    ...configs.map((config) => ({ name: path.basename(config, ".json"), fn: (dir: string, ref: EmulatorRef) => run(dir, ref, config) })),
    ...(!only || only.includes(E2E_LABEL)
      ? [{ name: E2E_LABEL, fn: (dir: string, ref: EmulatorRef) => runE2e(dir, { kind: "emulator", emulatorRef: ref }) }]
      : []),
  ];
  const queue = longestFirst(passes);
  say(
    `acceptance: ${queue.length} pass(es), ${concurrency} at a time (STREAMLINES_ACCEPTANCE_CONCURRENCY), in this order: ${queue.map((p) => p.name).join(", ")}; work dir ${work}`,
  );
  await Promise.all(queue.map((p) => pass(p.name, p.fn)));
  const keep = tally.failed > 0 || process.env.STREAMLINES_ACCEPTANCE_KEEP === "1";
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
  say(
    `acceptance: ${secs(Date.now() - started)} in all; ${keep ? `logs and plans kept in ${work}` : "work dir removed (STREAMLINES_ACCEPTANCE_KEEP=1 keeps it)"}`,
  );
  say(`acceptance: ${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed === 0 ? 0 : 1);
}

if (require.main === module) {
  if (process.argv.includes("--aws")) void awsMain(process.argv.slice(2)).then((code) => process.exit(code));
  else void main();
}
