import { APP_COMMIT, APP_CONTRACT, cite, variableOf, variablesSuppliedBy } from "./app-contract";
import { imageChecks } from "./images";
import { checkFargateMemory, cidrContains, cidrsOverlap, parseCidr } from "./rules";
import { DERIVED_ENVIRONMENT, PROFILE_SERVICES, SERVICE_NAMES, ServiceName, StreamLinesConfig, WEB_SERVICES } from "./types";
import { ConfigProblem } from "./validate";

/** Checks that span several keys; they run after every single value passed. */
export function crossChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  const net = config.network;
  const vpc = parseCidr(net.vpcCidr)!;
  const subnets = [
    ...net.publicSubnetCidrs.map((c, i) => ({ key: `network.publicSubnetCidrs[${i}]`, value: c })),
    ...net.privateSubnetCidrs.map((c, i) => ({ key: `network.privateSubnetCidrs[${i}]`, value: c })),
  ];
  for (const [i, s] of subnets.entries()) {
    if (!cidrContains(vpc, parseCidr(s.value)!)) {
      return { key: s.key, value: s.value, allowed: `expected a subnet inside network.vpcCidr ${net.vpcCidr}` };
    }
    const clash = subnets.slice(0, i).find((o) => cidrsOverlap(parseCidr(o.value)!, parseCidr(s.value)!));
    if (clash) return { key: s.key, value: s.value, allowed: `expected a subnet that does not overlap ${clash.key} ${clash.value}` };
  }
  if (new Set(net.availabilityZones).size !== net.availabilityZones.length) {
    return { key: "network.availabilityZones", value: net.availabilityZones, allowed: "expected two different availability zones" };
  }
  if (!net.availabilityZones.includes(config.influx.availabilityZone)) {
    return {
      key: "influx.availabilityZone",
      value: config.influx.availabilityZone,
      allowed: `expected one of network.availabilityZones (${net.availabilityZones.join(", ")})`,
    };
  }
  for (const name of ["upstream", "downstream"] as const) {
    const s = config.kinesis[name];
    if (s.mode === "PROVISIONED" && s.shardCount === undefined) {
      return {
        key: `kinesis.${name}.shardCount`,
        value: undefined,
        allowed: "expected a shard count from 1 to 500 when mode is PROVISIONED",
      };
    }
    if (s.mode === "ON_DEMAND" && s.shardCount !== undefined) {
      return { key: `kinesis.${name}.shardCount`, value: s.shardCount, allowed: "expected no shardCount when mode is ON_DEMAND" };
    }
  }
  // gp3 limits: at most 500 IOPS per GiB and 0.25 MiB/s per provisioned IOPS.
  const ebs = config.influx.ebs;
  if (ebs.iops > 3000 && ebs.iops > ebs.sizeGiB * 500) {
    return {
      key: "influx.ebs.iops",
      value: ebs.iops,
      allowed: `expected at most 500 IOPS per GiB (${ebs.sizeGiB * 500} for ${ebs.sizeGiB} GiB)`,
    };
  }
  if (ebs.throughputMiBps > ebs.iops / 4) {
    return {
      key: "influx.ebs.throughputMiBps",
      value: ebs.throughputMiBps,
      allowed: `expected at most 0.25 MiB/s per IOPS (${Math.floor(ebs.iops / 4)} for ${ebs.iops} IOPS)`,
    };
  }
  return imageChecks(config) ?? influxChecks(config) ?? serviceChecks(config) ?? edgeChecks(config) ?? realtimeChecks(config);
}

/** The pusher runs once per shard at a time; a reservation below the shard count throttles its event source. */
function realtimeChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  const reserved = config.realtime.resultsPusher.reservedConcurrency;
  const downstream = config.kinesis.downstream;
  if (config.profile === "full" && reserved !== undefined && downstream.shardCount !== undefined && reserved < downstream.shardCount) {
    return {
      key: "realtime.resultsPusher.reservedConcurrency",
      value: reserved,
      allowed: `expected at least kinesis.downstream.shardCount (${downstream.shardCount}): the pusher runs once per shard at a time`,
    };
  }
  return undefined;
}

/** The influx stack's task sizes and bastion (its images are in IMAGE_SETTINGS). */
function influxChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  const influx = config.influx;
  if (influx.storage === "efs") {
    const memory = checkFargateMemory(influx.task.cpu, influx.task.memory);
    if (memory) return { key: "influx.task.memory", value: influx.task.memory, allowed: memory };
  }
  if (config.profile === "backend-only") {
    const memory = checkFargateMemory(config.grafana.cpu, config.grafana.memory);
    if (memory) return { key: "grafana.memory", value: config.grafana.memory, allowed: memory };
  }
  if (influx.bastion && influx.bastion.allowedCidrs.length === 0) {
    return {
      key: "influx.bastion.allowedCidrs",
      value: [],
      allowed: "expected at least one source CIDR for SSH; leave out influx.bastion for no bastion",
    };
  }
  return undefined;
}

/** Service settings that depend on each other, the profile, or other keys. */
function serviceChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  const inProfile = PROFILE_SERVICES[config.profile];
  for (const name of SERVICE_NAMES) {
    const s = config.services[name];
    const key = `services.${name}`;
    const memory = checkFargateMemory(s.cpu, s.memory);
    if (memory) return { key: `${key}.memory`, value: s.memory, allowed: memory };
    if (s.minHealthyPercent >= s.maxPercent) {
      return {
        key: `${key}.maxPercent`,
        value: s.maxPercent,
        allowed: `expected more than minHealthyPercent (${s.minHealthyPercent}), or a deployment can neither start nor stop a task`,
      };
    }
    const problem = environmentProblem(config, name);
    if (problem) return problem;
    if (s.readonlyRootFilesystem === true && s.executeCommand) {
      return {
        key: `${key}.readonlyRootFilesystem`,
        value: true,
        allowed: `expected false or unset while ${key}.executeCommand is true: ECS Exec's agent writes to the container's root file system, which AWS does not support read-only`,
      };
    }
    if (s.readonlyRootFilesystem === true && !APP_CONTRACT[name].rootFilesystem.readOnly) {
      return {
        key: `${key}.readonlyRootFilesystem`,
        value: true,
        allowed: `expected false or unset: ${name}'s image writes outside its writable paths (${APP_CONTRACT[name].rootFilesystem.why})`,
      };
    }
    const health = s.healthCheck;
    if (health?.enabled && health.timeoutSeconds >= health.intervalSeconds) {
      return {
        key: `${key}.healthCheck.timeoutSeconds`,
        value: health.timeoutSeconds,
        allowed: `expected less than ${key}.healthCheck.intervalSeconds (${health.intervalSeconds}), so one check ends before the next starts`,
      };
    }
  }
  if (config.autoscaling.enabled) {
    for (const name of WEB_SERVICES.filter((n) => inProfile.includes(n))) {
      const range = config.autoscaling[name];
      if (range.min > range.max)
        return { key: `autoscaling.${name}.max`, value: range.max, allowed: `expected at least autoscaling.${name}.min (${range.min})` };
      const desired = config.services[name].desiredCount;
      if (desired < range.min || desired > range.max) {
        return {
          key: `services.${name}.desiredCount`,
          value: desired,
          allowed: `expected a count from autoscaling.${name}.min to max (${range.min} to ${range.max}) while autoscaling is on`,
        };
      }
    }
  }
  // ALB names are limited to 32 characters (target groups take AWS-generated names from a prefix).
  const albName = `${config.app}-${config.env}-alb`;
  if (inProfile.includes("dashboard") && albName.length > 32) {
    return {
      key: "env",
      value: config.env,
      allowed: `expected app and env together at most 27 characters in profile full: the load balancer's name ${albName} must fit in 32`,
    };
  }
  return undefined;
}

/** Each variable config sets must be one the service reads, not the stack's or a secret's, and not empty. */
function environmentProblem(config: StreamLinesConfig, name: ServiceName): ConfigProblem | undefined {
  const s = config.services[name];
  const key = `services.${name}`;
  const extras = s.extraVariables ?? [];
  for (const [variable, value] of Object.entries(s.environment ?? {})) {
    const at = `${key}.environment.${variable}`;
    if (value === "") {
      return {
        key: at,
        value,
        allowed: `expected a non-empty value: ECS drops an empty environment value when it registers the task definition, so ${name} would not see ${variable} at all (and every plan would show a diff)`,
      };
    }
    const contract = variableOf(name, variable);
    if (!contract) {
      if (extras.includes(variable)) continue;
      const known = variablesSuppliedBy(name, "operator", "default", "config").map((v) => v.name);
      return {
        key: at,
        value,
        allowed: `expected a variable ${name} reads at ${APP_COMMIT} (${known.join(", ") || "none it takes from config"}; help/app-contract.md), or list ${variable} in ${key}.extraVariables to set it on purpose`,
      };
    }
    if (contract.supply === "stack") {
      return {
        key: at,
        value,
        allowed: `expected a variable the stack does not set itself; ${DERIVED_ENVIRONMENT[name].join(", ")} come from the stack's resources and the influx keys`,
      };
    }
    if (contract.supply === "secret" || contract.supply === "unsupplied" || contract.supply === "platform") {
      const by = contract.supply === "platform" ? "ECS sets it on every task" : "it is a secret, which never goes in plain environment";
      return { key: at, value, allowed: `expected a variable config may set; ${by} (${cite(contract.source)})` };
    }
  }
  for (const [i, variable] of extras.entries()) {
    if (!(s.environment && variable in s.environment)) {
      return { key: `${key}.extraVariables[${i}]`, value: variable, allowed: `expected a variable set in ${key}.environment` };
    }
    if (variableOf(name, variable)) {
      return {
        key: `${key}.extraVariables[${i}]`,
        value: variable,
        allowed: `expected a variable the app contract does not list; ${name} reads ${variable} at ${APP_COMMIT} already`,
      };
    }
  }
  return undefined;
}

function edgeChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  const edge = config.edge;
  if (!edge.enabled) return undefined;
  if (config.profile !== "full") {
    return {
      key: "edge.enabled",
      value: true,
      allowed: `expected false in profile ${config.profile}: it has no dashboard to serve (CloudFront belongs to profile full)`,
    };
  }
  const domain = edge.domain;
  if (domain && domain.name !== domain.zoneName && !domain.name.endsWith(`.${domain.zoneName}`)) {
    return { key: "edge.domain.name", value: domain.name, allowed: `expected a name inside edge.domain.zoneName ${domain.zoneName}` };
  }
  // CloudFront checks the ALB's certificate against the name it connects to; no certificate can match *.elb.amazonaws.com.
  if (edge.backendOrigins && config.loadBalancer.certificateArn !== undefined && config.loadBalancer.domain === undefined) {
    return {
      key: "loadBalancer.domain",
      value: undefined,
      allowed:
        "expected a domain its certificate covers when edge.backendOrigins is on with loadBalancer.certificateArn: CloudFront reaches the ALB over HTTPS by name, and no certificate matches the ALB's *.elb.amazonaws.com name (or set edge.backendOrigins false)",
    };
  }
  // One name cannot alias both CloudFront and the ALB, and CloudFront would then reach itself for /graphql*.
  if (domain && domain.name === config.loadBalancer.domain?.name) {
    return {
      key: "edge.domain.name",
      value: domain.name,
      allowed: "expected a name other than loadBalancer.domain.name: the site and the load balancer each need their own DNS record",
    };
  }
  return undefined;
}
