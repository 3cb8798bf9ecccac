/** The bootstrap's environment contract, built in one place for the EC2 host and for the EFS container. */
import * as fs from "fs";
import * as path from "path";
import { repoPath, repoRoot } from "../../config/repository";
import { BOOTSTRAP_SCRIPT } from "../../modules/influx-host";
import { BootstrapSettings, containerBootstrapEnvironment, hostBootstrapEnvironment } from "../../modules/influx-host/environment";

const SETTINGS: BootstrapSettings = {
  region: "eu-central-1",
  influx: { org: "o", buckets: ["realtime", "historical:30d"], retention: "0", port: 18086 },
  secretIds: { admin: "admin-secret", read: "read-secret", write: "write-secret" },
};
const HOST = { volumeId: "vol-0abc", deviceName: "/dev/sdf", image: "repo/influxdb:2.7.12", logGroup: "/a/e/influxdb" };

/** The names bootstrap.sh refuses to run without, for one runtime. */
function requiredBy(runtime: "host" | "container"): string[] {
  const script = fs.readFileSync(BOOTSTRAP_SCRIPT, "utf8");
  const own = script.match(new RegExp(`${runtime}\\) required=\\(([A-Z_ ]+)\\)`))![1];
  const common = script.match(/for name in "\$\{required\[@\]\}" ([A-Z_ \\\n]+); do/)![1];
  return `${own} ${common}`.split(/[\s\\]+/).filter(Boolean);
}

test("the host header: every input the script requires, in the order user data has always had (a reorder would replace the instance)", () => {
  const env = hostBootstrapEnvironment(SETTINGS, HOST);
  expect(Object.entries(env)).toEqual([
    ["VOLUME_ID", "vol-0abc"],
    ["DEVICE_NAME", "/dev/sdf"],
    ["AWS_REGION", "eu-central-1"],
    ["INFLUX_IMAGE", "repo/influxdb:2.7.12"],
    ["INFLUX_ORG", "o"],
    ["INFLUX_BUCKETS", "realtime historical:30d"],
    ["INFLUX_RETENTION", "0"],
    ["INFLUX_PORT", "18086"],
    ["ADMIN_SECRET_ID", "admin-secret"],
    ["READ_SECRET_ID", "read-secret"],
    ["WRITE_SECRET_ID", "write-secret"],
    ["LOG_GROUP", "/a/e/influxdb"],
  ]);
  expect(requiredBy("host").filter((name) => !(name in env))).toEqual([]);
});

test("the container: the same shared inputs with the same values, the container runtime, and InfluxDB bound to the port", () => {
  const env = containerBootstrapEnvironment(SETTINGS);
  const host = hostBootstrapEnvironment(SETTINGS, HOST);
  const shared = Object.keys(env).filter((name) => name in host);
  expect(shared.sort()).toEqual([
    "ADMIN_SECRET_ID",
    "AWS_REGION",
    "INFLUX_BUCKETS",
    "INFLUX_ORG",
    "INFLUX_PORT",
    "INFLUX_RETENTION",
    "READ_SECRET_ID",
    "WRITE_SECRET_ID",
  ]);
  for (const name of shared) expect([name, env[name]]).toEqual([name, host[name]]);
  expect(env).toMatchObject({ INFLUX_RUNTIME: "container", INFLUXD_HTTP_BIND_ADDRESS: ":18086" });
  expect(Object.keys(env)).toHaveLength(shared.length + 2);
  expect(requiredBy("container").filter((name) => !(name in env))).toEqual([]);
});

describe("repoRoot", () => {
  test("is the directory holding package.json, from sources and from the compiled tree alike", () => {
    const root = path.resolve(__dirname, "../..");
    expect(repoRoot()).toBe(root);
    expect(repoRoot(path.join(root, "dist", "config"))).toBe(root);
    expect(repoPath("modules/influx-host/bootstrap.sh")).toBe(BOOTSTRAP_SCRIPT);
    expect(fs.existsSync(BOOTSTRAP_SCRIPT)).toBe(true);
  });

  test("outside a checkout: one line naming where it looked", () => {
    expect(() => repoRoot("/")).toThrow(/^no package\.json above \/: run from a checkout of the repository$/);
  });
});
