// Behaviour of modules/influx-host/bootstrap.sh, run for real under a temp root with stand-ins for
// every command that touches the host, Docker, InfluxDB or AWS
// (__tests__/fixtures/influx-bootstrap/bin; each records its argv and keeps its state on disk).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SCRIPT = path.resolve(__dirname, "../../modules/influx-host/bootstrap.sh");
const FAKES = path.resolve(__dirname, "../fixtures/influx-bootstrap/bin");
const WRAPPER = path.resolve(__dirname, "../../modules/influx-host/entrypoint-wrapper.sh");
const REGISTRY = "123456789012.dkr.ecr.eu-central-1.amazonaws.com";
const IMAGE = `${REGISTRY}/streamlines-dev-influxdb:3f2a9c41`;
const VOLUME_ID = "vol-0abc123def4567890";
const SECRETS = {
  admin: "streamlines-dev/influx-admin-token",
  read: "streamlines-dev/influx-read-token",
  write: "streamlines-dev/influx-write-token",
} as const;
type Kind = keyof typeof SECRETS;
const STEPS = [
  "device",
  "filesystem",
  "mount",
  "docker",
  "ecr-login",
  "pull",
  "container",
  "health",
  "data-path",
  "detect",
  "setup",
  "verify-admin",
  "buckets",
  "read-token",
  "write-token",
  "done",
];
/** For the runs that wait out a timeout: polls that sleep, as on a host, instead of spinning stand-ins for a whole second. */
const SLEEPING_POLL = { POLL_INTERVAL_SECONDS: "0.2" };
const FSTAB_HEAD = "# static entries\n/dev/nvme0n1p1 / xfs defaults,noatime 1 1\n";

interface Run {
  status: number | null;
  output: string;
  calls: string[];
}

interface Auth {
  id: string;
  token: string;
  status: string;
  perms: string[];
  operator: boolean;
}

/** A temp root with the stand-ins on PATH: one AWS account, one data volume, one instance at a time. */
class Sandbox {
  readonly dir: string;
  get bin(): string {
    return path.join(this.dir, "bin");
  }
  get pkgs(): string {
    return path.join(this.dir, "pkgs");
  }
  get state(): string {
    return path.join(this.dir, "state");
  }
  get root(): string {
    return path.join(this.dir, "root");
  }
  readonly outputs: string[] = [];

  /** A new sandbox, or (`restoredInto`) one whose files were already put in place. */
  constructor(restoredInto?: string) {
    this.dir = restoredInto ?? fs.mkdtempSync(path.join(os.tmpdir(), "influx-bootstrap-"));
    if (restoredInto) return;
    fs.mkdirSync(this.bin);
    fs.mkdirSync(this.pkgs);
    fs.mkdirSync(path.join(this.state, "fail"), { recursive: true });
    for (const name of fs.readdirSync(FAKES)) {
      // Docker arrives through the dnf stand-in, as on a fresh Amazon Linux host.
      const target = name === "docker" ? path.join(this.pkgs, name) : path.join(this.bin, name);
      fs.copyFileSync(path.join(FAKES, name), target);
      fs.chmodSync(target, 0o755);
    }
    this.newInstance();
  }

  /** Replaces the instance: new root disk and host state, same volume, same secrets. */
  newInstance(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
    fs.rmSync(path.join(this.state, "host"), { recursive: true, force: true });
    fs.rmSync(path.join(this.bin, "docker"), { force: true });
    const dev = path.join(this.root, "dev");
    fs.mkdirSync(path.join(dev, "disk/by-id"), { recursive: true });
    fs.writeFileSync(path.join(dev, "nvme1n1"), "");
    fs.symlinkSync("../../nvme1n1", path.join(dev, `disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID.replace("-", "")}`));
    fs.mkdirSync(path.join(this.root, "etc"));
    fs.writeFileSync(path.join(this.root, "etc/fstab"), FSTAB_HEAD);
    fs.mkdirSync(path.join(this.root, "var/lib/cloud/data"), { recursive: true });
    fs.writeFileSync(path.join(this.root, "var/lib/cloud/data/instance-id"), "i-0123456789abcdef0\n");
  }

  /** An unclean reboot of the same instance: nothing mounted, no container running, no unit started; disks and images stay. */
  reboot(): void {
    const host = path.join(this.state, "host");
    for (const file of ["mounts", "container", "container-data", "container-pid", "logged-in"])
      fs.rmSync(path.join(host, file), { force: true });
    const units = path.join(host, "units");
    if (fs.existsSync(units)) for (const f of fs.readdirSync(units).filter((n) => n.endsWith(".state"))) fs.rmSync(path.join(units, f));
  }

  /** Runs one stand-in the way systemd or an operator would, outside the bootstrap. */
  tool(name: string, args: string[]): { status: number | null; output: string } {
    const r = spawnSync(path.join(this.bin, name), args, {
      encoding: "utf8",
      env: { PATH: `${this.bin}:/usr/bin:/bin`, FAKE_STATE: this.state, ROOT_PREFIX: this.root },
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }

  unit(): string {
    return fs.readFileSync(path.join(this.root, "etc/systemd/system/influxdb.service"), "utf8");
  }

  run(env: Record<string, string> = {}, script = SCRIPT): Run {
    const before = this.allCalls().length;
    const result = spawnSync("bash", [script], {
      encoding: "utf8",
      timeout: 60_000,
      env: {
        PATH: `${this.bin}:/usr/bin:/bin`,
        HOME: this.dir,
        FAKE_STATE: this.state,
        FAKE_PKGS: this.pkgs,
        ROOT_PREFIX: this.root,
        POLL_INTERVAL_SECONDS: "0",
        VOLUME_ID,
        AWS_REGION: "eu-central-1",
        INFLUX_IMAGE: IMAGE,
        INFLUX_ORG: "streamlines",
        INFLUX_BUCKETS: "realtime:7d historical",
        INFLUX_RETENTION: "0",
        ADMIN_SECRET_ID: SECRETS.admin,
        READ_SECRET_ID: SECRETS.read,
        WRITE_SECRET_ID: SECRETS.write,
        ...env,
      },
    });
    if (result.error) throw result.error;
    const output = `${result.stdout}${result.stderr}`;
    this.outputs.push(output);
    return { status: result.status, output, calls: this.allCalls().slice(before) };
  }

  allCalls(): string[] {
    const file = path.join(this.state, "calls.log");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  }

  fail(point: string): void {
    fs.writeFileSync(path.join(this.state, "fail", point), "");
  }

  heal(point: string): void {
    fs.rmSync(path.join(this.state, "fail", point));
  }

  secretPath(kind: Kind): string {
    return path.join(this.state, "aws/secrets", SECRETS[kind]);
  }

  secret(kind: Kind): string {
    return fs.readFileSync(this.secretPath(kind), "utf8");
  }

  puts(): string[] {
    const file = path.join(this.state, "aws/puts");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  }

  fstab(): string {
    return fs.readFileSync(path.join(this.root, "etc/fstab"), "utf8");
  }

  fsUuid(): string {
    return fs.readFileSync(path.join(this.state, "volume/fs"), "utf8");
  }

  buckets(): Record<string, { id: string; retention: string }> {
    const rows = fs.readFileSync(path.join(this.state, "volume/influx/buckets"), "utf8").split("\n").filter(Boolean);
    return Object.fromEntries(rows.map((row) => row.split("\t")).map(([id, name, retention]) => [name, { id, retention }]));
  }

  auths(): Auth[] {
    const dir = path.join(this.state, "volume/influx/auths");
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).map((id) => {
      const read = (file: string) => fs.readFileSync(path.join(dir, id, file), "utf8");
      return {
        id,
        token: read("token"),
        status: read("status").trim(),
        perms: read("perms").split("\n").filter(Boolean),
        operator: fs.existsSync(path.join(dir, id, "operator")),
      };
    });
  }

  authOf(kind: Kind): Auth {
    const token = this.secret(kind);
    const auth = this.auths().find((a) => a.token === token);
    if (!auth) throw new Error(`no authorization in InfluxDB holds the ${kind} token`);
    return auth;
  }

  setupBodies(): Array<Record<string, string | number>> {
    const file = path.join(this.state, "setup-bodies");
    return fs.existsSync(file)
      ? fs
          .readFileSync(file, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const called = (calls: string[], prefix: string) => calls.filter((c) => c.startsWith(prefix));
const setupPosts = (calls: string[]) => calls.filter((c) => c.startsWith("curl ") && c.includes("-X POST") && c.endsWith("/api/v2/setup"));
const failedLines = (output: string) => output.split("\n").filter((l) => l.startsWith("bootstrap: FAILED at step"));

let boxes: Sandbox[] = [];
function sandbox(): Sandbox {
  const box = new Sandbox();
  boxes.push(box);
  return box;
}

/**
 * A sandbox just after a default first run on an empty volume, where most tests begin. The run happens once;
 * later calls restore its files into the same directory (the stand-ins' state holds absolute paths) from a
 * pristine copy, which costs a copy instead of a whole bootstrap run.
 */
let firstRun: { dir: string; pristine: string } | undefined;
function sandboxAfterFirstRun(): Sandbox {
  if (firstRun) {
    fs.cpSync(firstRun.pristine, firstRun.dir, { recursive: true, verbatimSymlinks: true });
    const box = new Sandbox(firstRun.dir);
    boxes.push(box);
    return box;
  }
  const box = sandbox();
  const run = box.run();
  if (run.status !== 0) throw new Error(`the first run on an empty volume failed:\n${run.output}`);
  const pristine = fs.mkdtempSync(path.join(os.tmpdir(), "influx-bootstrap-first-run-"));
  fs.cpSync(box.dir, pristine, { recursive: true, verbatimSymlinks: true });
  firstRun = { dir: box.dir, pristine };
  return box;
}
afterEach(() => {
  boxes.forEach((b) => b.cleanup());
  boxes = [];
});
afterAll(() => {
  if (firstRun) fs.rmSync(firstRun.pristine, { recursive: true, force: true });
});

describe("empty volume", () => {
  test("formats once, sets up once, writes all three secrets and runs the pinned image", () => {
    const box = sandbox();
    const run = box.run();
    expect(run.output).not.toContain("FAILED");
    expect(run.status).toBe(0);

    expect(called(run.calls, "mkfs.xfs ")).toHaveLength(1);
    expect(called(run.calls, "mkfs.xfs ")[0]).toMatch(/ -L influx-data \S+\/dev\/nvme1n1$/);
    expect(setupPosts(run.calls)).toHaveLength(1);
    expect(box.puts()).toEqual([SECRETS.admin, SECRETS.read, SECRETS.write]);

    const uuid = box.fsUuid();
    expect(box.fstab()).toBe(`${FSTAB_HEAD}UUID=${uuid} /srv/influxdb xfs defaults,nofail,noatime 0 2\n`);
    expect(called(run.calls, "mount ")).toEqual([`mount UUID=${uuid} ${box.root}/srv/influxdb`]);

    expect(called(run.calls, "dnf ")).toEqual(["dnf install -y -q docker"]);
    expect(called(run.calls, "docker login ")).toEqual([`docker login --username AWS --password-stdin ${REGISTRY}`]);
    expect(called(run.calls, "docker pull ")).toEqual([`docker pull --quiet ${IMAGE}`]);
    const dockerRun = called(run.calls, "docker run ");
    expect(dockerRun).toHaveLength(1);
    expect(dockerRun[0]).toContain(" --name influxdb -p 8086:8086 ");
    expect(dockerRun[0]).not.toContain("--restart");
    // The image runs as influxdb (uid 1000): the data directory on the volume is handed to it.
    expect(called(run.calls, "chown ")).toEqual([`chown 1000:1000 ${box.root}/srv/influxdb/influxdb`]);
    expect(dockerRun[0]).toContain(` -v ${box.root}/srv/influxdb/influxdb:/var/lib/influxdb2 `);
    expect(dockerRun[0]).toMatch(new RegExp(`${IMAGE}$`));

    const [body] = box.setupBodies();
    expect(body).toMatchObject({ username: "admin", org: "streamlines", bucket: "realtime", retentionPeriodSeconds: 604800 });
    expect(body.token).toBe(box.secret("admin"));
    expect(String(body.password).length).toBeGreaterThanOrEqual(32);
    expect(box.authOf("admin").operator).toBe(true);

    const buckets = box.buckets();
    expect(Object.keys(buckets)).toEqual(["realtime", "historical"]);
    expect(buckets.historical.retention).toBe("0");
    const scoped = (action: string) =>
      Object.values(buckets).map((b) => expect.stringMatching(new RegExp(`^${action}:orgs/\\w+/buckets/${b.id}$`)));
    expect(box.authOf("read").perms).toEqual(scoped("read"));
    expect(box.authOf("write").perms).toEqual(scoped("write"));

    for (const step of STEPS) expect(run.output).toMatch(new RegExp(`^bootstrap: ${step}: `, "m"));
  });

  test("INFLUX_PORT publishes InfluxDB on that host port, and every check goes there", () => {
    const box = sandbox();
    const run = box.run({ INFLUX_PORT: "18086" });
    expect(run.status).toBe(0);
    expect(called(run.calls, "docker run ")[0]).toContain(" -p 18086:8086 ");
    const urls = called(run.calls, "curl ").map((c) => c.match(/http:\/\/127\.0\.0\.1:(\d+)\//)?.[1]);
    expect(urls.length).toBeGreaterThan(0);
    expect(new Set(urls)).toEqual(new Set(["18086"]));
  });

  test("installs itself as the per-boot script", () => {
    const box = sandboxAfterFirstRun();
    const hook = path.join(box.root, "var/lib/cloud/scripts/per-boot/influx-bootstrap.sh");
    expect(fs.readFileSync(hook, "utf8")).toBe(fs.readFileSync(SCRIPT, "utf8"));
    expect(fs.statSync(hook).mode & 0o777).toBe(0o700);
  });

  test("a second run on the same host makes no filesystem, no setup, no second fstab line and no new token", () => {
    const box = sandboxAfterFirstRun();
    const tokens = { admin: box.secret("admin"), read: box.secret("read"), write: box.secret("write") };
    const second = box.run();
    expect(second.status).toBe(0);
    expect(called(second.calls, "mkfs.xfs ")).toEqual([]);
    expect(setupPosts(second.calls)).toEqual([]);
    expect(called(second.calls, "mount ")).toEqual([]);
    expect(called(second.calls, "docker run ")).toEqual([]);
    expect(called(second.calls, "docker login ")).toEqual([]);
    expect(called(second.calls, "dnf ")).toEqual([]);
    expect(box.fstab().match(/^UUID=/gm)).toHaveLength(1);
    expect(box.puts()).toHaveLength(3);
    expect({ admin: box.secret("admin"), read: box.secret("read"), write: box.secret("write") }).toEqual(tokens);
    expect(box.auths()).toHaveLength(3);
  });
});

describe("InfluxDB runs from influxdb.service, and only on the data volume", () => {
  test("the unit requires the mount and Docker, systemd restarts it, Docker does not", () => {
    const box = sandbox();
    const run = box.run();
    expect(run.status).toBe(0);
    const unit = box.unit();
    expect(unit).toMatch(new RegExp(`^RequiresMountsFor=${box.root}/srv/influxdb$`, "m"));
    expect(unit).toMatch(/^Requires=docker\.service$/m);
    expect(unit).toMatch(/^After=docker\.service$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
    expect(unit).toMatch(
      new RegExp(`^ExecStart=\\S+/docker run --name influxdb .* -v ${box.root}/srv/influxdb/influxdb:/var/lib/influxdb2 ${IMAGE}$`, "m"),
    );
    expect(unit).not.toContain("--restart");
    expect(fs.readlinkSync(path.join(box.root, "etc/systemd/system/multi-user.target.wants/influxdb.service"))).toBe(
      "/etc/systemd/system/influxdb.service",
    );
    expect(called(run.calls, "systemctl ")).toEqual(
      expect.arrayContaining([
        "systemctl daemon-reload",
        "systemctl enable --quiet influxdb.service",
        "systemctl restart influxdb.service",
      ]),
    );
    expect(run.output).toMatch(
      new RegExp(
        `^bootstrap: data-path: container influxdb keeps /var/lib/influxdb2 on ${box.root}/dev/nvme1n1, the data volume ${VOLUME_ID}$`,
        "m",
      ),
    );
    expect(called(run.calls, "findmnt ")).toEqual([
      expect.stringMatching(/^findmnt --task \d+ --noheadings --nofsroot --output SOURCE --mountpoint \/var\/lib\/influxdb2$/),
    ]);
  });

  test("an unclean reboot with the volume missing: systemd does not start InfluxDB; once it mounts, the bootstrap keeps every token", () => {
    const box = sandboxAfterFirstRun();
    const tokens = { admin: box.secret("admin"), read: box.secret("read"), write: box.secret("write") };
    box.reboot();
    box.fail("mount");
    const boot = box.tool("systemctl", ["start", "influxdb.service"]);
    expect(boot).toEqual({ status: 1, output: "A dependency job for influxdb.service failed. See 'journalctl -xe' for details.\n" });
    expect(box.tool("systemctl", ["is-active", "influxdb.service"]).status).toBe(3);
    expect(fs.existsSync(path.join(box.state, "host/container"))).toBe(false);

    box.heal("mount");
    const run = box.run();
    expect(run.status).toBe(0);
    expect(setupPosts(run.calls)).toEqual([]);
    expect(box.puts()).toHaveLength(3);
    expect({ admin: box.secret("admin"), read: box.secret("read"), write: box.secret("write") }).toEqual(tokens);
  });

  /** After a reboot, an InfluxDB container started before the volume was mounted (a `docker run --restart=always` of an older host, or by hand), its unit taken as running. */
  const influxOnRootDisk = (box: Sandbox) => {
    box.reboot();
    const started = box.tool("docker", [
      "run",
      "--name",
      "influxdb",
      "-p",
      "8086:8086",
      "-v",
      `${box.root}/srv/influxdb/influxdb:/var/lib/influxdb2`,
      IMAGE,
    ]);
    expect(started.status).toBe(0);
    fs.writeFileSync(path.join(box.state, "host/units/influxdb.service.state"), "active\n");
  };

  test("a container whose data path is on the root disk: stops at data-path, stops InfluxDB, and no token secret is touched (the script without the check overwrote all three)", () => {
    const box = sandboxAfterFirstRun();
    const tokens = { admin: box.secret("admin"), read: box.secret("read"), write: box.secret("write") };
    influxOnRootDisk(box);
    const run = box.run();
    expect(run.status).not.toBe(0);
    expect(failedLines(run.output)).toEqual(["bootstrap: FAILED at step data-path"]);
    expect(run.output).toContain(`container influxdb keeps /var/lib/influxdb2 on /dev/nvme0n1p1, not on the data volume ${VOLUME_ID}`);
    expect(called(run.calls, "mount ")).toHaveLength(1);
    expect(called(run.calls, "systemctl stop ")).toEqual(["systemctl stop influxdb.service"]);
    expect(box.tool("systemctl", ["is-active", "influxdb.service"]).status).toBe(3);
    expect(setupPosts(run.calls)).toEqual([]);
    expect(called(run.calls, "aws secretsmanager")).toEqual([]);
    expect(box.puts()).toHaveLength(3);
    expect({ admin: box.secret("admin"), read: box.secret("read"), write: box.secret("write") }).toEqual(tokens);

    // The next run restarts the unit on the mounted volume and goes on with the tokens it has.
    const again = box.run();
    expect(again.status).toBe(0);
    expect(called(again.calls, "docker run ")).toHaveLength(1);
    expect(setupPosts(again.calls)).toEqual([]);
    expect(box.puts()).toHaveLength(3);

    // Without the data-path step, the same boot set up a new database on the root disk and replaced every token.
    const unfixed = path.join(box.dir, "bootstrap-unchecked.sh");
    const script = fs.readFileSync(SCRIPT, "utf8");
    expect(script).toContain("\n    verify_data_path\n");
    fs.writeFileSync(unfixed, script.replace("\n    verify_data_path\n", "\n    :\n"));
    influxOnRootDisk(box);
    const broken = box.run({}, unfixed);
    expect(broken.status).toBe(0);
    expect(setupPosts(broken.calls)).toHaveLength(1);
    expect(box.puts().slice(3)).toEqual([SECRETS.admin, SECRETS.read, SECRETS.write]);
    expect(box.secret("admin")).not.toBe(tokens.admin);
  });

  test("the findmnt stand-in answers like findmnt(8): the source, or nothing and exit 1", () => {
    const box = sandboxAfterFirstRun();
    const pid = fs.readFileSync(path.join(box.state, "host/container-pid"), "utf8").trim();
    const dev = `${box.root}/dev/nvme1n1`;
    expect(box.tool("findmnt", ["-n", "-o", "SOURCE", "--mountpoint", `${box.root}/srv/influxdb`])).toEqual({
      status: 0,
      output: `${dev}\n`,
    });
    expect(box.tool("findmnt", ["-n", "-o", "SOURCE", "--target", `${box.root}/srv/influxdb/influxdb`])).toEqual({
      status: 0,
      output: `${dev}\n`,
    });
    expect(box.tool("findmnt", ["-n", "-o", "SOURCE", "--mountpoint", `${box.root}/srv`])).toEqual({ status: 1, output: "" });
    expect(box.tool("findmnt", ["-N", pid, "-n", "-o", "SOURCE", "-M", "/var/lib/influxdb2"])).toEqual({
      status: 0,
      output: `${dev}[${box.root}/srv/influxdb/influxdb]\n`,
    });
    expect(box.tool("findmnt", ["-N", pid, "-n", "-v", "-o", "SOURCE", "-M", "/var/lib/influxdb2"])).toEqual({
      status: 0,
      output: `${dev}\n`,
    });
    expect(box.tool("findmnt", ["-N", pid, "-n", "-o", "SOURCE", "-M", "/data"])).toEqual({ status: 1, output: "" });
  });
});

describe("volume with data", () => {
  test("a new instance mounts it without mkfs or setup and verifies the tokens it finds", () => {
    const box = sandboxAfterFirstRun();
    const uuid = box.fsUuid();
    box.newInstance();
    const run = box.run();
    expect(run.status).toBe(0);

    expect(called(run.calls, "blkid ")).toHaveLength(1);
    expect(called(run.calls, "mkfs.xfs ")).toEqual([]);
    expect(setupPosts(run.calls)).toEqual([]);
    expect(box.fstab()).toBe(`${FSTAB_HEAD}UUID=${uuid} /srv/influxdb xfs defaults,nofail,noatime 0 2\n`);
    expect(called(run.calls, "mount ")).toHaveLength(1);
    expect(called(run.calls, "docker run ")).toHaveLength(1);

    // read: a query per bucket; write: an empty write per bucket; both with the token header on stdin
    const checks = run.calls.filter((c) => c.startsWith("curl ") && / -H @- /.test(c));
    const buckets = box.buckets();
    expect(checks.filter((c) => c.includes("/api/v2/query")).map((c) => c.match(/bucket:\\ \\"(\w+)\\"/)?.[1])).toEqual([
      "realtime",
      "historical",
    ]);
    expect(checks.filter((c) => c.includes("/api/v2/write")).map((c) => c.match(/[?&]bucket=(\w+)/)?.[1])).toEqual([
      buckets.realtime.id,
      buckets.historical.id,
    ]);
    expect(checks.filter((c) => c.includes("/api/v2/write")).every((c) => c.includes(" --data-binary '' "))).toBe(true);
    expect(called(run.calls, "influx auth create ")).toEqual([]);
    expect(box.puts()).toHaveLength(3);
    expect(run.output).toMatch(/^bootstrap: read-token: token in \S+ valid/m);
    expect(run.output).toMatch(/^bootstrap: write-token: token in \S+ valid/m);
  });

  type Case = [string, (box: Sandbox) => void, Kind[]];
  const cases: Case[] = [
    [
      "write token deleted in InfluxDB",
      (box) => fs.rmSync(path.join(box.state, "volume/influx/auths", box.authOf("write").id), { recursive: true }),
      ["write"],
    ],
    [
      "read token set inactive",
      (box) => fs.writeFileSync(path.join(box.state, "volume/influx/auths", box.authOf("read").id, "status"), "inactive\n"),
      ["read"],
    ],
    ["read secret emptied", (box) => fs.writeFileSync(box.secretPath("read"), ""), ["read"]],
    ["write secret overwritten with another text", (box) => fs.writeFileSync(box.secretPath("write"), "not-a-token"), ["write"]],
    ["write secret holding the read token", (box) => fs.writeFileSync(box.secretPath("write"), box.secret("read")), ["write"]],
  ];
  test.each(cases)("%s: only that token is recreated and republished", (_name, breakIt, recreated) => {
    const box = sandboxAfterFirstRun();
    const before = { admin: box.secret("admin"), read: box.secret("read"), write: box.secret("write") };
    breakIt(box);
    box.newInstance();
    const run = box.run();
    expect(run.status).toBe(0);
    expect(called(run.calls, "mkfs.xfs ")).toEqual([]);
    expect(setupPosts(run.calls)).toEqual([]);
    expect(box.puts().slice(3)).toEqual(recreated.map((k) => SECRETS[k]));
    expect(called(run.calls, "influx auth create ")).toHaveLength(recreated.length);
    for (const kind of ["admin", "read", "write"] as const) {
      if (recreated.includes(kind)) expect(box.secret(kind)).not.toBe(before[kind]);
      else expect(box.secret(kind)).toBe(before[kind]);
    }
    for (const kind of recreated) {
      expect(box.authOf(kind).status).toBe("active");
      expect(box.authOf(kind).perms.every((p) => p.startsWith(`${kind}:`))).toBe(true);
    }
    // the replacement holds on the next boot
    const again = box.run();
    expect(again.status).toBe(0);
    expect(box.puts()).toHaveLength(3 + recreated.length);
  });

  test("a bucket added to the config is created and both tokens are re-scoped to it", () => {
    const box = sandboxAfterFirstRun();
    const run = box.run({ INFLUX_BUCKETS: "realtime:7d historical archive:30d" });
    expect(run.status).toBe(0);
    expect(called(run.calls, "influx bucket create ")).toEqual([expect.stringContaining("--name archive --retention 30d")]);
    expect(box.puts().slice(3)).toEqual([SECRETS.read, SECRETS.write]);
    const archive = box.buckets().archive.id;
    expect(box.authOf("read").perms).toContainEqual(expect.stringMatching(new RegExp(`^read:orgs/\\w+/buckets/${archive}$`)));
    expect(box.authOf("write").perms).toContainEqual(expect.stringMatching(new RegExp(`^write:orgs/\\w+/buckets/${archive}$`)));
  });

  test("a new image tag replaces the container and keeps the database", () => {
    const box = sandboxAfterFirstRun();
    const image = `${REGISTRY}/streamlines-dev-influxdb:77aa0e1b`;
    const run = box.run({ INFLUX_IMAGE: image });
    expect(run.status).toBe(0);
    expect(called(run.calls, "docker pull ")).toEqual([`docker pull --quiet ${image}`]);
    expect(called(run.calls, "docker rm ")).toEqual(["docker rm -f influxdb"]);
    expect(called(run.calls, "docker run ")).toEqual([expect.stringMatching(new RegExp(`${image}$`))]);
    expect(setupPosts(run.calls)).toEqual([]);
    expect(box.puts()).toHaveLength(3);
  });

  test("admin token missing: stops at verify-admin, points to the runbook, touches no token", () => {
    const box = sandboxAfterFirstRun();
    fs.writeFileSync(box.secretPath("admin"), "");
    const run = box.run();
    expect(run.status).not.toBe(0);
    expect(failedLines(run.output)).toEqual(["bootstrap: FAILED at step verify-admin"]);
    expect(run.output).toContain("help/influx-tokens.md");
    expect(setupPosts(run.calls)).toEqual([]);
    expect(called(run.calls, "influx auth create ")).toEqual([]);
    expect(box.puts()).toHaveLength(3);
  });

  test("admin token rejected by InfluxDB: stops at verify-admin", () => {
    const box = sandboxAfterFirstRun();
    fs.writeFileSync(box.secretPath("admin"), "revoked-admin-token-0000000000");
    const run = box.run();
    expect(run.status).not.toBe(0);
    expect(failedLines(run.output)).toEqual(["bootstrap: FAILED at step verify-admin"]);
    expect(run.output).toContain("401 Unauthorized");
    expect(called(run.calls, "influx auth create ")).toEqual([]);
  });

  test("a token check that InfluxDB cannot answer fails the step and replaces nothing", () => {
    const box = sandboxAfterFirstRun();
    box.fail("token-check");
    const run = box.run();
    expect(run.status).not.toBe(0);
    expect(failedLines(run.output)).toEqual(["bootstrap: FAILED at step read-token"]);
    expect(run.output).toContain("answered HTTP 500");
    expect(called(run.calls, "influx auth create ")).toEqual([]);
    expect(box.puts()).toHaveLength(3);
  });

  test("Secrets Manager unreadable: fails, and no token is replaced", () => {
    const box = sandboxAfterFirstRun();
    box.fail("get-secret");
    const run = box.run();
    expect(run.status).not.toBe(0);
    expect(failedLines(run.output)).toHaveLength(1);
    expect(run.output).toContain("AccessDeniedException");
    expect(called(run.calls, "influx auth create ")).toEqual([]);
    expect(box.puts()).toHaveLength(3);
  });
});

describe("failures name their step", () => {
  type Case = [string, string, (box: Sandbox) => Record<string, string> | void];
  const cases: Case[] = [
    ["docker login is refused", "ecr-login", (box) => box.fail("docker-login")],
    ["the ECR password cannot be fetched", "ecr-login", (box) => box.fail("ecr-password")],
    ["influx setup fails", "setup", (box) => box.fail("setup")],
    [
      "the volume never appears",
      "device",
      (box) => {
        fs.rmSync(path.join(box.root, "dev"), { recursive: true });
        return { DEVICE_TIMEOUT_SECONDS: "1", ...SLEEPING_POLL };
      },
    ],
    ["blkid cannot probe the device", "filesystem", (box) => box.fail("blkid")],
    ["the mount fails", "mount", (box) => box.fail("mount")],
    [
      "InfluxDB never gets healthy",
      "health",
      (box) => {
        box.fail("health");
        return { HEALTH_TIMEOUT_SECONDS: "1", ...SLEEPING_POLL };
      },
    ],
    ["a required variable is empty", "config", () => ({ INFLUX_ORG: "" })],
    ["a retention is not a duration", "config", () => ({ INFLUX_BUCKETS: "realtime:7days" })],
    ["the port is not a port", "config", () => ({ INFLUX_PORT: "80a" })],
  ];
  test.each(cases)("%s: exits non-zero with FAILED at step %s", (_name, step, arrange) => {
    const box = sandbox();
    const env = arrange(box) ?? {};
    const run = box.run(env);
    expect(run.status).not.toBe(0);
    expect(failedLines(run.output)).toHaveLength(1);
    expect(failedLines(run.output)[0]).toMatch(new RegExp(`^bootstrap: FAILED at step ${step}( |$)`));
    expect(box.puts().filter((id) => id !== SECRETS.admin)).toEqual([]);
  });

  test("nothing touches the device when blkid cannot probe it", () => {
    const box = sandbox();
    box.fail("blkid");
    const run = box.run();
    expect(called(run.calls, "mkfs.xfs ")).toEqual([]);
    expect(called(run.calls, "mount ")).toEqual([]);
  });

  test("InfluxDB is never started when the volume is not mounted", () => {
    const box = sandbox();
    box.fail("mount");
    const run = box.run();
    expect(run.status).not.toBe(0);
    expect(called(run.calls, "docker run ")).toEqual([]);
  });

  test("a setup that failed is redone on the next run, and the published admin token is the working one", () => {
    const box = sandbox();
    box.fail("setup");
    expect(box.run().status).not.toBe(0);
    box.heal("setup");
    const run = box.run();
    expect(run.status).toBe(0);
    expect(called(run.calls, "mkfs.xfs ")).toEqual([]);
    expect(setupPosts(run.calls)).toHaveLength(1);
    expect(box.authOf("admin").operator).toBe(true);
    expect(box.auths()).toHaveLength(3);
  });
});

describe("container runtime (EFS variant: inside the InfluxDB task, influxd already starting)", () => {
  const CONTAINER = { INFLUX_RUNTIME: "container", VOLUME_ID: "", INFLUX_IMAGE: "" };
  /** ECS started influxd: the stand-ins' InfluxDB answers, with no Docker and no volume device at all. */
  const influxdRunning = (box: Sandbox) => {
    fs.mkdirSync(path.join(box.state, "host"), { recursive: true });
    fs.writeFileSync(path.join(box.state, "host/container"), `true ${IMAGE}\n`);
  };

  test("a new database: setup once, three secrets, influx run directly; no device, mount, Docker or package step", () => {
    const box = sandbox();
    influxdRunning(box);
    const run = box.run(CONTAINER);
    expect(run.output).not.toContain("FAILED");
    expect(run.status).toBe(0);
    expect(setupPosts(run.calls)).toHaveLength(1);
    expect(box.puts()).toEqual([SECRETS.admin, SECRETS.read, SECRETS.write]);
    for (const tool of ["mkfs.xfs ", "mount ", "blkid ", "dnf ", "docker ", "systemctl "]) expect(called(run.calls, tool)).toEqual([]);
    expect(called(run.calls, "influx auth create ")).toHaveLength(2);
    expect(fs.existsSync(path.join(box.root, "var/lib/cloud/scripts/per-boot/influx-bootstrap.sh"))).toBe(false);
    for (const step of ["config", "health", "detect", "setup", "verify-admin", "buckets", "read-token", "write-token", "done"]) {
      expect(run.output).toMatch(new RegExp(`^bootstrap: ${step}: `, "m"));
    }
    for (const step of ["device", "filesystem", "mount", "docker", "container"])
      expect(run.output).not.toMatch(new RegExp(`^bootstrap: ${step}: `, "m"));
  });

  test("a restarted task on a used file system: no setup; only an invalid token is replaced", () => {
    const box = sandbox();
    influxdRunning(box);
    expect(box.run(CONTAINER).status).toBe(0);
    const before = { admin: box.secret("admin"), read: box.secret("read") };
    fs.writeFileSync(box.secretPath("write"), "not-a-token");
    const run = box.run(CONTAINER);
    expect(run.status).toBe(0);
    expect(setupPosts(run.calls)).toEqual([]);
    expect(box.puts().slice(3)).toEqual([SECRETS.write]);
    expect(box.secret("admin")).toBe(before.admin);
    expect(box.secret("read")).toBe(before.read);
    expect(box.authOf("write").perms.every((p) => p.startsWith("write:"))).toBe(true);
  });

  test("the task's INFLUX_ORG never reaches influx: buckets and tokens get through with --org-id (the script before the fix stopped at buckets)", () => {
    const box = sandbox();
    influxdRunning(box);
    const run = box.run(CONTAINER);
    expect(run.status).toBe(0);
    expect(called(run.calls, "influx bucket list ")).toEqual([
      expect.stringMatching(/^influx bucket list --org-id [0-9a-f]{16} --hide-headers$/),
    ]);
    expect(called(run.calls, "influx auth create ").every((c) => / --org-id [0-9a-f]{16} /.test(c))).toBe(true);

    // cf8661b's influx_as ran influx in the task's environment, INFLUX_ORG included.
    const unfixed = path.join(box.dir, "bootstrap-unfixed.sh");
    const script = fs.readFileSync(SCRIPT, "utf8");
    expect(script).toContain(" env -u INFLUX_ORG -u INFLUX_ORG_ID influx ");
    fs.writeFileSync(unfixed, script.replace(" env -u INFLUX_ORG -u INFLUX_ORG_ID influx ", " influx "));
    const again = sandbox();
    influxdRunning(again);
    const broken = again.run(CONTAINER, unfixed);
    expect(failedLines(broken.output)).toEqual([expect.stringMatching(/^bootstrap: FAILED at step buckets( |$)/)]);
    expect(broken.output).toMatch(
      /^Error: ambiguous org: use OrgId or OrgName, but not both\. OrgID: [0-9a-f]{16}, OrgName: streamlines$/m,
    );
  });

  test("InfluxDB never answering fails at step health; an unknown runtime fails at config", () => {
    const box = sandbox();
    const run = box.run({ ...CONTAINER, HEALTH_TIMEOUT_SECONDS: "1", ...SLEEPING_POLL });
    expect(run.status).not.toBe(0);
    expect(failedLines(run.output)).toEqual([expect.stringMatching(/^bootstrap: FAILED at step health( |$)/)]);
    const wrong = box.run({ INFLUX_RUNTIME: "lambda" });
    expect(failedLines(wrong.output)).toEqual([expect.stringMatching(/^bootstrap: FAILED at step config( |$)/)]);
    expect(wrong.output).toContain("INFLUX_RUNTIME 'lambda' is neither host nor container");
  });
});

describe("the image's entrypoint wrapper", () => {
  /**
   * A temp dir with a stand-in official entrypoint and bootstrap. The "influxd" records its args and exits with
   * $INFLUXD_RC $INFLUXD_SECONDS after the bootstrap logged (at once when none runs); TERM ends it sooner.
   */
  function wrapperRun(env: Record<string, string>) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "influx-wrapper-"));
    try {
      const log = path.join(dir, "log");
      const ready = path.join(dir, "influxd-ready");
      fs.writeFileSync(
        path.join(dir, "entrypoint"),
        [
          "#!/usr/bin/env bash",
          `trap 'kill $! 2>/dev/null; echo "influxd got TERM" >>"${log}"; exit 143' TERM`,
          `echo "influxd $*" >>"${log}"`,
          `: >"${ready}"`,
          `if [[ \${INFLUX_RUNTIME:-host} == container ]]; then`,
          `  for _ in $(seq 500); do grep -q '^bootstrap ' "${log}" && break; sleep 0.02; done`,
          "fi",
          // Not holding the test's pipes: a TERM ends influxd without waiting for its sleep.
          'sleep "${INFLUXD_SECONDS:-0}" >/dev/null 2>&1 & wait $!',
          'exit "${INFLUXD_RC:-0}"',
          "",
        ].join("\n"),
        { mode: 0o755 },
      );
      // The real bootstrap first waits for influxd to answer; without that, a TERM could beat the fake's trap.
      fs.writeFileSync(
        path.join(dir, "bootstrap"),
        `#!/usr/bin/env bash\nfor _ in $(seq 200); do [[ -e "${ready}" ]] && break; sleep 0.05; done\necho "bootstrap INFLUX_RUNTIME=$INFLUX_RUNTIME" >>"${log}"\nexit "\${BOOTSTRAP_RC:-0}"\n`,
        { mode: 0o755 },
      );
      const result = spawnSync("bash", [WRAPPER, "influxd", "--reporting-disabled"], {
        encoding: "utf8",
        timeout: 20_000,
        env: { PATH: "/usr/bin:/bin", OFFICIAL_ENTRYPOINT: path.join(dir, "entrypoint"), BOOTSTRAP: path.join(dir, "bootstrap"), ...env },
      });
      return {
        status: result.status,
        output: `${result.stdout}${result.stderr}`,
        log: fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [],
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test("host runtime (or none): the official entrypoint with the same arguments, no bootstrap", () => {
    expect(wrapperRun({ INFLUXD_RC: "3" })).toMatchObject({ status: 3, log: ["influxd influxd --reporting-disabled"] });
  });

  test("container runtime: influxd starts, the bootstrap runs, the task lives as long as influxd", () => {
    // influxd outlives the bootstrap, and its exit status is the task's.
    const run = wrapperRun({ INFLUX_RUNTIME: "container", INFLUXD_SECONDS: "0.3", INFLUXD_RC: "7" });
    expect(run.status).toBe(7);
    expect(run.log.sort()).toEqual(["bootstrap INFLUX_RUNTIME=container", "influxd influxd --reporting-disabled"]);
  });

  test("container runtime, bootstrap fails: influxd is stopped and the task exits 1", () => {
    const run = wrapperRun({ INFLUX_RUNTIME: "container", INFLUXD_SECONDS: "30", BOOTSTRAP_RC: "1" });
    expect(run.status).toBe(1);
    expect(run.log).toContain("influxd got TERM");
    expect(run.output).toContain("entrypoint: the token bootstrap failed");
  });
});

test("no token, password or registry password appears in any argv, in the output or in the shipped log", () => {
  const box = sandbox();
  const env = { LOG_GROUP: "/streamlines/dev/influx" };
  expect(box.run(env).status).toBe(0);
  fs.rmSync(path.join(box.state, "volume/influx/auths", box.authOf("write").id), { recursive: true });
  fs.writeFileSync(box.secretPath("read"), "");
  box.newInstance();
  expect(box.run(env).status).toBe(0);
  expect(box.puts()).toHaveLength(5);

  const secrets = [
    ...box.auths().map((a) => a.token),
    ...box.setupBodies().map((b) => String(b.password)),
    "fake-ecr-password-5c0ffee5c0ffee",
  ];
  expect(secrets).toHaveLength(6);
  for (const s of secrets) expect(s.length).toBeGreaterThanOrEqual(20);

  const argv = box.allCalls().join("\n");
  const events = fs.readFileSync(path.join(box.state, "aws/log-events.json"), "utf8");
  const shipped = (JSON.parse(events) as Array<{ message: string }>).map((e) => e.message);
  expect(shipped).toContainEqual(expect.stringMatching(/^bootstrap: write-token: created write token/));
  for (const s of secrets) {
    expect(argv).not.toContain(s);
    for (const output of box.outputs) expect(output).not.toContain(s);
    expect(events).not.toContain(s);
  }
  // tokens reach influx through the environment: the stand-in refuses --token
  expect(called(box.allCalls(), "docker exec ").every((c) => c.startsWith("docker exec -e INFLUX_TOKEN influxdb influx "))).toBe(true);
});

test("the troubleshooting runbook explains every step the script can fail at", () => {
  const script = fs.readFileSync(SCRIPT, "utf8");
  const steps = new Set([...script.matchAll(/STEP=([a-z$][a-z-]*)/g)].map((m) => m[1].replace("$action", "read")));
  steps.add("write-token");
  // `image` only looks for the local image; its failures are ecr-login and pull.
  ["start", "'done'", "image"].forEach((s) => steps.delete(s));
  expect([...steps].sort()).toEqual([...STEPS.filter((s) => s !== "done"), "config", "install-hook"].sort());
  const runbook = fs.readFileSync(path.resolve(__dirname, "../../help/troubleshooting-influx.md"), "utf8");
  for (const step of steps) expect(runbook).toMatch(new RegExp(`^\\| [^|]*\`${step}\``, "m"));
  const tokens = fs.readFileSync(path.resolve(__dirname, "../../help/influx-tokens.md"), "utf8");
  expect(script).toContain("help/influx-tokens.md, section 'The admin token is lost'");
  expect(tokens).toContain("\n## The admin token is lost\n");
});

describe("the influx stand-in behaves like influx-cli 2.7.5 where the bootstrap depends on it (sources in its header)", () => {
  /** Runs the stand-in directly, as influx would run in the container runtime, with the admin token. */
  const influx = (box: Sandbox, args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(path.join(box.bin, "influx"), args, {
      encoding: "utf8",
      env: { PATH: `${box.bin}:/usr/bin:/bin`, FAKE_STATE: box.state, INFLUX_TOKEN: box.secret("admin"), ...env },
    });
    return { status: r.status, out: r.stdout, err: r.stderr };
  };
  let box: Sandbox;
  let orgId: string;
  beforeEach(() => {
    box = sandboxAfterFirstRun();
    orgId = fs.readFileSync(path.join(box.state, "volume/influx/org"), "utf8").split(" ")[0];
  });

  test("--org takes INFLUX_ORG and --org-id INFLUX_ORG_ID when absent; an ID and a name together are ambiguous, from flags or environment", () => {
    expect(influx(box, ["bucket", "list", "--org-id", orgId, "--hide-headers"])).toMatchObject({ status: 0, err: "" });
    expect(influx(box, ["bucket", "list", "--hide-headers"], { INFLUX_ORG: "streamlines" })).toMatchObject({ status: 0, err: "" });
    expect(influx(box, ["bucket", "list", "--hide-headers"], { INFLUX_ORG_ID: orgId })).toMatchObject({ status: 0, err: "" });
    const ambiguous = `Error: ambiguous org: use OrgId or OrgName, but not both. OrgID: ${orgId}, OrgName: streamlines\n`;
    expect(influx(box, ["bucket", "list", "--org-id", orgId], { INFLUX_ORG: "streamlines" })).toEqual({
      status: 1,
      out: "",
      err: ambiguous,
    });
    expect(influx(box, ["bucket", "create", "--org", "streamlines", "--name", "x"], { INFLUX_ORG_ID: orgId })).toEqual({
      status: 1,
      out: "",
      err: ambiguous,
    });
    expect(influx(box, ["auth", "create", "--org-id", orgId, "--org", "streamlines", "--user", "admin", "--json"])).toEqual({
      status: 1,
      out: "",
      err: ambiguous,
    });
    expect(influx(box, ["bucket", "list"])).toMatchObject({ status: 1, err: "Error: must specify org ID or org name\n" });
  });

  test("org list --name falls back to INFLUX_ORG; bucket create --name to INFLUX_BUCKET_NAME and is required", () => {
    expect(influx(box, ["org", "list", "--hide-headers"], { INFLUX_ORG: "streamlines" })).toMatchObject({
      status: 0,
      out: `${orgId}\tstreamlines\n`,
    });
    expect(influx(box, ["org", "list", "--hide-headers"], { INFLUX_ORG: "other" })).toMatchObject({ status: 1 });
    expect(influx(box, ["bucket", "create", "--org-id", orgId], { INFLUX_BUCKET_NAME: "from-env" })).toMatchObject({
      status: 0,
      out: expect.stringContaining("\tfrom-env\t"),
    });
    expect(influx(box, ["bucket", "create", "--org-id", orgId])).toMatchObject({
      status: 1,
      err: expect.stringContaining('Required flag "name" not set'),
    });
  });

  test("a flag the command does not define is refused, like urfave/cli; --f=v works like --f v", () => {
    expect(influx(box, ["bucket", "list", "--org-id", orgId, "--retention", "1h"])).toMatchObject({
      status: 1,
      err: expect.stringMatching(/^Incorrect Usage: flag provided but not defined: -retention/),
    });
    expect(influx(box, ["org", "list", "--org-id", orgId])).toMatchObject({
      status: 1,
      err: expect.stringMatching(/flag provided but not defined: -org-id/),
    });
    expect(influx(box, ["bucket", "list", `--org-id=${orgId}`, "--hide-headers"])).toMatchObject({ status: 0 });
  });

  test("--host falls back to INFLUX_HOST, else http://localhost:8086; through docker exec only the container's own environment and -e reach influx", () => {
    expect(influx(box, ["bucket", "list", "--org-id", orgId], { INFLUX_HOST: "http://influxdb.example:8086" })).toMatchObject({
      status: 1,
      err: expect.stringContaining("no InfluxDB there"),
    });
    expect(influx(box, ["bucket", "list", "--org-id", orgId], { INFLUX_HOST: "http://127.0.0.1:9999" })).toMatchObject({ status: 0 });
    const docker = (args: string[], env: Record<string, string>) =>
      spawnSync(path.join(box.bin, "docker"), args, {
        encoding: "utf8",
        env: { PATH: `${box.bin}:/usr/bin:/bin`, FAKE_STATE: box.state, INFLUX_TOKEN: box.secret("admin"), ...env },
      });
    // The caller's INFLUX_ORG and INFLUX_HOST stay outside the container.
    expect(
      docker(["exec", "-e", "INFLUX_TOKEN", "influxdb", "influx", "bucket", "list", "--org-id", orgId], {
        INFLUX_ORG: "streamlines",
        INFLUX_HOST: "http://127.0.0.1:9999",
      }).status,
    ).toBe(0);
    expect(docker(["exec", "influxdb", "influx", "bucket", "list", "--org-id", orgId], {}).stderr).toContain("401 Unauthorized");
    expect(
      docker(
        [
          "exec",
          "-e",
          "INFLUX_TOKEN",
          "-e",
          "INFLUX_HOST=http://localhost:9999",
          "influxdb",
          "influx",
          "bucket",
          "list",
          "--org-id",
          orgId,
        ],
        {},
      ).stderr,
    ).toContain("connection refused");
  });
});

describe("the write check: an empty write by a permitted token", () => {
  const writeChecks = (run: Run) => run.calls.filter((c) => c.startsWith("curl ") && c.includes("/api/v2/write"));

  test("204 (InfluxDB 2.7): the write token is valid and nothing is written or replaced", () => {
    const box = sandboxAfterFirstRun();
    const run = box.run();
    expect(run.status).toBe(0);
    expect(writeChecks(run)).toHaveLength(2);
    expect(run.output).toMatch(/^bootstrap: write-token: token in \S+ valid: write permission on realtime historical$/m);
    expect(box.puts()).toHaveLength(3);
  });

  test('400 "writing requires points" (older 2.x) counts as valid too; a token no longer permitted (403) is replaced', () => {
    const box = sandboxAfterFirstRun();
    box.fail("write-empty-400");
    expect(box.run().status).toBe(0);
    expect(box.puts()).toHaveLength(3);
    box.heal("write-empty-400");
    const write = box.authOf("write");
    fs.writeFileSync(path.join(box.state, "volume/influx/auths", write.id, "perms"), ""); // no longer permitted: 403
    const run = box.run();
    expect(run.status).toBe(0);
    expect(run.output).toMatch(/the token in \S+ cannot write bucket realtime: HTTP 403/);
    expect(box.puts().slice(3)).toEqual([SECRETS.write]);
  });
});
