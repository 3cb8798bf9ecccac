/**
 * The one price table: `npm run plan`, `npm run drift`, `npm run residuals` and help/costs.md use
 * these figures. List prices only; usage (data, requests, LCUs, storage that grows) is never guessed.
 */

export const PRICE_TABLE = {
  region: "us-east-1",
  asOf: "2025",
  source: "AWS public pricing pages (aws.amazon.com/<service>/pricing): on-demand list prices, Linux, us-east-1",
  hoursPerMonth: 730,
} as const;

/** Hourly prices, us-east-1. A month is 730 hours. */
export const HOURLY = {
  natGateway: 0.045, // plus $0.045/GB processed
  publicIpv4: 0.005, // every public IPv4 address, Elastic IP or not
  interfaceEndpointPerAz: 0.01, // plus $0.01/GB; gateway endpoints (S3, DynamoDB) are free
  loadBalancer: 0.0225, // ALB and NLB, plus LCUs
  kinesisShard: 0.015, // provisioned
  kinesisOnDemandStream: 0.04, // on-demand, plus $0.08/GB in and $0.04/GB out
  fargateX86VcpuHour: 0.04048,
  fargateX86GbHour: 0.004445,
  fargateArmVcpuHour: 0.03238,
  fargateArmGbHour: 0.00356,
  dynamoRcu: 0.00013, // provisioned read capacity unit
  dynamoWcu: 0.00065, // provisioned write capacity unit
} as const;

/** Monthly prices, us-east-1. */
export const MONTHLY = {
  kmsKey: 1,
  secret: 0.4,
  alarmStandard: 0.1,
  alarmHighResolution: 0.3, // period under 60 s
  alarmAnomalyDetection: 0.3, // per metric the band watches (standard resolution)
  alarmComposite: 0.5,
  hostedZone: 0.5, // also the private zone behind a Cloud Map DNS namespace
  healthCheck: 0.5,
  webAcl: 5,
  webAclRule: 1, // plus $0.60 per million requests
  dashboard: 3, // beyond the account's first 3
  gp3PerGiB: 0.08,
  gp3IopsOver3000: 0.005,
  gp3MibpsOver125: 0.04,
  gp2PerGiB: 0.1,
  io1PerGiB: 0.125,
  io1Iops: 0.065,
  io2PerGiB: 0.125,
  io2Iops: 0.065, // first 32,000 IOPS; higher tiers cost less
  st1PerGiB: 0.045,
  sc1PerGiB: 0.015,
  standardPerGiB: 0.05, // magnetic, plus $0.05 per million I/O
  snapshotPerGiB: 0.05, // upper bound: snapshots bill changed blocks, the volume size caps them
  logStoragePerGB: 0.03,
  logIngestPerGB: 0.5,
  ecrPerGB: 0.1,
  efsPerGB: 0.3,
  s3PerGB: 0.023,
  dynamoStoragePerGB: 0.25,
} as const;

/**
 * On-demand Linux price of each family's `.large` size; AWS prices sizes within these families
 * linearly (medium is half of large, xlarge twice, 4xlarge eight times).
 */
export const INSTANCE_LARGE_HOURLY: Readonly<Record<string, number>> = {
  t4g: 0.0672,
  m6g: 0.077,
  m7g: 0.0816,
  m8g: 0.08976,
  c6g: 0.068,
  c7g: 0.0725,
  c8g: 0.07976,
  r6g: 0.1008,
  r7g: 0.1071,
  r8g: 0.11782,
  t3: 0.0832,
  t3a: 0.0752,
  m5: 0.096,
  m6i: 0.096,
  m7i: 0.1008,
  c5: 0.085,
  c6i: 0.085,
  r5: 0.126,
  r6i: 0.126,
};

const SIZE_FACTORS: Readonly<Record<string, number>> = { nano: 1 / 16, micro: 1 / 8, small: 1 / 4, medium: 1 / 2, large: 1, xlarge: 2 };

/** Hourly us-east-1 price of an instance type, or undefined when the table does not have it. */
export function instanceHourly(instanceType: string): number | undefined {
  const m = /^([a-z0-9]+)\.(nano|micro|small|medium|large|([0-9]+)xlarge|xlarge)$/.exec(instanceType);
  const large = m ? INSTANCE_LARGE_HOURLY[m[1]] : undefined;
  if (!m || large === undefined) return undefined;
  const factor = m[3] !== undefined ? 2 * Number(m[3]) : SIZE_FACTORS[m[2]];
  return round(large * factor, 6);
}

/**
 * List prices of other regions against us-east-1, rounded from the compute and NAT prices; a
 * region that is not here is shown at us-east-1 prices with a note saying so.
 */
export const REGION_FACTORS: Readonly<Record<string, number>> = {
  "us-east-1": 1,
  "us-east-2": 1,
  "us-west-2": 1,
  "us-west-1": 1.17,
  "ca-central-1": 1.1,
  "eu-west-1": 1.1,
  "eu-west-2": 1.16,
  "eu-west-3": 1.16,
  "eu-central-1": 1.15,
  "eu-north-1": 1.06,
  "eu-south-1": 1.16,
  "ap-south-1": 1.05,
  "ap-southeast-1": 1.2,
  "ap-southeast-2": 1.2,
  "ap-northeast-1": 1.25,
  "ap-northeast-2": 1.2,
  "ap-northeast-3": 1.25,
  "sa-east-1": 1.5,
};

/** The factor for a region and, when it is not in the table, the note to show. */
export function regionFactor(region: string | undefined): { factor: number; note?: string } {
  if (!region || region === PRICE_TABLE.region) return { factor: 1 };
  const factor = REGION_FACTORS[region];
  if (factor !== undefined) return { factor };
  return { factor: 1, note: `no price factor for ${region}: us-east-1 prices shown (other regions cost up to ~50% more)` };
}

export const monthlyFromHourly = (hourly: number): number => hourly * PRICE_TABLE.hoursPerMonth;

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The rough monthly figures `npm run residuals` prints, from the same table. */
export const MONTHLY_PRICES = {
  natGateway: round(monthlyFromHourly(HOURLY.natGateway)),
  elasticIp: round(monthlyFromHourly(HOURLY.publicIpv4)),
  gp3PerGiB: MONTHLY.gp3PerGiB,
  snapshotPerGiB: MONTHLY.snapshotPerGiB,
  interfaceEndpointPerAz: round(monthlyFromHourly(HOURLY.interfaceEndpointPerAz)),
  logStoragePerGB: MONTHLY.logStoragePerGB,
  ecrPerGB: MONTHLY.ecrPerGB,
  efsPerGB: MONTHLY.efsPerGB,
  kinesisShard: round(monthlyFromHourly(HOURLY.kinesisShard)),
  kmsKey: MONTHLY.kmsKey,
  secret: MONTHLY.secret,
  albHour: round(monthlyFromHourly(HOURLY.loadBalancer)),
} as const;
