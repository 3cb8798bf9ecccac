import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, loadConfig, parseConfig, resolveConfigPath } from "../../config/load";
import { DEFAULT_CONTENT_SECURITY_POLICY } from "../../config/schema";
import { checkEnvName } from "../../config/rules";

const ROOT = path.resolve(__dirname, "../..");
const DEV_FILE = path.join(ROOT, "config", "dev.json");
const DEV_TEXT = fs.readFileSync(DEV_FILE, "utf8");
const FILE = "config/dev.json";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const dev = (): Json => JSON.parse(DEV_TEXT);

/** The ConfigError message `fn` throws; fails if it throws anything else or nothing. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError, but the config was accepted");
}

/** The message for the dev config with one change applied. */
function messageFor(change: (c: Json) => void): string {
  const config = dev();
  change(config);
  return errorOf(() => parseConfig(JSON.stringify(config), FILE));
}

/** A message is one line without a stack trace, whatever else it says. */
const expectOneLine = (message: string) => {
  expect(message).not.toMatch(/[\r\n]/);
  expect(message).not.toMatch(/\bat .*:\d+:\d+/);
};

const expectMessage = (actual: string, expected: string) => {
  expect(actual).toBe(expected);
  expectOneLine(actual);
};

const S3_NAME = "expected an S3 bucket name: 3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit";

describe("config validation: one line naming file, key, value and what is allowed", () => {
  test("config/dev.json itself is valid", () => {
    expect(parseConfig(DEV_TEXT, FILE).env).toBe("dev");
  });

  describe("missing file", () => {
    const envs = () =>
      fs
        .readdirSync(path.join(ROOT, "config"))
        .filter((f) => f.endsWith(".json"))
        .map((f) => f.replace(/\.json$/, ""))
        .join(", ");

    test("loadConfig on a path that does not exist", () => {
      const missing = path.join(os.tmpdir(), "streamlines-no-such-config.json");
      expectMessage(
        errorOf(() => loadConfig(missing)),
        `${missing}: file not found; expected STREAMLINES_ENV to name one of: ${envs()}, or STREAMLINES_CONFIG=<path> to point at a config file`,
      );
    });

    test("STREAMLINES_ENV naming an environment without a file", () => {
      expectMessage(
        errorOf(() => loadConfig(resolveConfigPath({ STREAMLINES_ENV: "nope" }))),
        `config/nope.json: file not found; expected STREAMLINES_ENV to name one of: ${envs()}, or STREAMLINES_CONFIG=<path> to point at a config file`,
      );
    });

    test("STREAMLINES_ENV that cannot name a file", () => {
      expectMessage(
        errorOf(() => resolveConfigPath({ STREAMLINES_ENV: "../etc/passwd" })),
        'STREAMLINES_ENV: "../etc/passwd" is not allowed; expected an environment name such as dev, matching a file config/<name>.json',
      );
    });
  });

  describe("invalid JSON, with line and column", () => {
    const JSON_ALLOWED = "expected a JSON object (double-quoted keys and strings, no comments or trailing commas)";

    test("a trailing comma", () => {
      const text = DEV_TEXT.replace('"flowLogs": true', '"flowLogs": true,');
      expectMessage(
        errorOf(() => parseConfig(text, FILE)),
        `${FILE}: invalid JSON at line 21 column 3: Expected double-quoted property name; ${JSON_ALLOWED}`,
      );
    });

    test("a single-quoted string (V8 gives no position for it)", () => {
      const text = DEV_TEXT.replace('"egress": "nat"', "\"egress\": 'nat'");
      expectMessage(
        errorOf(() => parseConfig(text, FILE)),
        `${FILE}: invalid JSON at line 19 column 15: Unexpected token '''; ${JSON_ALLOWED}`,
      );
    });

    test("a misspelt literal", () => {
      const text = DEV_TEXT.replace('"flowLogs": true', '"flowLogs": tru');
      expectMessage(
        errorOf(() => parseConfig(text, FILE)),
        `${FILE}: invalid JSON at line 20 column 20: Unexpected token '\\n'; ${JSON_ALLOWED}`,
      );
    });

    test("a truncated file", () => {
      const text = DEV_TEXT.slice(0, DEV_TEXT.indexOf('"network": ') + '"network": '.length);
      expectMessage(
        errorOf(() => parseConfig(text, FILE)),
        `${FILE}: invalid JSON at line 14 column 14: Unexpected end of JSON input; ${JSON_ALLOWED}`,
      );
    });

    test("a top level that is not an object", () => {
      expectMessage(
        errorOf(() => parseConfig("[]", FILE)),
        `${FILE}: top level is array; expected a JSON object`,
      );
    });
  });

  describe("unknown keys", () => {
    test("at top level", () => {
      expectMessage(
        messageFor((c) => (c.regoin = "eu-central-1")),
        `${FILE}: regoin: "eu-central-1" is not allowed; unknown key; allowed keys here: app, env, owner, region, profile, dataRetention, logRetentionDays, state, kms, network, artifacts, ecr, connectionTable, influx, grafana, secrets, kinesis, services, loadBalancer, autoscaling, schedule, alarms, realtime, edge, emulator`,
      );
    });

    test("nested", () => {
      expectMessage(
        messageFor((c) => (c.network.egres = "endpoints")),
        `${FILE}: network.egres: "endpoints" is not allowed; unknown key; allowed keys here: vpcCidr, availabilityZones, publicSubnetCidrs, privateSubnetCidrs, egress, flowLogs`,
      );
    });

    test("a key with a newline in it stays on one line", () => {
      expectMessage(
        messageFor((c) => (c.ecr["keep\nLast"] = 3)),
        `${FILE}: ecr."keep\\nLast": 3 is not allowed; unknown key; allowed keys here: forceDelete, keepLastImages`,
      );
    });
  });

  describe("wrong types", () => {
    test("a string where a number is expected", () => {
      expectMessage(
        messageFor((c) => (c.influx.ebs.sizeGiB = "50")),
        `${FILE}: influx.ebs.sizeGiB: "50" is not allowed; expected a whole number from 1 to 16384, got string`,
      );
    });

    test("a fraction where a whole number is expected", () => {
      expectMessage(
        messageFor((c) => (c.ecr.keepLastImages = 2.5)),
        `${FILE}: ecr.keepLastImages: 2.5 is not allowed; expected a whole number from 1 to 1000`,
      );
    });

    test("a number where a boolean is expected", () => {
      expectMessage(
        messageFor((c) => (c.network.flowLogs = 1)),
        `${FILE}: network.flowLogs: 1 is not allowed; expected true or false, got number`,
      );
    });

    test("a number where a string is expected", () => {
      expectMessage(
        messageFor((c) => (c.owner = 42)),
        `${FILE}: owner: 42 is not allowed; expected a string, got number`,
      );
    });

    test("a string where a list is expected", () => {
      expectMessage(
        messageFor((c) => (c.network.availabilityZones = "eu-central-1a")),
        `${FILE}: network.availabilityZones: "eu-central-1a" is not allowed; expected an array, got string`,
      );
    });

    test("null where an object is expected", () => {
      expectMessage(
        messageFor((c) => (c.state = null)),
        `${FILE}: state: null is not allowed; expected an object, got null`,
      );
    });
  });

  describe("regions and availability zones", () => {
    test("a region that does not exist", () => {
      expectMessage(
        messageFor((c) => (c.region = "eu-central-9")),
        `${FILE}: region: "eu-central-9" is not allowed; expected an AWS region such as eu-central-1 or us-east-1`,
      );
    });

    test("a state region that does not exist", () => {
      expectMessage(
        messageFor((c) => (c.state.region = "mars-north-1")),
        `${FILE}: state.region: "mars-north-1" is not allowed; expected an AWS region such as eu-central-1 or us-east-1`,
      );
    });

    test("an AZ outside the region", () => {
      expectMessage(
        messageFor((c) => (c.network.availabilityZones[1] = "us-east-1a")),
        `${FILE}: network.availabilityZones[1]: "us-east-1a" is not allowed; expected an availability zone of region eu-central-1, such as eu-central-1a`,
      );
    });

    test("the same AZ twice", () => {
      expectMessage(
        messageFor((c) => (c.network.availabilityZones = ["eu-central-1a", "eu-central-1a"])),
        `${FILE}: network.availabilityZones: ["eu-central-1a","eu-central-1a"] is not allowed; expected two different availability zones`,
      );
    });

    test("three AZs where two are expected", () => {
      expectMessage(
        messageFor((c) => c.network.availabilityZones.push("eu-central-1c")),
        `${FILE}: network.availabilityZones: ["eu-central-1a","eu-central-1b","eu-central-1c"] is not allowed; expected exactly 2 entries, got 3`,
      );
    });

    test("influx.availabilityZone not among network.availabilityZones", () => {
      expectMessage(
        messageFor((c) => (c.influx.availabilityZone = "eu-central-1c")),
        `${FILE}: influx.availabilityZone: "eu-central-1c" is not allowed; expected one of network.availabilityZones (eu-central-1a, eu-central-1b)`,
      );
    });
  });

  describe("CIDRs and subnets", () => {
    test("a CIDR that does not parse", () => {
      expectMessage(
        messageFor((c) => (c.network.vpcCidr = "10.40.0/16")),
        `${FILE}: network.vpcCidr: "10.40.0/16" is not allowed; expected an IPv4 CIDR block a.b.c.d/n with n from 16 to 24`,
      );
    });

    test("a CIDR with an octet above 255", () => {
      expectMessage(
        messageFor((c) => (c.network.publicSubnetCidrs[0] = "10.40.256.0/24")),
        `${FILE}: network.publicSubnetCidrs[0]: "10.40.256.0/24" is not allowed; expected an IPv4 CIDR block a.b.c.d/n with n from 16 to 28`,
      );
    });

    test("a CIDR with host bits set", () => {
      expectMessage(
        messageFor((c) => (c.network.vpcCidr = "10.40.1.0/16")),
        `${FILE}: network.vpcCidr: "10.40.1.0/16" is not allowed; expected an IPv4 CIDR block a.b.c.d/n with n from 16 to 24 and no host bits set (did you mean 10.40.0.0/16?)`,
      );
    });

    test("a VPC too large for the allowed prefix", () => {
      expectMessage(
        messageFor((c) => (c.network.vpcCidr = "10.0.0.0/8")),
        `${FILE}: network.vpcCidr: "10.0.0.0/8" is not allowed; expected an IPv4 CIDR block a.b.c.d/n with n from 16 to 24`,
      );
    });

    test("a subnet outside the VPC", () => {
      expectMessage(
        messageFor((c) => (c.network.privateSubnetCidrs[1] = "10.41.32.0/20")),
        `${FILE}: network.privateSubnetCidrs[1]: "10.41.32.0/20" is not allowed; expected a subnet inside network.vpcCidr 10.40.0.0/16`,
      );
    });

    test("a subnet larger than the VPC", () => {
      expectMessage(
        messageFor((c) => {
          c.network.vpcCidr = "10.40.0.0/24";
          c.network.publicSubnetCidrs = ["10.40.0.0/26", "10.40.0.64/26"];
          c.network.privateSubnetCidrs = ["10.40.0.0/16", "10.40.0.192/26"];
        }),
        `${FILE}: network.privateSubnetCidrs[0]: "10.40.0.0/16" is not allowed; expected a subnet inside network.vpcCidr 10.40.0.0/24`,
      );
    });

    test("two subnets that overlap", () => {
      expectMessage(
        messageFor((c) => (c.network.privateSubnetCidrs[0] = "10.40.0.0/20")),
        `${FILE}: network.privateSubnetCidrs[0]: "10.40.0.0/20" is not allowed; expected a subnet that does not overlap network.publicSubnetCidrs[0] 10.40.0.0/24`,
      );
    });
  });

  describe("S3 bucket names", () => {
    test("uppercase", () => {
      expectMessage(
        messageFor((c) => (c.state.bucket = "StreamLines-State")),
        `${FILE}: state.bucket: "StreamLines-State" is not allowed; ${S3_NAME}`,
      );
    });

    test("too short", () => {
      expectMessage(
        messageFor((c) => (c.artifacts.bucketName = "ab")),
        `${FILE}: artifacts.bucketName: "ab" is not allowed; ${S3_NAME}`,
      );
    });

    test("too long", () => {
      const name = "a".repeat(64);
      expectMessage(
        messageFor((c) => (c.artifacts.bucketName = name)),
        `${FILE}: artifacts.bucketName: "${name}" is not allowed; ${S3_NAME}`,
      );
    });

    test("two adjacent periods", () => {
      expectMessage(
        messageFor((c) => (c.artifacts.bucketName = "a..b")),
        `${FILE}: artifacts.bucketName: "a..b" is not allowed; ${S3_NAME}, with no '..', '.-' or '-.'`,
      );
    });

    test("formatted as an IP address", () => {
      expectMessage(
        messageFor((c) => (c.state.bucket = "192.168.5.4")),
        `${FILE}: state.bucket: "192.168.5.4" is not allowed; ${S3_NAME}, not formatted as an IP address`,
      );
    });

    test("a prefix reserved by AWS", () => {
      expectMessage(
        messageFor((c) => (c.state.bucket = "xn--streamlines")),
        `${FILE}: state.bucket: "xn--streamlines" is not allowed; ${S3_NAME}, without a prefix or suffix reserved by AWS (xn--, sthree-, -s3alias, --ol-s3, ...)`,
      );
    });
  });

  describe("sizes and counts", () => {
    test("a zero volume size", () => {
      expectMessage(
        messageFor((c) => (c.influx.ebs.sizeGiB = 0)),
        `${FILE}: influx.ebs.sizeGiB: 0 is not allowed; expected a whole number from 1 to 16384`,
      );
    });

    test("a negative volume size", () => {
      expectMessage(
        messageFor((c) => (c.influx.ebs.sizeGiB = -5)),
        `${FILE}: influx.ebs.sizeGiB: -5 is not allowed; expected a whole number from 1 to 16384`,
      );
    });

    test("a zero shard count", () => {
      expectMessage(
        messageFor((c) => (c.kinesis.upstream = { mode: "PROVISIONED", shardCount: 0, retentionHours: 24 })),
        `${FILE}: kinesis.upstream.shardCount: 0 is not allowed; expected a whole number from 1 to 500`,
      );
    });

    test("IOPS below the gp3 baseline", () => {
      expectMessage(
        messageFor((c) => (c.influx.ebs.iops = 100)),
        `${FILE}: influx.ebs.iops: 100 is not allowed; expected a whole number from 3000 to 16000`,
      );
    });

    test("gp3 IOPS above 500 per GiB", () => {
      expectMessage(
        messageFor((c) => Object.assign(c.influx.ebs, { sizeGiB: 10, iops: 6000 })),
        `${FILE}: influx.ebs.iops: 6000 is not allowed; expected at most 500 IOPS per GiB (5000 for 10 GiB)`,
      );
    });

    test("gp3 throughput above 0.25 MiB/s per IOPS", () => {
      expectMessage(
        messageFor((c) => (c.influx.ebs.throughputMiBps = 1000)),
        `${FILE}: influx.ebs.throughputMiBps: 1000 is not allowed; expected at most 0.25 MiB/s per IOPS (750 for 3000 IOPS)`,
      );
    });

    test("logRetentionDays not a CloudWatch value", () => {
      expectMessage(
        messageFor((c) => (c.logRetentionDays = 10)),
        `${FILE}: logRetentionDays: 10 is not allowed; expected one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653`,
      );
    });

    test("a KMS deletion window outside 7-30 days", () => {
      expectMessage(
        messageFor((c) => (c.kms = { deletionWindowDays: 3 })),
        `${FILE}: kms.deletionWindowDays: 3 is not allowed; expected a whole number from 7 to 30`,
      );
    });
  });

  describe("choices", () => {
    test("a profile that does not exist", () => {
      expectMessage(
        messageFor((c) => (c.profile = "minimal")),
        `${FILE}: profile: "minimal" is not allowed; expected one of "full", "backend-only"`,
      );
    });

    test("an egress mode that does not exist", () => {
      expectMessage(
        messageFor((c) => (c.network.egress = "igw")),
        `${FILE}: network.egress: "igw" is not allowed; expected one of "nat", "nat-and-endpoints"`,
      );
      expectMessage(
        messageFor((c) => (c.network.egress = "endpoints")),
        `${FILE}: network.egress: "endpoints" is not allowed; expected one of "nat", "nat-and-endpoints": ingest reads the market-data WebSocket on the internet, which VPC endpoints alone cannot reach`,
      );
    });

    test("kinesis PROVISIONED without shardCount", () => {
      expectMessage(
        messageFor((c) => (c.kinesis.downstream.mode = "PROVISIONED")),
        `${FILE}: kinesis.downstream.shardCount: (missing) is not allowed; expected a shard count from 1 to 500 when mode is PROVISIONED`,
      );
    });

    test("kinesis ON_DEMAND with shardCount", () => {
      expectMessage(
        messageFor((c) => (c.kinesis.upstream.reader = { mode: "fan-out", consumerName: "ripples efo" })),
        `${FILE}: kinesis.upstream.reader.consumerName: "ripples efo" is not allowed; expected 1-128 characters of a-z, A-Z, 0-9, '_', '.', '-'`,
      );
      expectMessage(
        messageFor((c) => (c.kinesis.upstream.shardCount = 2)),
        `${FILE}: kinesis.upstream.shardCount: 2 is not allowed; expected no shardCount when mode is ON_DEMAND`,
      );
    });

    test("an emulator endpoint that is not a URL", () => {
      expectMessage(
        messageFor((c) => (c.emulator = { endpoint: "localhost:4566" })),
        `${FILE}: emulator.endpoint: "localhost:4566" is not allowed; expected an emulator URL such as http://127.0.0.1:5000`,
      );
    });
  });

  describe("missing required keys", () => {
    test("no region", () => {
      expectMessage(
        messageFor((c) => delete c.region),
        `${FILE}: region: (missing) is not allowed; this key is required; expected an AWS region such as eu-central-1 or us-east-1`,
      );
    });

    test("no state bucket", () => {
      expectMessage(
        messageFor((c) => delete c.state.bucket),
        `${FILE}: state.bucket: (missing) is not allowed; this key is required; ${S3_NAME}`,
      );
    });

    test("no network at all", () => {
      expectMessage(
        messageFor((c) => delete c.network),
        `${FILE}: network: (missing) is not allowed; this key is required; expected an object with keys vpcCidr, availabilityZones, publicSubnetCidrs, privateSubnetCidrs, egress, flowLogs`,
      );
    });

    test("no vpcCidr", () => {
      expectMessage(
        messageFor((c) => delete c.network.vpcCidr),
        `${FILE}: network.vpcCidr: (missing) is not allowed; this key is required; expected an IPv4 CIDR block a.b.c.d/n with n from 16 to 24`,
      );
    });

    test("no subnets", () => {
      expectMessage(
        messageFor((c) => delete c.network.privateSubnetCidrs),
        `${FILE}: network.privateSubnetCidrs: (missing) is not allowed; this key is required; expected an array of 2 entries`,
      );
    });
  });
});

/** Only the required keys; everything else takes its default. */
const MINIMAL = {
  env: "dev",
  owner: "platform-team",
  region: "eu-central-1",
  state: { bucket: "streamlines-tfstate-dev-eu-central-1" },
  network: {
    vpcCidr: "10.40.0.0/16",
    availabilityZones: ["eu-central-1a", "eu-central-1b"],
    publicSubnetCidrs: ["10.40.0.0/24", "10.40.1.0/24"],
    privateSubnetCidrs: ["10.40.16.0/20", "10.40.32.0/20"],
  },
  influx: { availabilityZone: "eu-central-1a", image: { tag: "2.7.12" } },
  // Required for every service of the profile until image build contexts exist (issue 7).
  services: {
    ingest: { image: { tag: "1.0.0" } },
    ripples: { image: { tag: "1.0.0" } },
    backend: { image: { tag: "1.0.0" } },
    dashboard: { image: { tag: "1.0.0" } },
  },
};

describe("defaults", () => {
  test("a config with only the required keys gets the documented defaults", () => {
    const config = parseConfig(JSON.stringify(MINIMAL), FILE);
    expect(config).toMatchObject({
      app: "streamlines",
      profile: "full",
      dataRetention: true,
      logRetentionDays: 30,
      state: { bucket: "streamlines-tfstate-dev-eu-central-1", region: "eu-central-1", prefix: "streamlines" },
      kms: { deletionWindowDays: 30 },
      network: { egress: "nat", flowLogs: true },
      artifacts: { bucketName: "streamlines-dev-artifacts", noncurrentVersionExpirationDays: 30 },
      ecr: { forceDelete: false, keepLastImages: 20 },
      connectionTable: { name: "StreamLinesWebsocketConnectionTable", ttlAttribute: "expiresAt" },
      influx: {
        storage: "ebs",
        ebs: { sizeGiB: 50, iops: 3000, throughputMiBps: 125 },
        snapshots: { enabled: true, retainDays: 7, time: "03:00" },
        efs: { throughputMode: "bursting" },
      },
      secrets: { recoveryWindowDays: 30 },
      kinesis: { upstream: { mode: "ON_DEMAND", retentionHours: 24 }, downstream: { mode: "ON_DEMAND", retentionHours: 24 } },
    });
    expect(config).not.toHaveProperty("emulator");
    expect(config.kinesis.upstream).not.toHaveProperty("shardCount");
    // ripples' FlinkKinesisConsumer polls unless the app turns on EFO.
    expect(config.kinesis.upstream.reader).toEqual({ mode: "polling", consumerName: "streamlines-dev-ripples" });
    expect(config.kinesis.downstream).not.toHaveProperty("reader");
  });

  test("state.region follows region, and the artifacts bucket follows app and env", () => {
    const config = parseConfig(
      JSON.stringify({
        ...MINIMAL,
        app: "sl",
        env: "stage",
        region: "us-east-1",
        network: { ...MINIMAL.network, availabilityZones: ["us-east-1a", "us-east-1b"] },
        influx: { availabilityZone: "us-east-1b", image: { tag: "2.7.12" } },
      }),
      FILE,
    );
    expect(config.state.region).toBe("us-east-1");
    expect(config.artifacts.bucketName).toBe("sl-stage-artifacts");
  });

  test("each required key, left out, is named as required", () => {
    const required: Array<[string, string?]> = [
      ["env"],
      ["owner"],
      ["region"],
      ["state", "bucket"],
      ["network", "vpcCidr"],
      ["network", "availabilityZones"],
      ["network", "publicSubnetCidrs"],
      ["network", "privateSubnetCidrs"],
      ["influx", "availabilityZone"],
    ];
    for (const [outer, inner] of required) {
      const config: Json = JSON.parse(JSON.stringify(MINIMAL));
      if (inner) delete config[outer][inner];
      else delete config[outer];
      const message = errorOf(() => parseConfig(JSON.stringify(config), FILE));
      expectOneLine(message);
      expect(
        message.startsWith(`${FILE}: ${inner ? `${outer}.${inner}` : outer}: (missing) is not allowed; this key is required; expected `),
      ).toBe(true);
    }
  });
});

describe("which file is read", () => {
  test("STREAMLINES_CONFIG wins over STREAMLINES_ENV", () => {
    expect(resolveConfigPath({ STREAMLINES_CONFIG: "some/where.json", STREAMLINES_ENV: "acceptance" })).toBe(
      path.resolve("some/where.json"),
    );
  });

  test("STREAMLINES_ENV picks config/<env>.json", () => {
    expect(resolveConfigPath({ STREAMLINES_ENV: "acceptance" })).toBe(path.join(ROOT, "config", "acceptance.json"));
    expect(loadConfig(resolveConfigPath({ STREAMLINES_ENV: "acceptance" })).env).toBe("acc");
  });

  test("dev is the default", () => {
    expect(resolveConfigPath({})).toBe(DEV_FILE);
    expect(resolveConfigPath({ STREAMLINES_ENV: "" })).toBe(DEV_FILE);
  });
});

describe("the CLI (node dist/main.js)", () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "streamlines-cli-"));
    // The app command of cdktf.json builds the same way: a transpile, when the sources changed.
    const build = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build.js")], { cwd: ROOT, encoding: "utf8" });
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
  }, 180_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const run = (configFile: string | undefined, outdir: string, extra: NodeJS.ProcessEnv = {}) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      STREAMLINES_CONFIG: configFile,
      CDKTF_OUTDIR: outdir,
      CHECKPOINT_DISABLE: "1",
      ...extra,
    };
    if (!configFile) delete env.STREAMLINES_CONFIG;
    if (!extra.STREAMLINES_ENV) delete env.STREAMLINES_ENV;
    return spawnSync(process.execPath, [path.join(ROOT, "dist", "main.js")], { cwd: ROOT, env, encoding: "utf8" });
  };

  test("a bad config: exit 1, one line on stderr, nothing synthesized", () => {
    const bad = dev();
    bad.network.vpcCidr = "10.40.0/16";
    const file = path.join(work, "bad.json");
    fs.writeFileSync(file, JSON.stringify(bad, null, 2));
    const outdir = path.join(work, "bad-out");
    fs.mkdirSync(outdir);

    const result = run(file, outdir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `config error: ${file}: network.vpcCidr: "10.40.0/16" is not allowed; expected an IPv4 CIDR block a.b.c.d/n with n from 16 to 24\n`,
    );
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    expect(result.stdout).toBe("");
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test("invalid JSON: exit 1, one line on stderr", () => {
    const file = path.join(work, "broken.json");
    fs.writeFileSync(file, DEV_TEXT.replace('"egress": "nat"', "\"egress\": 'nat'"));
    const result = run(file, path.join(work, "broken-out"));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^config error: [^\n]*: invalid JSON at line 19 column 15: [^\n]*\n$/);
    expect(fs.existsSync(path.join(work, "broken-out"))).toBe(false);
  });

  test("an environment without a config file: exit 1, one line on stderr", () => {
    const result = run(undefined, path.join(work, "nope-out"), { STREAMLINES_ENV: "nope" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^config error: config\/nope\.json: file not found; expected STREAMLINES_ENV to name one of: [^\n]*\n$/);
    expect(fs.existsSync(path.join(work, "nope-out"))).toBe(false);
  });

  test("the dev config: exit 0, foundations, core and edge synthesized", () => {
    const outdir = path.join(work, "good-out");
    const result = run(DEV_FILE, outdir);
    // The dev example has no certificate and leaves TOP_TICKERS_API to the operator, so synth warns
    // (cdktf annotations are printed by main.ts too); deploy refuses phase 2 until it is set.
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 0,
      stderr:
        'warning: core: services.ingest.environment.TOP_TICKERS_API is unset: ingest at e410d43 exits at start without it (ingest/src/config/ticker_hydrator.rs:36 @ e410d43); set it in the config file, e.g. "services": {"ingest": {"environment": {"TOP_TICKERS_API": "<URL of the top-traded-tickers API>"}}} (help/app-contract.md)\n' +
        "warning: core/load-balancer: streamlines-dev: the load balancer serves plain HTTP. Set loadBalancer.certificateArn or loadBalancer.domain in the config for HTTPS.\n" +
        "warning: edge/site: streamlines-dev-dashboard: CloudFront reaches the backend load balancer over plain HTTP; give the ALB a certificate (loadBalancer.domain).\n",
    });
    for (const stack of ["foundations", "core", "edge"]) {
      expect(fs.existsSync(path.join(outdir, "stacks", stack, "cdk.tf.json"))).toBe(true);
    }
  });
});

describe("config validation: the app's services, load balancer, autoscaling, schedule and alarms", () => {
  const TAG =
    "expected a pinned docker tag: 1-128 characters of A-Z, a-z, 0-9, '_', '.', '-', not starting with '.' or '-', and not \"latest\"";

  test("a service of the profile without an image tag", () => {
    expectMessage(
      messageFor((c) => delete c.services.backend.image),
      `${FILE}: services.backend.image.tag: (missing) is not allowed; this key or services.backend.image.buildContext is required for a service of profile full; expected the pinned docker tag of an image in the backend ECR repository, or a build context directory`,
    );
  });

  describe("image build contexts (relative to the repository root)", () => {
    const INGEST_CONTEXT = "__tests__/fixtures/image-contexts/ingest";
    const RIPPLES_CONTEXT = "__tests__/fixtures/image-contexts/ripples";
    const CONTEXT = "expected a directory (absolute, or relative to the repository root) holding the image's Dockerfile";

    test("a build context instead of a tag is accepted, with or without dockerfile and platform", () => {
      const c = dev();
      c.services.ingest.image = { buildContext: INGEST_CONTEXT };
      c.services.ripples.image = {
        buildContext: path.join(ROOT, RIPPLES_CONTEXT),
        dockerfile: "docker/Dockerfile.ripples",
        platform: "linux/arm64",
      };
      const config = parseConfig(JSON.stringify(c), FILE);
      expect(config.services.ingest.image).toEqual({ buildContext: INGEST_CONTEXT });
      expect(config.services.ripples.image.platform).toBe("linux/arm64");
    });

    test("both a tag and a build context", () => {
      expectMessage(
        messageFor((c) => (c.services.ingest.image = { tag: "1.0.0", buildContext: INGEST_CONTEXT })),
        `${FILE}: services.ingest.image.buildContext: "${INGEST_CONTEXT}" is not allowed; expected either services.ingest.image.tag or services.ingest.image.buildContext, not both: a build context's content hash is the tag`,
      );
    });

    test("a build context that does not exist, or is a file", () => {
      expectMessage(
        messageFor((c) => (c.services.ingest.image = { buildContext: "../no-such-service" })),
        `${FILE}: services.ingest.image.buildContext: "../no-such-service" is not allowed; ${CONTEXT}; ${path.resolve(ROOT, "../no-such-service")} does not exist`,
      );
      expectMessage(
        messageFor((c) => (c.services.ingest.image = { buildContext: `${INGEST_CONTEXT}/Dockerfile` })),
        `${FILE}: services.ingest.image.buildContext: "${INGEST_CONTEXT}/Dockerfile" is not allowed; ${CONTEXT}; ${path.join(ROOT, INGEST_CONTEXT, "Dockerfile")} is not a directory`,
      );
    });

    test("no Dockerfile where the settings point", () => {
      expectMessage(
        messageFor((c) => (c.services.ripples.image = { buildContext: RIPPLES_CONTEXT })),
        `${FILE}: services.ripples.image.buildContext: "${RIPPLES_CONTEXT}" is not allowed; expected a Dockerfile at ${path.join(ROOT, RIPPLES_CONTEXT, "Dockerfile")} (or set services.ripples.image.dockerfile)`,
      );
      expectMessage(
        messageFor((c) => (c.services.ripples.image = { buildContext: RIPPLES_CONTEXT, dockerfile: "Dockerfile.missing" })),
        `${FILE}: services.ripples.image.dockerfile: "Dockerfile.missing" is not allowed; expected a Dockerfile at ${path.join(ROOT, RIPPLES_CONTEXT, "Dockerfile.missing")}`,
      );
    });

    test("a platform other than the one the service's architecture runs", () => {
      expectMessage(
        messageFor((c) => (c.services.ingest.image = { buildContext: INGEST_CONTEXT, platform: "linux/arm64" })),
        `${FILE}: services.ingest.image.platform: "linux/arm64" is not allowed; expected linux/amd64, the platform of architecture X86_64 the image runs on (or leave it out)`,
      );
      expectMessage(
        messageFor((c) => (c.services.ingest.image = { buildContext: INGEST_CONTEXT, platform: "windows/amd64" })),
        `${FILE}: services.ingest.image.platform: "windows/amd64" is not allowed; expected one of "linux/amd64", "linux/arm64"`,
      );
    });

    test("dockerfile or platform next to a pinned tag", () => {
      expectMessage(
        messageFor((c) => (c.services.ingest.image = { tag: "1.0.0", platform: "linux/amd64" })),
        `${FILE}: services.ingest.image.platform: "linux/amd64" is not allowed; expected no platform without services.ingest.image.buildContext: a pinned tag is built elsewhere`,
      );
    });
  });

  test("backend-only needs no tags for backend and dashboard", () => {
    const c = dev();
    c.profile = "backend-only";
    c.grafana = { image: { tag: "11.3.0" } };
    c.edge.enabled = false;
    delete c.services.backend;
    delete c.services.dashboard;
    expect(parseConfig(JSON.stringify(c), FILE).profile).toBe("backend-only");
  });

  test("image tag latest, or not a docker tag", () => {
    expectMessage(
      messageFor((c) => (c.services.ingest.image.tag = "latest")),
      `${FILE}: services.ingest.image.tag: "latest" is not allowed; ${TAG}`,
    );
    expectMessage(
      messageFor((c) => (c.services.ingest.image.tag = "v1:2")),
      `${FILE}: services.ingest.image.tag: "v1:2" is not allowed; ${TAG}`,
    );
    expectMessage(
      messageFor((c) => (c.services.ingest.image.tag = "-rc1")),
      `${FILE}: services.ingest.image.tag: "-rc1" is not allowed; ${TAG}`,
    );
    expectMessage(
      messageFor((c) => (c.services.ingest.image.tag = "ctx-0123456789abcdef")),
      `${FILE}: services.ingest.image.tag: "ctx-0123456789abcdef" is not allowed; expected a pinned tag not starting with "ctx-", which the image hooks' content-hash tags use and the ECR lifecycle expires`,
    );
  });

  test("an unknown service and an unknown service key", () => {
    expectMessage(
      messageFor((c) => (c.services.grafana = { image: { tag: "1" } })),
      `${FILE}: services.grafana: {"image":{"tag":"1"}} is not allowed; unknown key; allowed keys here: ingest, ripples, backend, dashboard`,
    );
    expectMessage(
      messageFor((c) => (c.services.ingest.port = 8080)),
      `${FILE}: services.ingest.port: 8080 is not allowed; unknown key; allowed keys here: image, cpu, memory, architecture, desiredCount, capacityProvider, minHealthyPercent, maxPercent, executeCommand, serviceDiscovery, environment, extraVariables, readonlyRootFilesystem, healthCheck`,
    );
  });

  test("Fargate sizes: CPU units and memory that fit them", () => {
    expectMessage(
      messageFor((c) => (c.services.ripples.cpu = 300)),
      `${FILE}: services.ripples.cpu: 300 is not allowed; expected one of 256, 512, 1024, 2048, 4096, 8192, 16384`,
    );
    expectMessage(
      messageFor((c) => (c.services.backend.memory = 4096)),
      `${FILE}: services.backend.memory: 4096 is not allowed; expected a Fargate memory size for 256 CPU units: 512, 1024, 2048 MiB`,
    );
    expectMessage(
      messageFor((c) => Object.assign(c.services.ripples, { cpu: 1024, memory: 1536 })),
      `${FILE}: services.ripples.memory: 1536 is not allowed; expected a Fargate memory size for 1024 CPU units: 2048 to 8192 in steps of 1024 MiB`,
    );
  });

  test("architecture and capacity provider", () => {
    expectMessage(
      messageFor((c) => (c.services.ingest.architecture = "arm64")),
      `${FILE}: services.ingest.architecture: "arm64" is not allowed; expected one of "X86_64", "ARM64"`,
    );
    expectMessage(
      messageFor((c) => (c.services.ingest.capacityProvider = "SPOT")),
      `${FILE}: services.ingest.capacityProvider: "SPOT" is not allowed; expected one of "FARGATE", "FARGATE_SPOT"`,
    );
  });

  test("FARGATE_SPOT is accepted for ARM64 services (Fargate Spot runs Graviton since 2024-09)", () => {
    const dev = JSON.parse(fs.readFileSync(DEV_FILE, "utf8"));
    dev.services.ripples.capacityProvider = "FARGATE_SPOT";
    expect(parseConfig(JSON.stringify(dev), FILE).services.ripples).toMatchObject({
      architecture: "ARM64",
      capacityProvider: "FARGATE_SPOT",
    });
  });

  test("counts and deployment percentages", () => {
    expectMessage(
      messageFor((c) => (c.services.ingest.desiredCount = -1)),
      `${FILE}: services.ingest.desiredCount: -1 is not allowed; expected a whole number from 0 to 100`,
    );
    expectMessage(
      messageFor((c) => (c.services.ingest.maxPercent = 250)),
      `${FILE}: services.ingest.maxPercent: 250 is not allowed; expected a whole number from 100 to 200`,
    );
    expectMessage(
      messageFor((c) => Object.assign(c.services.backend, { minHealthyPercent: 100, maxPercent: 100 })),
      `${FILE}: services.backend.maxPercent: 100 is not allowed; expected more than minHealthyPercent (100), or a deployment can neither start nor stop a task`,
    );
    expectMessage(
      messageFor((c) => (c.services.ripples.executeCommand = "yes")),
      `${FILE}: services.ripples.executeCommand: "yes" is not allowed; expected true or false, got string`,
    );
  });

  test("web service port and health check path", () => {
    expectMessage(
      messageFor((c) => (c.services.backend.port = 80)),
      `${FILE}: services.backend.port: 80 is not allowed; expected a whole number from 1024 to 65535`,
    );
    expectMessage(
      messageFor((c) => (c.services.backend.healthCheckPath = "health")),
      `${FILE}: services.backend.healthCheckPath: "health" is not allowed; expected an absolute URL path such as /health`,
    );
  });

  test("health check and read-only root file system: ECS's ranges, timeout below interval, no read-only root with ECS Exec", () => {
    expectMessage(
      messageFor((c) => (c.services.ripples.healthCheck = { intervalSeconds: 400 } as never)),
      `${FILE}: services.ripples.healthCheck.intervalSeconds: 400 is not allowed; expected a whole number from 5 to 300`,
    );
    expectMessage(
      messageFor((c) => (c.services.ingest.healthCheck = { timeoutSeconds: 30 } as never)),
      `${FILE}: services.ingest.healthCheck.timeoutSeconds: 30 is not allowed; expected less than services.ingest.healthCheck.intervalSeconds (30), so one check ends before the next starts`,
    );
    expectMessage(
      messageFor((c) => (c.services.backend.healthCheck = { enabled: true } as never)),
      `${FILE}: services.backend.healthCheck: {"enabled":true} is not allowed; unknown key; allowed keys here: image, cpu, memory, architecture, desiredCount, capacityProvider, minHealthyPercent, maxPercent, executeCommand, serviceDiscovery, environment, extraVariables, readonlyRootFilesystem, port, healthCheckPath`,
    );
    expectMessage(
      messageFor((c) => Object.assign(c.services.ingest, { executeCommand: true, readonlyRootFilesystem: true })),
      `${FILE}: services.ingest.readonlyRootFilesystem: true is not allowed; expected false or unset while services.ingest.executeCommand is true: ECS Exec's agent writes to the container's root file system, which AWS does not support read-only`,
    );
  });

  describe("environment overrides", () => {
    test("a secret-looking name, with its value withheld from the message (it lands in CI logs)", () => {
      const value = "tok-8f3a61c2e9d04b7a";
      const message = messageFor((c) => (c.services.ingest.environment = { TOP_TICKERS_TOKEN: value }));
      expectMessage(
        message,
        `${FILE}: services.ingest.environment.TOP_TICKERS_TOKEN: (value withheld: the name says it holds a secret) is not allowed; expected a plain setting, not a secret: secrets reach the containers from Secrets Manager through the task definition's secrets`,
      );
      expect(message).not.toContain("8f3a61c2");
    });

    test("a plain name keeps its value in the message", () => {
      expectMessage(
        messageFor((c) => (c.services.ingest.environment = { MAX_TICKER_COUNT: "x".repeat(4097) })),
        `${FILE}: services.ingest.environment.MAX_TICKER_COUNT: "${"x".repeat(76)}... is not allowed; expected a value of at most 4096 characters`,
      );
    });

    test.each([
      "DB_CREDENTIALS",
      "SMTP_PASS",
      "DB_PASSPHRASE",
      "BASIC_AUTH",
      "PROXY_AUTHORIZATION",
      "SENTRY_DSN",
      "AWS_ACCESS_KEY_ID",
      "S3_SECRET_ACCESS_KEY",
      "MY_ACCESSKEY",
    ])("a secret-looking name beyond passwords and tokens: %s", (name) => {
      expectMessage(
        messageFor((c) => (c.services.ripples.environment = { [name]: "v" })),
        `${FILE}: services.ripples.environment.${name}: (value withheld: the name says it holds a secret) is not allowed; expected a plain setting, not a secret: secrets reach the containers from Secrets Manager through the task definition's secrets`,
      );
    });

    test("names that only look close stay allowed (no false alarm on the app's own settings)", () => {
      for (const name of ["JAVA_TOOL_OPTIONS", "MAX_TICKER_COUNT", "PASSIVE_MODE", "AUTHOR", "DSN_HOST"])
        expect(checkEnvName(name)).toBeUndefined();
    });

    test("a name that is no environment variable name (quoted, so the message stays one line)", () => {
      expectMessage(
        messageFor((c) => (c.services.ingest.environment = { "MAX TICKERS": "3" })),
        `${FILE}: services.ingest.environment."MAX TICKERS": "3" is not allowed; expected an environment variable name: letters, digits and '_', not starting with a digit`,
      );
    });

    test("a variable the stack derives itself", () => {
      expectMessage(
        messageFor((c) => (c.services.ripples.environment = { KINESIS_UPSTREAM_NAME: "other-stream" })),
        `${FILE}: services.ripples.environment.KINESIS_UPSTREAM_NAME: "other-stream" is not allowed; expected a variable the stack does not set itself; INFLUXDB_URL, INFLUXDB_ORG, INFLUXDB_BUCKET, CHECKPOINT_PATH, KINESIS_UPSTREAM_NAME, KINESIS_DOWNSTREAM_NAME come from the stack's resources and the influx keys`,
      );
      // The stack sets the port the target group checks; another value would fail every health check.
      expectMessage(
        messageFor((c) => (c.services.dashboard.environment = { PORT: "8080" })),
        `${FILE}: services.dashboard.environment.PORT: "8080" is not allowed; expected a variable the stack does not set itself; PORT come from the stack's resources and the influx keys`,
      );
    });

    test("a value that is not a string, and a list instead of an object", () => {
      expectMessage(
        messageFor((c) => (c.services.ingest.environment = { MAX_TICKER_COUNT: 30 })),
        `${FILE}: services.ingest.environment.MAX_TICKER_COUNT: 30 is not allowed; expected a string, got number`,
      );
      expectMessage(
        messageFor((c) => (c.services.ingest.environment = ["A=1"])),
        `${FILE}: services.ingest.environment: ["A=1"] is not allowed; expected an object of names to values, got array`,
      );
    });
  });

  describe("load balancer", () => {
    test("a certificate from another region", () => {
      expectMessage(
        messageFor((c) => (c.loadBalancer.certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/abc-123")),
        `${FILE}: loadBalancer.certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc-123" is not allowed; expected an ACM certificate ARN in region eu-central-1, such as arn:aws:acm:eu-central-1:123456789012:certificate/<id>`,
      );
    });

    test("a domain name and a hosted zone id that do not parse", () => {
      expectMessage(
        messageFor((c) => (c.loadBalancer.domain = { name: "Markets.Example.com", hostedZoneId: "Z123" })),
        `${FILE}: loadBalancer.domain.name: "Markets.Example.com" is not allowed; expected a lowercase DNS name such as markets.example.com`,
      );
      expectMessage(
        messageFor((c) => (c.loadBalancer.domain = { name: "markets.example.com", hostedZoneId: "zone-1" })),
        `${FILE}: loadBalancer.domain.hostedZoneId: "zone-1" is not allowed; expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ`,
      );
      expectMessage(
        messageFor((c) => (c.loadBalancer.domain = { name: "markets.example.com" })),
        `${FILE}: loadBalancer.domain.hostedZoneId: (missing) is not allowed; this key is required; expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ`,
      );
    });

    test("an access log bucket name and an idle timeout out of range", () => {
      expectMessage(
        messageFor((c) => (c.loadBalancer.accessLogs.bucketName = "ALB_logs")),
        `${FILE}: loadBalancer.accessLogs.bucketName: "ALB_logs" is not allowed; ${S3_NAME}`,
      );
      expectMessage(
        messageFor((c) => (c.loadBalancer.idleTimeoutSeconds = 0)),
        `${FILE}: loadBalancer.idleTimeoutSeconds: 0 is not allowed; expected a whole number from 1 to 4000`,
      );
    });

    test("app and env too long for the ALB's name", () => {
      expect(parseConfig(JSON.stringify({ ...MINIMAL, env: "production01" }), FILE).env).toBe("production01");
      expectMessage(
        messageFor((c) => {
          c.app = "streamlinesmarkt";
          c.env = "production01";
        }),
        `${FILE}: env: "production01" is not allowed; expected app and env together at most 27 characters in profile full: the load balancer's name streamlinesmarkt-production01-alb must fit in 32`,
      );
    });
  });

  describe("autoscaling", () => {
    test("min above max", () => {
      expectMessage(
        messageFor((c) => Object.assign(c.autoscaling.backend, { min: 3, max: 2 })),
        `${FILE}: autoscaling.backend.max: 2 is not allowed; expected at least autoscaling.backend.min (3)`,
      );
    });

    test("a desired count outside min and max", () => {
      expectMessage(
        messageFor((c) => (c.services.dashboard.desiredCount = 5)),
        `${FILE}: services.dashboard.desiredCount: 5 is not allowed; expected a count from autoscaling.dashboard.min to max (1 to 3) while autoscaling is on`,
      );
    });

    test("with autoscaling off, the desired count is free", () => {
      const c = dev();
      c.autoscaling.enabled = false;
      c.services.dashboard.desiredCount = 5;
      expect(parseConfig(JSON.stringify(c), FILE).services.dashboard.desiredCount).toBe(5);
    });

    test("a CPU target out of range", () => {
      expectMessage(
        messageFor((c) => (c.autoscaling.backend.targetCpuPercent = 95)),
        `${FILE}: autoscaling.backend.targetCpuPercent: 95 is not allowed; expected a whole number from 10 to 90`,
      );
    });
  });

  describe("schedule", () => {
    const CRON =
      "expected an EventBridge Scheduler cron expression such as cron(30 16 ? * MON-FRI *): minutes hours day-of-month month day-of-week year, with '?' in exactly one of the day fields";

    test("not a cron expression, five fields, and '?' in neither day field", () => {
      expectMessage(
        messageFor((c) => (c.schedule.stop = "rate(1 day)")),
        `${FILE}: schedule.stop: "rate(1 day)" is not allowed; ${CRON}`,
      );
      expectMessage(
        messageFor((c) => (c.schedule.start = "cron(0 9 * * 1-5)")),
        `${FILE}: schedule.start: "cron(0 9 * * 1-5)" is not allowed; ${CRON}`,
      );
      expectMessage(
        messageFor((c) => (c.schedule.start = "cron(0 9 * * MON-FRI *)")),
        `${FILE}: schedule.start: "cron(0 9 * * MON-FRI *)" is not allowed; ${CRON}`,
      );
    });

    test("a time zone that does not exist", () => {
      expectMessage(
        messageFor((c) => (c.schedule.timeZone = "America/Gotham")),
        `${FILE}: schedule.timeZone: "America/Gotham" is not allowed; expected an IANA time zone such as America/New_York or UTC`,
      );
    });
  });

  describe("alarms and InfluxDB", () => {
    test("an email address that is none", () => {
      expectMessage(
        messageFor((c) => (c.alarms.email = "ops at example.com")),
        `${FILE}: alarms.email: "ops at example.com" is not allowed; expected an email address such as ops@example.com`,
      );
    });

    test("thresholds below their minimum", () => {
      expectMessage(
        messageFor((c) => (c.alarms.upstreamIteratorAgeMs = 0)),
        `${FILE}: alarms.upstreamIteratorAgeMs: 0 is not allowed; expected a whole number from 1000 to 86400000`,
      );
      expectMessage(
        messageFor((c) => (c.alarms.tasksBelowDesiredMinutes = 0)),
        `${FILE}: alarms.tasksBelowDesiredMinutes: 0 is not allowed; expected a whole number from 1 to 60`,
      );
      expectMessage(
        messageFor((c) => (c.alarms.target5xxCount = 0)),
        `${FILE}: alarms.target5xxCount: 0 is not allowed; expected a whole number from 1 to 100000`,
      );
      expectMessage(
        messageFor((c) => (c.alarms.unhealthyHosts = 0)),
        `${FILE}: alarms.unhealthyHosts: 0 is not allowed; expected a whole number from 1 to 100`,
      );
    });

    test("InfluxDB port and names", () => {
      expectMessage(
        messageFor((c) => (c.influx.port = 80)),
        `${FILE}: influx.port: 80 is not allowed; expected a whole number from 1024 to 65535`,
      );
      expectMessage(
        messageFor((c) => (c.influx.buckets = { marketDataRealtime: "market data" })),
        `${FILE}: influx.buckets.marketDataRealtime: "market data" is not allowed; expected an InfluxDB name: 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'`,
      );
    });
  });

  describe("the influx stack: images, host, bastion, Grafana", () => {
    const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBv1cZ3Gm4l3e6nDq0kqkTzq0S0z1o1f5i2bq1s3S0aW ops@example.com";
    const SSH_ANYWHERE =
      "SSH is never open to the whole internet; expected your office or VPN range as an IPv4 CIDR block a.b.c.d/n with n from 8 to 32, such as 203.0.113.0/24";

    test("the InfluxDB image tag is required, and Grafana's in backend-only", () => {
      expectMessage(
        messageFor((c) => delete c.influx.image),
        `${FILE}: influx.image.tag: (missing) is not allowed; this key or influx.image.buildContext is required for InfluxDB (the influx stack, every profile); expected the pinned docker tag of an image in the influxdb ECR repository, or a build context directory`,
      );
      expectMessage(
        messageFor((c) => (c.influx.image.tag = "latest")),
        `${FILE}: influx.image.tag: "latest" is not allowed; ${TAG}`,
      );
      expectMessage(
        messageFor((c) => {
          c.profile = "backend-only";
          c.grafana = {};
        }),
        `${FILE}: grafana.image.tag: (missing) is not allowed; this key or grafana.image.buildContext is required for Grafana in profile backend-only; expected the pinned docker tag of an image in the grafana ECR repository, or a build context directory`,
      );
      // The images the infra owns build from this repository: both contexts hold a Dockerfile.
      const built = dev();
      built.influx.image = { buildContext: "modules/influx-host" };
      built.profile = "backend-only";
      built.edge.enabled = false;
      built.grafana = { image: { buildContext: "modules/grafana/image" } };
      expect(parseConfig(JSON.stringify(built), FILE).grafana.image).toEqual({ buildContext: "modules/grafana/image" });
    });

    test("bastion: 0.0.0.0/0 and ::/0 are refused, as are too wide or malformed CIDRs", () => {
      const withCidrs = (cidrs: unknown[]) => messageFor((c) => (c.influx.bastion = { allowedCidrs: cidrs, publicKey: KEY }));
      expectMessage(withCidrs(["0.0.0.0/0"]), `${FILE}: influx.bastion.allowedCidrs[0]: "0.0.0.0/0" is not allowed; ${SSH_ANYWHERE}`);
      expectMessage(
        withCidrs(["203.0.113.0/24", "::/0"]),
        `${FILE}: influx.bastion.allowedCidrs[1]: "::/0" is not allowed; ${SSH_ANYWHERE}`,
      );
      expectMessage(
        withCidrs(["0.0.0.0/1"]),
        `${FILE}: influx.bastion.allowedCidrs[0]: "0.0.0.0/1" is not allowed; expected an IPv4 CIDR block a.b.c.d/n with n from 8 to 32`,
      );
      expectMessage(
        withCidrs([]),
        `${FILE}: influx.bastion.allowedCidrs: [] is not allowed; expected at least one source CIDR for SSH; leave out influx.bastion for no bastion`,
      );
    });

    test("bastion: a public key that is no OpenSSH public key line (a private key, say)", () => {
      const message = messageFor(
        (c) => (c.influx.bastion = { allowedCidrs: ["203.0.113.0/24"], publicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" }),
      );
      expectOneLine(message);
      expect(message).toMatch(/^config\/dev\.json: influx\.bastion\.publicKey: .* is not allowed; expected one OpenSSH public key line/);
    });

    test("a valid bastion is kept as given", () => {
      const c = dev();
      c.influx.bastion = { allowedCidrs: ["203.0.113.0/24", "198.51.100.7/32"], publicKey: KEY };
      expect(parseConfig(JSON.stringify(c), FILE).influx.bastion).toEqual({
        allowedCidrs: ["203.0.113.0/24", "198.51.100.7/32"],
        publicKey: KEY,
      });
    });

    test("host: a Graviton type, an AMI id, a root volume size, a retention", () => {
      expectMessage(
        messageFor((c) => (c.influx.instanceType = "t3.medium")),
        `${FILE}: influx.instanceType: "t3.medium" is not allowed; expected a Graviton (arm64) instance type such as t4g.medium or m7g.large: the host runs the Amazon Linux 2023 arm64 AMI`,
      );
      expectMessage(
        messageFor((c) => (c.influx.amiId = "ami-xyz")),
        `${FILE}: influx.amiId: "ami-xyz" is not allowed; expected an AMI id ami- followed by 8 or 17 hex digits (an arm64 image in the config's region)`,
      );
      expectMessage(
        messageFor((c) => (c.influx.rootVolumeGiB = 4)),
        `${FILE}: influx.rootVolumeGiB: 4 is not allowed; expected a whole number from 8 to 1024`,
      );
      const RETENTION = "expected 0 (keep forever) or an InfluxDB duration of at least 1h such as 30d, 72h, 1w, 1d12h";
      expectMessage(
        messageFor((c) => (c.influx.retention = "30m")),
        `${FILE}: influx.retention: "30m" is not allowed; ${RETENTION}`,
      );
      expectMessage(
        messageFor((c) => (c.influx.retention = "7days")),
        `${FILE}: influx.retention: "7days" is not allowed; ${RETENTION}`,
      );
      for (const ok of ["m7g.large", "c7gn.2xlarge", "r8g.metal", "t4g.nano"])
        expect(parseConfig(JSON.stringify({ ...dev(), influx: { ...dev().influx, instanceType: ok } }), FILE).influx.instanceType).toBe(ok);
    });

    test("Fargate sizes of the EFS variant's task and of Grafana", () => {
      expectMessage(
        messageFor((c) => {
          c.influx.storage = "efs";
          c.influx.task = { cpu: 256, memory: 4096 };
        }),
        `${FILE}: influx.task.memory: 4096 is not allowed; expected a Fargate memory size for 256 CPU units: 512, 1024, 2048 MiB`,
      );
      expectMessage(
        messageFor((c) => {
          c.profile = "backend-only";
          c.grafana = { image: { tag: "11.3.0" }, cpu: 512, memory: 512 };
        }),
        `${FILE}: grafana.memory: 512 is not allowed; expected a Fargate memory size for 512 CPU units: 1024 to 4096 in steps of 1024 MiB`,
      );
    });

    test("defaults: t4g.medium, 20 GiB root, keep forever, 1 vCPU / 2 GiB task on EFS, Grafana 256/512 on 3000, no bastion", () => {
      const config = parseConfig(JSON.stringify(MINIMAL), FILE);
      expect(config.influx).toMatchObject({
        instanceType: "t4g.medium",
        rootVolumeGiB: 20,
        retention: "0",
        task: { cpu: 1024, memory: 2048 },
        image: { tag: "2.7.12" },
      });
      expect(config.influx).not.toHaveProperty("bastion");
      expect(config.influx).not.toHaveProperty("amiId");
      expect(config.grafana).toEqual({ image: {}, cpu: 256, memory: 512, port: 3000 });
    });
  });

  test("defaults for the new keys: the predecessor's sizes, NYSE hours, autoscaling on, HTTP without access logs", () => {
    const config = parseConfig(JSON.stringify(MINIMAL), FILE);
    const common = { desiredCount: 1, capacityProvider: "FARGATE", executeCommand: false, serviceDiscovery: false };
    expect(config.services).toEqual({
      ingest: {
        image: { tag: "1.0.0" },
        cpu: 256,
        memory: 512,
        architecture: "X86_64",
        minHealthyPercent: 0,
        maxPercent: 100,
        ...common,
        healthCheck: { enabled: true, intervalSeconds: 30, timeoutSeconds: 10, retries: 3, startPeriodSeconds: 60 },
      },
      ripples: {
        image: { tag: "1.0.0" },
        cpu: 512,
        memory: 1024,
        architecture: "ARM64",
        minHealthyPercent: 0,
        maxPercent: 100,
        ...common,
        healthCheck: { enabled: true, intervalSeconds: 30, timeoutSeconds: 10, retries: 3, startPeriodSeconds: 180 },
      },
      backend: {
        image: { tag: "1.0.0" },
        cpu: 256,
        memory: 512,
        architecture: "X86_64",
        minHealthyPercent: 100,
        maxPercent: 200,
        port: 3030,
        healthCheckPath: "/health",
        ...common,
      },
      dashboard: {
        image: { tag: "1.0.0" },
        cpu: 256,
        memory: 512,
        architecture: "ARM64",
        minHealthyPercent: 100,
        maxPercent: 200,
        port: 3000,
        healthCheckPath: "/",
        ...common,
      },
    });
    expect(config.loadBalancer).toEqual({
      accessLogs: { enabled: false, bucketName: "streamlines-dev-alb-logs", expirationDays: 90 },
      idleTimeoutSeconds: 60,
      deletionProtection: false,
    });
    expect(config.autoscaling).toEqual({
      enabled: true,
      backend: { min: 1, max: 4, targetCpuPercent: 60 },
      dashboard: { min: 1, max: 3, targetCpuPercent: 60 },
    });
    expect(config.schedule).toEqual({
      enabled: true,
      timeZone: "America/New_York",
      stop: "cron(30 16 ? * MON-FRI *)",
      start: "cron(0 9 ? * MON-FRI *)",
    });
    expect(config.alarms).toEqual({ upstreamIteratorAgeMs: 60000, tasksBelowDesiredMinutes: 5, target5xxCount: 10, unhealthyHosts: 1 });
    expect(config.influx).toMatchObject({
      port: 8086,
      org: "streamlines",
      buckets: { marketDataRealtime: "market-data-realtime", marketDataHistorical: "market-data-historical" },
    });
  });
});

describe("config validation: the real-time path (realtime)", () => {
  test("defaults: handler 256 MiB / 10 s, pusher 512 MiB / 60 s, no tracing, 50 symbols, 3 h TTL, realtime batches, no domain", () => {
    const config = parseConfig(JSON.stringify(MINIMAL), FILE);
    expect(config.realtime).toEqual({
      connectionHandler: { memoryMb: 256, timeoutSeconds: 10, tracing: false },
      resultsPusher: { memoryMb: 512, timeoutSeconds: 60, tracing: false },
      throttling: { burstLimit: 500, rateLimit: 1000 },
      connectionTtlHours: 3,
      maxSymbolsPerMessage: 50,
      maxSubscriptionsPerConnection: 100,
      postConcurrency: 25,
      maxPostsPerInvocation: 5000,
      eventSource: { batchSize: 100, batchingWindowSeconds: 0, maximumRetryAttempts: 3 },
      alarms: { downstreamIteratorAgeMs: 60000 },
      accountLogsRole: "external",
    });
    expect(config.realtime.connectionHandler.reservedConcurrency).toBeUndefined();
    expect(config.realtime.resultsPusher.reservedConcurrency).toBeUndefined();
  });

  test("abuse limits: subscriptions per connection, posts per invocation, reserved concurrency", () => {
    expectMessage(
      messageFor((c) => (c.realtime = { maxSubscriptionsPerConnection: 0 })),
      `${FILE}: realtime.maxSubscriptionsPerConnection: 0 is not allowed; expected a whole number from 1 to 1000`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { maxSubscriptionsPerConnection: 1001 })),
      `${FILE}: realtime.maxSubscriptionsPerConnection: 1001 is not allowed; expected a whole number from 1 to 1000`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { maxPostsPerInvocation: 0 })),
      `${FILE}: realtime.maxPostsPerInvocation: 0 is not allowed; expected a whole number from 1 to 100000`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { connectionHandler: { reservedConcurrency: 0 } })),
      `${FILE}: realtime.connectionHandler.reservedConcurrency: 0 is not allowed; expected a whole number from 1 to 10000`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { resultsPusher: { reservedConcurrency: 2.5 } })),
      `${FILE}: realtime.resultsPusher.reservedConcurrency: 2.5 is not allowed; expected a whole number from 1 to 10000`,
    );
    expectMessage(
      messageFor((c) => {
        c.kinesis = { downstream: { mode: "PROVISIONED", shardCount: 4 } };
        c.realtime = { resultsPusher: { reservedConcurrency: 2 } };
      }),
      `${FILE}: realtime.resultsPusher.reservedConcurrency: 2 is not allowed; expected at least kinesis.downstream.shardCount (4): the pusher runs once per shard at a time`,
    );
    const config = parseConfig(
      JSON.stringify({
        ...MINIMAL,
        realtime: { connectionHandler: { reservedConcurrency: 20 }, resultsPusher: { reservedConcurrency: 4 } },
      }),
      FILE,
    );
    expect([config.realtime.connectionHandler.reservedConcurrency, config.realtime.resultsPusher.reservedConcurrency]).toEqual([20, 4]);
  });

  test("accountLogsRole: owned or external, nothing else (the old true/false are refused with the choices)", () => {
    expect(parseConfig(JSON.stringify({ ...MINIMAL, realtime: { accountLogsRole: "owned" } }), FILE).realtime.accountLogsRole).toBe(
      "owned",
    );
    expect(messageFor((c) => (c.realtime = { accountLogsRole: true }))).toMatch(
      /^config\/dev\.json: realtime\.accountLogsRole: true is not allowed; expected .*"owned".*"external"/,
    );
    expect(messageFor((c) => (c.realtime = { accountLogsRole: "mine" }))).toMatch(
      /^config\/dev\.json: realtime\.accountLogsRole: "mine" is not allowed; expected .*"owned".*"external"/,
    );
  });

  test("function sizes: Lambda's memory range, and the pusher's timeout of at least 30 s", () => {
    expectMessage(
      messageFor((c) => (c.realtime = { connectionHandler: { memoryMb: 64 } })),
      `${FILE}: realtime.connectionHandler.memoryMb: 64 is not allowed; expected a whole number from 128 to 10240`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { resultsPusher: { timeoutSeconds: 10 } })),
      `${FILE}: realtime.resultsPusher.timeoutSeconds: 10 is not allowed; expected a whole number from 30 to 900`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { connectionHandler: { timeoutSeconds: 901 } })),
      `${FILE}: realtime.connectionHandler.timeoutSeconds: 901 is not allowed; expected a whole number from 1 to 900`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { resultsPusher: { tracing: "yes" } })),
      `${FILE}: realtime.resultsPusher.tracing: "yes" is not allowed; expected true or false, got string`,
    );
  });

  test("event source mapping: batch size, window, and retries that never block a shard forever", () => {
    expectMessage(
      messageFor((c) => (c.realtime = { eventSource: { batchSize: 0 } })),
      `${FILE}: realtime.eventSource.batchSize: 0 is not allowed; expected a whole number from 1 to 10000`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { eventSource: { batchingWindowSeconds: 301 } })),
      `${FILE}: realtime.eventSource.batchingWindowSeconds: 301 is not allowed; expected a whole number from 0 to 300`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { eventSource: { maximumRetryAttempts: -1 } })),
      `${FILE}: realtime.eventSource.maximumRetryAttempts: -1 is not allowed; expected a whole number from 0 to 10000`,
    );
  });

  test("limits: throttling, symbols per message, TTL hours, post concurrency", () => {
    expectMessage(
      messageFor((c) => (c.realtime = { throttling: { burstLimit: 0 } })),
      `${FILE}: realtime.throttling.burstLimit: 0 is not allowed; expected a whole number from 1 to 5000`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { throttling: { rateLimit: 20000 } })),
      `${FILE}: realtime.throttling.rateLimit: 20000 is not allowed; expected a whole number from 1 to 10000`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { maxSymbolsPerMessage: 1001 })),
      `${FILE}: realtime.maxSymbolsPerMessage: 1001 is not allowed; expected a whole number from 1 to 1000`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { connectionTtlHours: 0 })),
      `${FILE}: realtime.connectionTtlHours: 0 is not allowed; expected a whole number from 1 to 8760`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { postConcurrency: 501 })),
      `${FILE}: realtime.postConcurrency: 501 is not allowed; expected a whole number from 1 to 500`,
    );
    expectMessage(
      messageFor((c) => (c.realtime = { alarms: { downstreamIteratorAgeMs: 10 } })),
      `${FILE}: realtime.alarms.downstreamIteratorAgeMs: 10 is not allowed; expected a whole number from 1000 to 86400000`,
    );
  });

  test("a domain needs a DNS name and a hosted zone id; an unknown realtime key is named", () => {
    expect(messageFor((c) => (c.realtime = { domain: { name: "live..example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" } }))).toMatch(
      /^config\/dev\.json: realtime\.domain\.name: "live\.\.example\.com" is not allowed; expected /,
    );
    expect(messageFor((c) => (c.realtime = { domain: { name: "live.example.com" } }))).toMatch(
      /^config\/dev\.json: realtime\.domain\.hostedZoneId: \(missing\) is not allowed; this key is required/,
    );
    expect(messageFor((c) => (c.realtime = { memoryMb: 512 }))).toMatch(
      /^config\/dev\.json: realtime\.memoryMb: 512 is not allowed; unknown key; allowed keys here: connectionHandler, resultsPusher, /,
    );
  });
});

describe("config validation: edge", () => {
  const withEdge = (edge: Json) => (c: Json) => (c.edge = { enabled: true, ...edge });

  test("defaults: off, PriceClass_100, no domain, logs and WAF off, backend origins on, the default CSP", () => {
    const config = parseConfig(JSON.stringify(MINIMAL), FILE);
    expect(config.edge).toEqual({
      enabled: false,
      bucketName: "streamlines-dev-dashboard-site",
      priceClass: "PriceClass_100",
      contentSecurityPolicy: DEFAULT_CONTENT_SECURITY_POLICY,
      accessLogs: { enabled: false, bucketName: "streamlines-dev-cdn-logs", expirationDays: 90 },
      waf: { enabled: false, rateLimit: 2000, logs: "blocked" },
      backendOrigins: true,
      buildDir: "dashboard/dist",
    });
  });

  test("profile backend-only refuses edge.enabled", () => {
    expectMessage(
      messageFor((c) => {
        c.profile = "backend-only";
        c.grafana = { image: { tag: "11.3.0" } };
        c.edge = { enabled: true };
      }),
      `${FILE}: edge.enabled: true is not allowed; expected false in profile backend-only: it has no dashboard to serve (CloudFront belongs to profile full)`,
    );
  });

  test("HTTPS to the ALB with a certificate but no domain: CloudFront would reach it by its elb.amazonaws.com name", () => {
    const certificate = "arn:aws:acm:eu-central-1:123456789012:certificate/abc-123";
    expectMessage(
      messageFor((c) => {
        withEdge({})(c);
        c.loadBalancer.certificateArn = certificate;
      }),
      `${FILE}: loadBalancer.domain: (missing) is not allowed; expected a domain its certificate covers when edge.backendOrigins is on with loadBalancer.certificateArn: CloudFront reaches the ALB over HTTPS by name, and no certificate matches the ALB's *.elb.amazonaws.com name (or set edge.backendOrigins false)`,
    );
    const without = dev();
    withEdge({ backendOrigins: false })(without);
    without.loadBalancer.certificateArn = certificate;
    expect(parseConfig(JSON.stringify(without), FILE).edge.backendOrigins).toBe(false);
  });

  test("the site's domain is the load balancer's", () => {
    expectMessage(
      messageFor((c) => {
        withEdge({ domain: { name: "markets.example.com", zoneName: "example.com" } })(c);
        c.loadBalancer.domain = { name: "markets.example.com", hostedZoneId: "Z123" };
      }),
      `${FILE}: edge.domain.name: "markets.example.com" is not allowed; expected a name other than loadBalancer.domain.name: the site and the load balancer each need their own DNS record`,
    );
  });

  test("a domain outside its zone, a bad zone name, a missing zone", () => {
    expectMessage(
      messageFor(withEdge({ domain: { name: "markets.example.org", zoneName: "example.com" } })),
      `${FILE}: edge.domain.name: "markets.example.org" is not allowed; expected a name inside edge.domain.zoneName example.com`,
    );
    expectMessage(
      messageFor(withEdge({ domain: { name: "markets.example.com", zoneName: "Example.com." } })),
      `${FILE}: edge.domain.zoneName: "Example.com." is not allowed; expected a lowercase DNS name such as markets.example.com`,
    );
    expectMessage(
      messageFor(withEdge({ domain: { name: "markets.example.com" } })),
      `${FILE}: edge.domain.zoneName: (missing) is not allowed; this key is required; expected a lowercase DNS name such as markets.example.com`,
    );
    // The zone apex itself is a valid site name.
    expect(
      parseConfig(JSON.stringify({ ...dev(), edge: { enabled: true, domain: { name: "example.com", zoneName: "example.com" } } }), FILE)
        .edge.domain,
    ).toEqual({
      name: "example.com",
      zoneName: "example.com",
    });
  });

  test("the default CSP: connect-src 'self' plus the app's own WebSocket (and API) origins, never any wss: or https: host", () => {
    const csp = (edge: Json, extra: Json = {}) =>
      parseConfig(JSON.stringify({ ...MINIMAL, ...extra, edge: { enabled: false, ...edge } }), FILE).edge.contentSecurityPolicy;
    const connect = (policy: string) => policy.split("; ").find((d) => d.startsWith("connect-src "));
    expect(connect(csp({}))).toBe("connect-src 'self'");
    expect(connect(csp({ domain: { name: "markets.example.com", zoneName: "example.com" } }))).toBe(
      "connect-src 'self' wss://markets.example.com",
    );
    expect(
      connect(
        csp(
          { backendOrigins: false },
          {
            realtime: { domain: { name: "live.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" } },
            loadBalancer: { domain: { name: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" } },
          },
        ),
      ),
    ).toBe("connect-src 'self' https://api.example.com wss://live.example.com");
    expect(csp({})).toBe(DEFAULT_CONTENT_SECURITY_POLICY);
    expect(DEFAULT_CONTENT_SECURITY_POLICY).not.toMatch(/ (wss|https):( |;)/);
    expect(DEFAULT_CONTENT_SECURITY_POLICY).toContain("style-src 'self' 'unsafe-inline'; style-src-elem 'self';");
    expect(csp({ contentSecurityPolicy: "default-src 'none'" })).toBe("default-src 'none'");
  });

  test("WAF logs: blocked by default, or all; anything else refused", () => {
    expect(parseConfig(JSON.stringify({ ...MINIMAL, edge: { waf: { enabled: true, logs: "all" } } }), FILE).edge.waf.logs).toBe("all");
    expectMessage(
      messageFor(withEdge({ waf: { enabled: true, logs: "none" } })),
      `${FILE}: edge.waf.logs: "none" is not allowed; expected one of "blocked", "all"`,
    );
  });

  test("price class, CSP, rate limit, bucket names", () => {
    expectMessage(
      messageFor(withEdge({ priceClass: "PriceClass_50" })),
      `${FILE}: edge.priceClass: "PriceClass_50" is not allowed; expected one of "PriceClass_100", "PriceClass_200", "PriceClass_All"`,
    );
    expectMessage(
      messageFor(withEdge({ contentSecurityPolicy: "default-src 'self';\nscript-src *" })),
      `${FILE}: edge.contentSecurityPolicy: "default-src 'self';\\nscript-src *" is not allowed; expected a Content-Security-Policy of 1-1783 printable ASCII characters`,
    );
    expectMessage(
      messageFor(withEdge({ waf: { enabled: true, rateLimit: 5 } })),
      `${FILE}: edge.waf.rateLimit: 5 is not allowed; expected a whole number from 10 to 2000000000`,
    );
    expectMessage(
      messageFor(withEdge({ accessLogs: { enabled: true, bucketName: "CDN_logs" } })),
      `${FILE}: edge.accessLogs.bucketName: "CDN_logs" is not allowed; ${S3_NAME}`,
    );
    expectMessage(messageFor(withEdge({ bucketName: "Site" })), `${FILE}: edge.bucketName: "Site" is not allowed; ${S3_NAME}`);
  });
});
