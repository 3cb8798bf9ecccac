/**
 * Whether the env's app runs: every ECS service's images are in ECR, its `valueFrom` secrets have
 * values, it is steady with running equal to desired; every ALB target group has healthy targets;
 * the results pusher's event source mapping is Enabled; the InfluxDB bootstrap published its tokens.
 * Every wait is bounded by one overall deadline and prints progress.
 */
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServicesCommand,
  ListTasksCommand,
  Service,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { LambdaClient, ListEventSourceMappingsCommand } from "@aws-sdk/client-lambda";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { StreamLinesConfig } from "../../config/schema";
import { SecretPurpose } from "../../stacks/foundations";
import { awsClientConfig } from "./emulator";
import { TOKEN_SECRETS, secretName, secretState } from "./secrets";
import { LineIo } from "./io";

export type VerifyIo = LineIo;

export interface VerifyOptions {
  /** Overall deadline for every wait, in ms. */
  readonly timeoutMs: number;
  readonly pollMs?: number;
  /** Time source and sleep, replaceable in tests. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface Clients {
  readonly ecs: ECSClient;
  readonly ecr: ECRClient;
  readonly sm: SecretsManagerClient;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly lambda: LambdaClient;
  destroy(): void;
}

export function clientsFor(config: StreamLinesConfig): Clients {
  const c = awsClientConfig(config);
  const clients = {
    ecs: new ECSClient(c),
    ecr: new ECRClient(c),
    sm: new SecretsManagerClient(c),
    elb: new ElasticLoadBalancingV2Client(c),
    lambda: new LambdaClient(c),
  };
  return { ...clients, destroy: () => Object.values(clients).forEach((x) => x.destroy()) };
}

/** `<registry>/<repository>:<tag>` or `...@sha256:...`; undefined for an image outside ECR. */
export function parseEcrImage(image: string): { registryId: string; repository: string; tag?: string; digest?: string } | undefined {
  const m = /^(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(image);
  return m ? { registryId: m[1], repository: m[2], tag: m[3], digest: m[4] } : undefined;
}

/** The secret of a `valueFrom`: an ARN, possibly with `:jsonKey:stage:version` after it, or a name. */
export function secretOfValueFrom(valueFrom: string): string {
  const m = /^(arn:[^:]+:secretsmanager:[^:]+:\d+:secret:[^:]+)(?::.*)?$/.exec(valueFrom);
  return m ? m[1] : valueFrom;
}

/** Steady: one deployment, completed, running equal to desired. */
export function isSteady(s: Service): boolean {
  const deployments = s.deployments ?? [];
  return deployments.length === 1 && (deployments[0].rolloutState ?? "COMPLETED") === "COMPLETED" && s.runningCount === s.desiredCount;
}

/** The primary deployment failed (circuit breaker): waiting longer cannot help. */
export function hasFailed(s: Service): boolean {
  return (s.deployments ?? []).some((d) => d.status === "PRIMARY" && d.rolloutState === "FAILED");
}

export const progressOf = (s: Service) =>
  `${s.runningCount ?? 0}/${s.desiredCount ?? 0} running, ${s.pendingCount ?? 0} pending${(s.deployments?.length ?? 0) > 1 ? `, ${s.deployments!.length} deployments` : ""}, rollout ${s.deployments?.find((d) => d.status === "PRIMARY")?.rolloutState ?? "?"}`;

/** The env's ECS services (the cluster is `<app>-<env>`, an exact name). */
export async function envServices(config: StreamLinesConfig, ecs: ECSClient): Promise<Service[]> {
  const cluster = `${config.app}-${config.env}`;
  const arns: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await ecs.send(new ListServicesCommand({ cluster, nextToken }));
      arns.push(...(page.serviceArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (err) {
    if ((err as Error).name === "ClusterNotFoundException") return [];
    throw err;
  }
  const out: Service[] = [];
  for (let i = 0; i < arns.length; i += 10) {
    const d = await ecs.send(new DescribeServicesCommand({ cluster, services: arns.slice(i, i + 10) }));
    out.push(...(d.services ?? []).filter((s) => s.status === "ACTIVE"));
  }
  return out.sort((a, b) => (a.serviceName ?? "").localeCompare(b.serviceName ?? ""));
}

/** Images and `valueFrom` secrets of a service's task definition. */
export async function taskInputs(ecs: ECSClient, taskDefinition: string): Promise<{ images: string[]; secrets: string[] }> {
  const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))).taskDefinition;
  const containers = td?.containerDefinitions ?? [];
  return {
    images: [...new Set(containers.map((c) => c.image ?? ""))].filter(Boolean),
    secrets: [...new Set(containers.flatMap((c) => (c.secrets ?? []).map((s) => secretOfValueFrom(s.valueFrom ?? ""))))].filter(Boolean),
  };
}

/** Why the service is not up, in ECS's words: the newest event and the newest stopped task's reason. */
export async function ecsReason(ecs: ECSClient, cluster: string, s: Service): Promise<string> {
  const parts: string[] = [];
  const event = s.events?.[0];
  if (event?.message) parts.push(`last event: ${event.message}`);
  try {
    const stopped = await ecs.send(new ListTasksCommand({ cluster, serviceName: s.serviceName, desiredStatus: "STOPPED", maxResults: 10 }));
    if (stopped.taskArns?.length) {
      const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: stopped.taskArns }))).tasks ?? [];
      const newest = tasks.filter((t) => t.stoppedReason).sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))[0];
      if (newest) parts.push(`stopped reason: ${newest.stoppedReason}`);
    }
  } catch {
    // The event alone still names the cause.
  }
  return parts.join("; ") || "ECS gives no event and no stopped task";
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly failures: string[];
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Waits until every token secret has a value, printing what is still missing at each poll.
 * Returns the purposes still empty at the deadline (empty when all are published).
 */
export async function waitForTokens(
  config: StreamLinesConfig,
  sm: SecretsManagerClient,
  io: VerifyIo,
  opts: VerifyOptions,
  label = "verify",
): Promise<SecretPurpose[]> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? sleepReal;
  const start = now();
  for (;;) {
    const states = await Promise.all(TOKEN_SECRETS.map(async (p) => [p, (await secretState(sm, secretName(config, p))).state] as const));
    const missing = states.filter(([, s]) => s !== "value").map(([p]) => p);
    if (missing.length === 0) return [];
    const waited = now() - start;
    if (waited >= opts.timeoutMs) return missing;
    io.out(
      `${label}: waiting for the InfluxDB bootstrap to publish ${missing.join(", ")} (${Math.round(waited / 1000)} s of ${Math.round(opts.timeoutMs / 1000)} s)`,
    );
    await sleep(Math.min(opts.pollMs ?? 15_000, Math.max(opts.timeoutMs - waited, 0)));
  }
}

/** Services whose task definitions read one of `secretNames` by `valueFrom`. */
export async function servicesReading(config: StreamLinesConfig, ecs: ECSClient, secretNames: readonly string[]): Promise<Service[]> {
  const out: Service[] = [];
  for (const s of await envServices(config, ecs)) {
    const { secrets } = await taskInputs(ecs, s.taskDefinition!);
    // An ARN ends in `<name>-<6 random characters>`: compare by name.
    if (
      secrets.some((id) =>
        secretNames.some((n) => id === n || new RegExp(`:secret:${n.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}-[A-Za-z0-9]{6}$`).test(id)),
      )
    )
      out.push(s);
  }
  return out;
}

/** A new deployment of each service: its tasks start again and read the secrets' current values. */
export async function rollServices(
  config: StreamLinesConfig,
  ecs: ECSClient,
  services: readonly Service[],
  io: VerifyIo,
  label: string,
): Promise<void> {
  for (const s of services) {
    await ecs.send(new UpdateServiceCommand({ cluster: `${config.app}-${config.env}`, service: s.serviceName, forceNewDeployment: true }));
    io.out(`${label}: ${s.serviceName}: new deployment started, its tasks read the published tokens`);
  }
}

/**
 * Runs every check; `emulator` skips what an emulator cannot answer (tasks never run there, so
 * steady state and target health are not checked) and says so.
 */
export async function verify(config: StreamLinesConfig, clients: Clients, io: VerifyIo, opts: VerifyOptions): Promise<VerifyResult> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? sleepReal;
  const deadline = now() + opts.timeoutMs;
  const emulator = config.emulator !== undefined;
  const cluster = `${config.app}-${config.env}`;
  const failures: string[] = [];
  const fail = (line: string) => {
    failures.push(line);
    io.err(`verify: FAIL ${line}`);
  };

  // The bootstrap first: the token consumers cannot be steady without it.
  const missing = await waitForTokens(config, clients.sm, io, { ...opts, timeoutMs: Math.max(deadline - now(), 0) });
  if (missing.length)
    fail(
      `influx bootstrap: ${missing.map((p) => secretName(config, p)).join(", ")} still without a value after ${Math.round(opts.timeoutMs / 1000)} s; see help/troubleshooting-influx.md`,
    );
  else io.out(`verify: ok influx bootstrap: tokens published (${TOKEN_SECRETS.join(", ")})`);

  const services = await envServices(config, clients.ecs);
  if (services.length === 0) fail(`ecs: no active service in cluster ${cluster}; is the env deployed (npm run deploy)?`);
  const imageOk = new Map<string, string | undefined>();
  const secretOk = new Map<string, string>();
  for (const s of services) {
    const { images, secrets } = await taskInputs(clients.ecs, s.taskDefinition!);
    for (const image of images) {
      if (!imageOk.has(image)) {
        const ref = parseEcrImage(image);
        let problem: string | undefined;
        if (ref) {
          try {
            await clients.ecr.send(
              new DescribeImagesCommand({
                registryId: ref.registryId,
                repositoryName: ref.repository,
                imageIds: [ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag ?? "latest" }],
              }),
            );
          } catch (err) {
            problem = `${(err as Error).name}: ${(err as Error).message.split("\n")[0]}`;
          }
        }
        imageOk.set(image, problem);
      }
      const problem = imageOk.get(image);
      if (problem) fail(`${s.serviceName}: image ${image} is not in ECR (${problem})`);
    }
    for (const secret of secrets) {
      if (!secretOk.has(secret)) secretOk.set(secret, (await secretState(clients.sm, secret)).state);
      const state = secretOk.get(secret);
      if (state !== "value")
        fail(
          `${s.serviceName}: secret ${secret} ${state === "empty" ? "has no value" : "does not exist"}; ECS cannot start the task (npm run secret -- list)`,
        );
    }
    io.out(`verify: ok ${s.serviceName}: ${images.length} image(s) in ECR, ${secrets.length} secret(s) with a value`);
  }

  if (emulator) {
    io.out(`verify: skipped steady state and target health: the emulator runs no tasks (against AWS they are waited for)`);
  } else {
    let pending = services.filter((s) => !isSteady(s));
    const last = new Map<string, string>();
    while (pending.length > 0) {
      const fresh =
        (await clients.ecs.send(new DescribeServicesCommand({ cluster, services: pending.map((s) => s.serviceArn!) }))).services ?? [];
      const next: Service[] = [];
      for (const s of fresh) {
        if (isSteady(s)) {
          io.out(`verify: ok ${s.serviceName}: steady, ${s.runningCount}/${s.desiredCount} running`);
        } else if (hasFailed(s)) {
          fail(`${s.serviceName}: deployment failed (${progressOf(s)}); ${await ecsReason(clients.ecs, cluster, s)}`);
        } else {
          const line = progressOf(s);
          if (last.get(s.serviceName!) !== line) io.out(`verify: ${s.serviceName}: ${line}`);
          last.set(s.serviceName!, line);
          next.push(s);
        }
      }
      pending = next;
      if (pending.length === 0) break;
      if (now() >= deadline) {
        for (const s of pending)
          fail(
            `${s.serviceName}: not steady after ${Math.round(opts.timeoutMs / 1000)} s (${progressOf(s)}); ${await ecsReason(clients.ecs, cluster, s)}`,
          );
        break;
      }
      await sleep(Math.min(opts.pollMs ?? 15_000, Math.max(deadline - now(), 0)));
    }
    for (const s of services.filter(isSteady)) io.out(`verify: ok ${s.serviceName}: steady, ${s.runningCount}/${s.desiredCount} running`);

    // Target groups of the services behind the ALB, from the services themselves (exact ARNs).
    const groups = [...new Set(services.flatMap((s) => (s.loadBalancers ?? []).map((lb) => lb.targetGroupArn!)).filter(Boolean))];
    for (const arn of groups) {
      const name =
        (await clients.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }))).TargetGroups?.[0]?.TargetGroupName ?? arn;
      for (;;) {
        const health = (await clients.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions ?? [];
        const healthy = health.filter((h) => h.TargetHealth?.State === "healthy").length;
        if (healthy > 0) {
          io.out(`verify: ok target group ${name}: ${healthy}/${health.length} healthy`);
          break;
        }
        const states =
          health
            .map((h) => `${h.Target?.Id}: ${h.TargetHealth?.State}${h.TargetHealth?.Description ? ` (${h.TargetHealth.Description})` : ""}`)
            .join(", ") || "no targets registered";
        if (now() >= deadline) {
          fail(`target group ${name}: no healthy target after ${Math.round(opts.timeoutMs / 1000)} s: ${states}`);
          break;
        }
        io.out(`verify: target group ${name}: ${states}`);
        await sleep(Math.min(opts.pollMs ?? 15_000, Math.max(deadline - now(), 0)));
      }
    }
  }

  if (config.profile === "full") {
    const fn = `${config.app}-${config.env}-results-pusher`;
    const mappings = (await clients.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: fn }))).EventSourceMappings ?? [];
    if (mappings.length === 0) fail(`results pusher: ${fn} has no event source mapping`);
    for (const m of mappings) {
      if (m.State === "Enabled") io.out(`verify: ok results pusher: event source mapping ${m.UUID} Enabled`);
      else
        fail(
          `results pusher: event source mapping ${m.UUID} of ${fn} is ${m.State}${m.StateTransitionReason ? ` (${m.StateTransitionReason})` : ""}${m.LastProcessingResult ? `; last processing result: ${m.LastProcessingResult}` : ""}`,
        );
    }
  }
  return { ok: failures.length === 0, failures };
}
