import * as fs from "fs";
import * as path from "path";
import { TAG_PREFIX } from "../modules/image-build/context-hash";
import { repoRoot } from "./repository";

// Value rules shared by the schema: each returns undefined when the value is fine,
// otherwise the "what is allowed" half of a one-line config error.

/** Regions as of 2026-11 (commercial, GovCloud, China, European Sovereign Cloud). */
export const AWS_REGIONS: readonly string[] = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ca-central-1",
  "ca-west-1",
  "eu-central-1",
  "eu-central-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-south-2",
  "eu-north-1",
  "il-central-1",
  "me-south-1",
  "me-central-1",
  "mx-central-1",
  "sa-east-1",
  "us-gov-east-1",
  "us-gov-west-1",
  "cn-north-1",
  "cn-northwest-1",
  "eusc-de-east-1",
];

export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export function checkRegion(value: string): string | undefined {
  return AWS_REGIONS.includes(value) ? undefined : "expected an AWS region such as eu-central-1 or us-east-1";
}

export interface Cidr {
  network: number;
  prefix: number;
}

export function parseCidr(value: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  return { network: address, prefix };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join(".");
}

/** A CIDR block whose host bits are zero, with a prefix in [minPrefix, maxPrefix]. */
export function checkCidr(value: string, minPrefix: number, maxPrefix: number): string | undefined {
  const cidr = parseCidr(value);
  const allowed = `expected an IPv4 CIDR block a.b.c.d/n with n from ${minPrefix} to ${maxPrefix}`;
  if (!cidr) return allowed;
  if (cidr.prefix < minPrefix || cidr.prefix > maxPrefix) return allowed;
  const aligned = (cidr.network & mask(cidr.prefix)) >>> 0;
  if (aligned !== cidr.network) return `${allowed} and no host bits set (did you mean ${formatAddress(aligned)}/${cidr.prefix}?)`;
  return undefined;
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && (inner.network & mask(outer.prefix)) >>> 0 === outer.network;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** S3 general purpose bucket naming rules. */
export function checkBucketName(value: string): string | undefined {
  const allowed = "expected an S3 bucket name: 3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit";
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) return allowed;
  if (value.includes("..") || value.includes(".-") || value.includes("-.")) return `${allowed}, with no '..', '.-' or '-.'`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(value)) return `${allowed}, not formatted as an IP address`;
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(value) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(value)) {
    return `${allowed}, without a prefix or suffix reserved by AWS (xn--, sthree-, -s3alias, --ol-s3, ...)`;
  }
  return undefined;
}

export function checkAvailabilityZone(value: string, region: string): string | undefined {
  return new RegExp(`^${region.replace(/-/g, "\\-")}[a-z]$`).test(value)
    ? undefined
    : `expected an availability zone of region ${region}, such as ${region}a`;
}

/** ECS/EventBridge-free subset: a name that fits AWS resource names and DNS labels. */
export function checkDnsLabel(value: string, maxLength: number): string | undefined {
  const re = new RegExp(`^[a-z][a-z0-9-]{0,${maxLength - 1}}$`);
  return re.test(value) && !value.endsWith("-")
    ? undefined
    : `expected lowercase letters, digits and '-', starting with a letter, at most ${maxLength} characters`;
}

/** Fargate task sizes: CPU units -> allowed memory (MiB). */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = (() => {
  const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
  return {
    256: [512, 1024, 2048],
    512: range(1024, 4096, 1024),
    1024: range(2048, 8192, 1024),
    2048: range(4096, 16384, 1024),
    4096: range(8192, 30720, 1024),
    8192: range(16384, 61440, 4096),
    16384: range(32768, 122880, 8192),
  };
})();

export function checkFargateMemory(cpu: number, memory: number): string | undefined {
  const allowed = FARGATE_SIZES[cpu];
  if (!allowed || allowed.includes(memory)) return undefined;
  const steps =
    allowed.length > 3 ? `${allowed[0]} to ${allowed[allowed.length - 1]} in steps of ${allowed[1] - allowed[0]}` : allowed.join(", ");
  return `expected a Fargate memory size for ${cpu} CPU units: ${steps} MiB`;
}

/** A docker tag that pins one image: `latest` moves, and the repositories' tags are immutable anyway. */
export function checkImageTag(value: string): string | undefined {
  const allowed =
    "expected a pinned docker tag: 1-128 characters of A-Z, a-z, 0-9, '_', '.', '-', not starting with '.' or '-', and not \"latest\"";
  // The ECR lifecycle expires hook tags by count; a pinned tag under their prefix could expire while it runs.
  if (value.startsWith(TAG_PREFIX))
    return `expected a pinned tag not starting with "${TAG_PREFIX}", which the image hooks' content-hash tags use and the ECR lifecycle expires`;
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(value) && value !== "latest" ? undefined : allowed;
}

/** Config paths (image build contexts) are relative to the repository root, wherever the command runs from. */
export function resolveProjectPath(p: string): string {
  return path.resolve(repoRoot(), p);
}

export function checkBuildContext(value: string): string | undefined {
  const allowed = "expected a directory (absolute, or relative to the repository root) holding the image's Dockerfile";
  if (value.trim() === "" || value.includes("\0")) return allowed;
  const dir = resolveProjectPath(value);
  try {
    return fs.statSync(dir).isDirectory() ? undefined : `${allowed}; ${dir} is not a directory`;
  } catch {
    return `${allowed}; ${dir} does not exist`;
  }
}

export function checkDockerfile(value: string): string | undefined {
  return value.trim() !== "" && !value.includes("\0") && !value.endsWith("/")
    ? undefined
    : "expected a Dockerfile path, relative to the build context unless absolute";
}

/**
 * Names that look like they hold a secret (`*_CREDENTIALS`, `*_PASS*`, `*_AUTH*`, `*_DSN`,
 * `*ACCESS_KEY*`, passwords, tokens, keys); the policy tests use the same idea for task definitions.
 */
export const SECRET_LIKE_ENV_NAME = /PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|_CREDENTIALS?$|_PASS|_AUTH|_DSN$/i;

export function checkEnvName(value: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(value))
    return "expected an environment variable name: letters, digits and '_', not starting with a digit";
  if (SECRET_LIKE_ENV_NAME.test(value))
    return "expected a plain setting, not a secret: secrets reach the containers from Secrets Manager through the task definition's secrets";
  return undefined;
}

/** EventBridge Scheduler cron: six fields, and exactly one of day-of-month and day-of-week is '?'. */
export function checkSchedulerCron(value: string): string | undefined {
  const allowed =
    "expected an EventBridge Scheduler cron expression such as cron(30 16 ? * MON-FRI *): minutes hours day-of-month month day-of-week year, with '?' in exactly one of the day fields";
  const m = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(value);
  if (!m) return allowed;
  const [dayOfMonth, dayOfWeek] = [m[3], m[5]];
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) return allowed;
  return m.slice(1).every((f) => /^[0-9A-Za-z*?,/#LW-]+$/.test(f)) ? undefined : allowed;
}

export function checkTimeZone(value: string): string | undefined {
  const allowed = "expected an IANA time zone such as America/New_York or UTC";
  if (!/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(value)) return allowed;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return undefined;
  } catch {
    return allowed;
  }
}

export function checkEmail(value: string): string | undefined {
  return /^[^\s@"<>(),;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(value) && value.length <= 254
    ? undefined
    : "expected an email address such as ops@example.com";
}

/** An ACM certificate in the ALB's region: ALB listeners cannot use certificates from another region. */
export function checkAcmCertificateArn(value: string, region: string): string | undefined {
  return new RegExp(`^arn:aws[a-z-]*:acm:${region.replace(/-/g, "\\-")}:\\d{12}:certificate/[A-Za-z0-9-]+$`).test(value)
    ? undefined
    : `expected an ACM certificate ARN in region ${region}, such as arn:aws:acm:${region}:123456789012:certificate/<id>`;
}

/** A fully qualified DNS name (no trailing dot), e.g. markets.example.com. */
export function checkDnsName(value: string): string | undefined {
  const labels = value.split(".");
  const ok = value.length <= 253 && labels.length >= 2 && labels.every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l));
  return ok ? undefined : "expected a lowercase DNS name such as markets.example.com";
}

export function checkHostedZoneId(value: string): string | undefined {
  return /^Z[A-Z0-9]{1,31}$/.test(value) ? undefined : "expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ";
}

/** An absolute URL path for an HTTP health check. */
export function checkHealthCheckPath(value: string): string | undefined {
  return /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$/.test(value) ? undefined : "expected an absolute URL path such as /health";
}

/** Sources allowed to reach SSH on the bastion: a real network, never the whole internet. */
export function checkSshSourceCidr(value: string): string | undefined {
  if (/^\s*(0+\.0+\.0+\.0+|::)\/0+\s*$/.test(value)) {
    return "SSH is never open to the whole internet; expected your office or VPN range as an IPv4 CIDR block a.b.c.d/n with n from 8 to 32, such as 203.0.113.0/24";
  }
  return checkCidr(value, 8, 32);
}

/** An OpenSSH public key line, as EC2 imports it (RSA, ECDSA or Ed25519). */
export function checkSshPublicKey(value: string): string | undefined {
  return /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]{60,}={0,3}( [\x20-\x7e]{0,200})?$/.test(value)
    ? undefined
    : "expected one OpenSSH public key line: ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256/384/521, the base64 key, an optional comment (the contents of ~/.ssh/id_ed25519.pub)";
}

/** Graviton (arm64) EC2 types: the host runs the Amazon Linux 2023 arm64 AMI. */
export function checkGravitonInstanceType(value: string): string | undefined {
  return /^[a-z]+[0-9]+g[a-z]*\.(nano|micro|small|medium|large|[0-9]*xlarge|metal)$/.test(value)
    ? undefined
    : "expected a Graviton (arm64) instance type such as t4g.medium or m7g.large: the host runs the Amazon Linux 2023 arm64 AMI";
}

export function checkAmiId(value: string): string | undefined {
  return /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(value)
    ? undefined
    : "expected an AMI id ami- followed by 8 or 17 hex digits (an arm64 image in the config's region)";
}

/** InfluxDB bucket retention, as the host bootstrap takes it: 0 (infinite) or a duration of at least 1h. */
export function checkInfluxRetention(value: string): string | undefined {
  const allowed = "expected 0 (keep forever) or an InfluxDB duration of at least 1h such as 30d, 72h, 1w, 1d12h";
  if (value === "0") return undefined;
  if (!/^([0-9]+[smhdw])+$/.test(value)) return allowed;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let seconds = 0;
  for (const [, n, u] of value.matchAll(/([0-9]+)([smhdw])/g)) seconds += Number(n) * unit[u];
  return seconds >= 3600 ? undefined : allowed;
}
