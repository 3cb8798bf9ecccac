// Value rules shared by the schema: each returns undefined when the value is fine,
// otherwise the "what is allowed" half of a one-line config error.

/** Regions as of 2026-11 (commercial, GovCloud, China, European Sovereign Cloud). */
export const AWS_REGIONS: readonly string[] = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2",
  "af-south-1",
  "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
  "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
  "ca-central-1", "ca-west-1",
  "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
  "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
  "us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1", "eusc-de-east-1",
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
  return inner.prefix >= outer.prefix && ((inner.network & mask(outer.prefix)) >>> 0) === outer.network;
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
