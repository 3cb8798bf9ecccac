/** Reads the synthesized task definitions against the app contract (config/app-contract.ts). */
import { APP_CONTRACT, VariableContract, cite, variableOf } from "../../config/app-contract";
import { PROFILE_SERVICES, ServiceName } from "../../config/schema";
import { missingOperatorSettings } from "../../scripts/lib/operator-settings";
import { Synthesized, StackJson } from "./synth";
import { values } from "./stack-json";

interface Container {
  environment?: Array<{ name: string; value: string }>;
  secrets?: Array<{ name: string; valueFrom: string }>;
  portMappings?: Array<{ containerPort: number }>;
}

const containerOf = (stack: StackJson, family: string): Container | undefined => {
  const task = values(stack, "aws_ecs_task_definition").find((t) => t.family === family);
  return task ? (JSON.parse(String(task.container_definitions)) as Container[])[0] : undefined;
};

/** Which foundations secret a reference points at (`influx-read-token`, `market-data-api`, ...). */
export const secretOf = (reference: string): string | undefined =>
  /aws_secretsmanager_secret[\w-]*?(influx-(?:admin|read|write)-token|market-data-api)/.exec(reference)?.[1];

/** What the bootstrap creates: org, buckets, and the secret each token goes to. From user data (EBS) or the task (EFS). */
export function bootstrapInputs(influx: StackJson): {
  org: string;
  buckets: string[];
  port: string;
  secrets: Record<"read" | "write", string | undefined>;
} {
  const task = containerOf(influx, `${influxFamily(influx)}`);
  let read: (name: string) => string | undefined;
  if (task) {
    const env = Object.fromEntries((task.environment ?? []).map((e) => [e.name, e.value]));
    read = (name) => env[name];
  } else {
    const userData =
      values(influx, "aws_instance")
        .map((i) => String(i.user_data_base64))
        .find((u) => u.includes("export INFLUX_ORG=")) ?? "";
    read = (name) => new RegExp(`"export ${name}='", ("(?:[^"\\\\]|\\\\.)*"|[^,]+), "'\\\\n"`).exec(userData)?.[1].replace(/^"|"$/g, "");
  }
  return {
    org: read("INFLUX_ORG") ?? "",
    buckets: (read("INFLUX_BUCKETS") ?? "")
      .split(" ")
      .map((b) => b.split(":")[0])
      .filter(Boolean),
    port: read("INFLUX_PORT") ?? "8086",
    secrets: { read: secretOf(read("READ_SECRET_ID") ?? ""), write: secretOf(read("WRITE_SECRET_ID") ?? "") },
  };
}

const influxFamily = (influx: StackJson): string =>
  String(values(influx, "aws_ecs_task_definition").find((t) => String(t.family).endsWith("-influxdb"))?.family ?? "");

/**
 * Every way the synthesized services break the contract, one line each, naming the service, the
 * variable and the contract's source line. Empty when they keep it.
 */
export function contractViolations(label: string, synthesized: Synthesized): string[] {
  const { config, stacks } = synthesized;
  const core = stacks.core;
  const problems: string[] = [];
  const say = (service: string, what: string, variable?: VariableContract) =>
    problems.push(`${label}: ${service}: ${what}${variable ? ` (${cite(variable.source)})` : ""}`);
  const operatorMissing = new Set(missingOperatorSettings(config).map((m) => m.key));
  const seen: Partial<Record<ServiceName, { env: Record<string, string>; secrets: Record<string, string> }>> = {};

  for (const service of PROFILE_SERVICES[config.profile]) {
    const contract = APP_CONTRACT[service];
    const container = containerOf(core, `${config.app}-${config.env}-${service}`);
    if (!container) {
      say(service, "no task definition");
      continue;
    }
    const env = Object.fromEntries((container.environment ?? []).map((e) => [e.name, e.value]));
    const secrets = Object.fromEntries((container.secrets ?? []).map((s) => [s.name, s.valueFrom]));
    seen[service] = { env, secrets };
    const extras = config.services[service].extraVariables ?? [];

    for (const variable of Object.values<VariableContract>(contract.variables)) {
      const { name } = variable;
      if (variable.supply === "platform") {
        if (name in env || name in secrets) say(service, `${name} is set, but ECS sets it on every task`, variable);
        continue;
      }
      if (variable.supply === "secret" || variable.supply === "unsupplied") {
        if (name in env) say(service, `${name} is a secret but sits in plain environment`, variable);
      } else if (name in secrets) {
        say(service, `${name} is plain but comes from a secret`, variable);
      }
      if (!variable.required) continue;
      if (variable.supply === "operator" && operatorMissing.has(`services.${service}.environment.${name}`)) continue;
      if (!(name in env) && !(name in secrets)) say(service, `${name} is required, but neither in environment nor in secrets`, variable);
    }
    for (const [name, value] of Object.entries(env)) {
      const variable = variableOf(service, name);
      if (value === "") say(service, `${name} is empty: ECS drops empty environment values, so the container never sees it`, variable);
      if (!variable && !extras.includes(name))
        say(
          service,
          `${name} is set, but ${service} does not read it at this commit (not in the contract, not in services.${service}.extraVariables)`,
        );
    }
    for (const name of Object.keys(secrets)) {
      if (!variableOf(service, name)) say(service, `secret ${name} is set, but ${service} does not read it at this commit`);
    }

    const port = "port" in contract ? contract.port : undefined;
    const mapped = container.portMappings?.[0]?.containerPort;
    if (port) {
      const listens = Number(env[port.variable] ?? port.value);
      if (mapped !== listens)
        say(
          service,
          `container port ${mapped} but the process listens on ${listens} (${port.variable}, default ${port.value}; ${cite(port.source)})`,
        );
      // Target groups carry a name_prefix (they are replaced before destroy); the Name tag is the exact name.
      const group = values(core, "aws_lb_target_group").find(
        (g) => (g.tags as Record<string, string> | undefined)?.Name === `${config.app}-${config.env}-${service}`,
      );
      if (group) {
        const health = (group.health_check as { path?: string } | undefined)?.path;
        if (Number(group.port) !== listens)
          say(service, `target group port ${String(group.port)} but the process listens on ${listens} (${cite(port.source)})`);
        const path = "healthPath" in contract ? contract.healthPath : undefined;
        if (path && health !== path.value)
          say(service, `health check path ${health} but the process answers ${path.value} (${cite(path.source)})`);
      } else if ("healthPath" in contract) {
        say(service, "no target group");
      }
    } else if (mapped !== undefined) {
      say(service, `container port ${mapped}, but the process serves nothing`);
    }
  }

  // InfluxDB: what clients receive must be what the bootstrap creates.
  const influx = stacks.influx;
  if (influx) {
    const boot = bootstrapInputs(influx);
    const influxUrl = `http://influxdb.${config.app}-${config.env}.internal:${boot.port}`;
    const clients: Array<["ripples" | "backend", string, "read" | "write"]> = [
      ["ripples", APP_CONTRACT.ripples.variables.influxWriteToken.name, "write"],
      ["backend", APP_CONTRACT.backend.variables.influxReadToken.name, "read"],
    ];
    for (const [service, tokenName, kind] of clients) {
      const got = seen[service];
      if (!got) continue;
      const vars: Record<"influxOrg" | "influxBucket" | "influxUrl", VariableContract> = APP_CONTRACT[service].variables;
      const check = (variable: VariableContract, ok: boolean, what: string) => ok || say(service, `${variable.name} ${what}`, variable);
      check(
        vars.influxOrg,
        got.env[vars.influxOrg.name] === boot.org,
        `is ${got.env[vars.influxOrg.name]}, but the bootstrap creates org ${boot.org}`,
      );
      check(
        vars.influxBucket,
        boot.buckets.includes(got.env[vars.influxBucket.name]),
        `is ${got.env[vars.influxBucket.name]}, but the bootstrap creates buckets ${boot.buckets.join(", ")}`,
      );
      check(
        vars.influxUrl,
        got.env[vars.influxUrl.name] === influxUrl,
        `is ${got.env[vars.influxUrl.name]}, but InfluxDB registers as ${influxUrl}`,
      );
      const token = variableOf(service, tokenName)!;
      check(
        token,
        secretOf(got.secrets[tokenName] ?? "") === boot.secrets[kind] && boot.secrets[kind] !== undefined,
        `comes from ${secretOf(got.secrets[tokenName] ?? "") ?? "no secret"}, but the bootstrap publishes the ${kind} token to ${boot.secrets[kind] ?? "nothing"}`,
      );
    }
    const ripples = seen.ripples?.env[APP_CONTRACT.ripples.variables.influxBucket.name];
    const backend = seen.backend?.env[APP_CONTRACT.backend.variables.influxBucket.name];
    if (ripples !== undefined && backend !== undefined && ripples !== backend) {
      say(
        "backend",
        `INFLUXDB_BUCKET is ${backend}, but ripples writes the windowed results it queries to ${ripples}`,
        APP_CONTRACT.backend.variables.influxBucket,
      );
    }
  }
  return problems;
}
