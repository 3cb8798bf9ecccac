import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, loadConfig, parseConfig, resolveConfigPath } from "../config/load";

const ROOT = path.resolve(__dirname, "..");
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
      expectMessage(errorOf(() => parseConfig(text, FILE)), `${FILE}: invalid JSON at line 21 column 3: Expected double-quoted property name; ${JSON_ALLOWED}`);
    });

    test("a single-quoted string (V8 gives no position for it)", () => {
      const text = DEV_TEXT.replace('"egress": "nat"', "\"egress\": 'nat'");
      expectMessage(errorOf(() => parseConfig(text, FILE)), `${FILE}: invalid JSON at line 19 column 15: Unexpected token '''; ${JSON_ALLOWED}`);
    });

    test("a misspelt literal", () => {
      const text = DEV_TEXT.replace('"flowLogs": true', '"flowLogs": tru');
      expectMessage(errorOf(() => parseConfig(text, FILE)), `${FILE}: invalid JSON at line 20 column 20: Unexpected token '\\n'; ${JSON_ALLOWED}`);
    });

    test("a truncated file", () => {
      const text = DEV_TEXT.slice(0, DEV_TEXT.indexOf('"network": ') + '"network": '.length);
      expectMessage(errorOf(() => parseConfig(text, FILE)), `${FILE}: invalid JSON at line 14 column 14: Unexpected end of JSON input; ${JSON_ALLOWED}`);
    });

    test("a top level that is not an object", () => {
      expectMessage(errorOf(() => parseConfig("[]", FILE)), `${FILE}: top level is array; expected a JSON object`);
    });
  });

  describe("unknown keys", () => {
    test("at top level", () => {
      expectMessage(
        messageFor((c) => (c.regoin = "eu-central-1")),
        `${FILE}: regoin: "eu-central-1" is not allowed; unknown key; allowed keys here: app, env, owner, region, profile, dataRetention, logRetentionDays, state, kms, network, artifacts, ecr, connectionTable, influx, secrets, kinesis, emulator`,
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
      expectMessage(messageFor((c) => (c.ecr.keepLastImages = 2.5)), `${FILE}: ecr.keepLastImages: 2.5 is not allowed; expected a whole number from 1 to 1000`);
    });

    test("a number where a boolean is expected", () => {
      expectMessage(messageFor((c) => (c.network.flowLogs = 1)), `${FILE}: network.flowLogs: 1 is not allowed; expected true or false, got number`);
    });

    test("a number where a string is expected", () => {
      expectMessage(messageFor((c) => (c.owner = 42)), `${FILE}: owner: 42 is not allowed; expected a string, got number`);
    });

    test("a string where a list is expected", () => {
      expectMessage(
        messageFor((c) => (c.network.availabilityZones = "eu-central-1a")),
        `${FILE}: network.availabilityZones: "eu-central-1a" is not allowed; expected an array, got string`,
      );
    });

    test("null where an object is expected", () => {
      expectMessage(messageFor((c) => (c.state = null)), `${FILE}: state: null is not allowed; expected an object, got null`);
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
      expectMessage(messageFor((c) => (c.state.bucket = "StreamLines-State")), `${FILE}: state.bucket: "StreamLines-State" is not allowed; ${S3_NAME}`);
    });

    test("too short", () => {
      expectMessage(messageFor((c) => (c.artifacts.bucketName = "ab")), `${FILE}: artifacts.bucketName: "ab" is not allowed; ${S3_NAME}`);
    });

    test("too long", () => {
      const name = "a".repeat(64);
      expectMessage(messageFor((c) => (c.artifacts.bucketName = name)), `${FILE}: artifacts.bucketName: "${name}" is not allowed; ${S3_NAME}`);
    });

    test("two adjacent periods", () => {
      expectMessage(messageFor((c) => (c.artifacts.bucketName = "a..b")), `${FILE}: artifacts.bucketName: "a..b" is not allowed; ${S3_NAME}, with no '..', '.-' or '-.'`);
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
      expectMessage(messageFor((c) => (c.influx.ebs.sizeGiB = 0)), `${FILE}: influx.ebs.sizeGiB: 0 is not allowed; expected a whole number from 1 to 16384`);
    });

    test("a negative volume size", () => {
      expectMessage(messageFor((c) => (c.influx.ebs.sizeGiB = -5)), `${FILE}: influx.ebs.sizeGiB: -5 is not allowed; expected a whole number from 1 to 16384`);
    });

    test("a zero shard count", () => {
      expectMessage(
        messageFor((c) => (c.kinesis.upstream = { mode: "PROVISIONED", shardCount: 0, retentionHours: 24 })),
        `${FILE}: kinesis.upstream.shardCount: 0 is not allowed; expected a whole number from 1 to 500`,
      );
    });

    test("IOPS below the gp3 baseline", () => {
      expectMessage(messageFor((c) => (c.influx.ebs.iops = 100)), `${FILE}: influx.ebs.iops: 100 is not allowed; expected a whole number from 3000 to 16000`);
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
      expectMessage(messageFor((c) => (c.kms = { deletionWindowDays: 3 })), `${FILE}: kms.deletionWindowDays: 3 is not allowed; expected a whole number from 7 to 30`);
    });
  });

  describe("choices", () => {
    test("a profile that does not exist", () => {
      expectMessage(messageFor((c) => (c.profile = "minimal")), `${FILE}: profile: "minimal" is not allowed; expected one of "full", "backend-only"`);
    });

    test("an egress mode that does not exist", () => {
      expectMessage(messageFor((c) => (c.network.egress = "igw")), `${FILE}: network.egress: "igw" is not allowed; expected one of "nat", "endpoints"`);
    });

    test("kinesis PROVISIONED without shardCount", () => {
      expectMessage(
        messageFor((c) => (c.kinesis.downstream.mode = "PROVISIONED")),
        `${FILE}: kinesis.downstream.shardCount: (missing) is not allowed; expected a shard count from 1 to 500 when mode is PROVISIONED`,
      );
    });

    test("kinesis ON_DEMAND with shardCount", () => {
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
      expectMessage(messageFor((c) => delete c.state.bucket), `${FILE}: state.bucket: (missing) is not allowed; this key is required; ${S3_NAME}`);
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

describe("defaults", () => {
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
    influx: { availabilityZone: "eu-central-1a" },
  };

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
  });

  test("state.region follows region, and the artifacts bucket follows app and env", () => {
    const config = parseConfig(
      JSON.stringify({
        ...MINIMAL,
        app: "sl",
        env: "stage",
        region: "us-east-1",
        network: { ...MINIMAL.network, availabilityZones: ["us-east-1a", "us-east-1b"] },
        influx: { availabilityZone: "us-east-1b" },
      }),
      FILE,
    );
    expect(config.state.region).toBe("us-east-1");
    expect(config.artifacts.bucketName).toBe("sl-stage-artifacts");
  });

  test("each required key, left out, is named as required", () => {
    const required: Array<[string, string?]> = [["env"], ["owner"], ["region"], ["state", "bucket"], ["network", "vpcCidr"], ["network", "availabilityZones"], ["network", "publicSubnetCidrs"], ["network", "privateSubnetCidrs"], ["influx", "availabilityZone"]];
    for (const [outer, inner] of required) {
      const config: Json = JSON.parse(JSON.stringify(MINIMAL));
      if (inner) delete config[outer][inner];
      else delete config[outer];
      const message = errorOf(() => parseConfig(JSON.stringify(config), FILE));
      expectOneLine(message);
      expect(message.startsWith(`${FILE}: ${inner ? `${outer}.${inner}` : outer}: (missing) is not allowed; this key is required; expected `)).toBe(true);
    }
  });
});

describe("which file is read", () => {
  test("STREAMLINES_CONFIG wins over STREAMLINES_ENV", () => {
    expect(resolveConfigPath({ STREAMLINES_CONFIG: "some/where.json", STREAMLINES_ENV: "acceptance" })).toBe(path.resolve("some/where.json"));
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
    // Only main.ts and what it imports: a half-finished script elsewhere must not block this test.
    const tsconfig = path.join(work, "tsconfig.json");
    fs.writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: path.join(ROOT, "tsconfig.build.json"),
        compilerOptions: { tsBuildInfoFile: path.join(work, "tsbuildinfo"), typeRoots: [path.join(ROOT, "node_modules", "@types")] },
        files: [path.join(ROOT, "main.ts")],
        include: [],
      }),
    );
    const build = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", tsconfig], { cwd: ROOT, encoding: "utf8" });
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
  }, 180_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const run = (configFile: string | undefined, outdir: string, extra: NodeJS.ProcessEnv = {}) => {
    const env: NodeJS.ProcessEnv = { ...process.env, STREAMLINES_CONFIG: configFile, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1", ...extra };
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

  test("the dev config: exit 0, foundations and core synthesized", () => {
    const outdir = path.join(work, "good-out");
    const result = run(DEV_FILE, outdir);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    for (const stack of ["foundations", "core"]) {
      expect(fs.existsSync(path.join(outdir, "stacks", stack, "cdk.tf.json"))).toBe(true);
    }
  });
});
