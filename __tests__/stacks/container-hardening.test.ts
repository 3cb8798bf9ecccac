// Container health checks (ingest, ripples) and read-only root file systems: the checks run only
// programs the app contract shows in each image at e410d43, and they pass or fail on the facts they
// claim to test (run here against a stand-in /proc/net/tcp and a stand-in Flink REST endpoint).
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { APP_CONTRACT } from "../../config/app-contract";
import { SERVICE_NAMES, StreamLinesConfig } from "../../config/schema";
import { buildStacks } from "../../stacks/app";
import { StackJson, configNamed, configWith, resourcesOf, synthAll } from "../helpers/synth";

interface Container {
  name: string;
  healthCheck?: { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number };
  readonlyRootFilesystem?: boolean;
  mountPoints?: Array<{ sourceVolume: string; containerPath: string }>;
}

const containerOf = (stack: StackJson, service: string): { container: Container; volumes: Array<{ name: string }> } => {
  const def = Object.values(resourcesOf(stack, "aws_ecs_task_definition")).find((d) => d.family === `streamlines-dev-${service}`)!;
  return { container: JSON.parse(def.container_definitions as string)[0], volumes: (def.volume as Array<{ name: string }>) ?? [] };
};

const warningsOf = (config: StreamLinesConfig): string[] => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "hardening-")) });
  buildStacks(app, config);
  return app.node.findAll().flatMap((n) => n.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data)));
};

describe("the contract's health checks run only what the image has", () => {
  test.each(["ingest", "ripples"] as const)(
    "%s: CMD form, its program in the image's tools, the base image from its Dockerfile",
    (name) => {
      const contract = APP_CONTRACT[name];
      expect(contract.healthCheck.command[0]).toBe("CMD");
      expect(contract.image.tools).toContain(contract.healthCheck.command[1]);
      expect(contract.image.source).toMatch(new RegExp(`^${name}/Dockerfile:\\d+`));
      // bash -c: every other program the script calls must be in the image too.
      const script = contract.healthCheck.command[3];
      const programs = ["curl", "wget", "nc", "jq", "grep", "awk", "cat", "pgrep"].filter((p) =>
        new RegExp(`(^|[|&;(]\\s*|\\s)${p}\\s`).test(script),
      );
      for (const program of programs) expect(contract.image.tools).toContain(program);
    },
  );

  test("the services the load balancer checks have no container check of their own", () => {
    expect(SERVICE_NAMES.filter((n) => "healthCheck" in APP_CONTRACT[n])).toEqual(["ingest", "ripples"]);
  });
});

describe("ingest's check: an established connection to a port-443 peer, read from the task's TCP table", () => {
  const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
  const row = (remote: string, state: string) =>
    `   0: 0A00010B:D2F0 ${remote} ${state} 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 20 4 30 10 -1\n`;
  const run = (tcp: string, tcp6?: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ingest-health-"));
    try {
      fs.writeFileSync(path.join(dir, "tcp"), tcp);
      if (tcp6 !== undefined) fs.writeFileSync(path.join(dir, "tcp6"), tcp6);
      const [, program, flag, script] = APP_CONTRACT.ingest.healthCheck.command;
      expect(script).toContain("/proc/net/tcp /proc/net/tcp6");
      const local = script.replace("/proc/net/tcp /proc/net/tcp6", `${dir}/tcp ${dir}/tcp6`);
      return spawnSync(program === "/bin/bash" ? "bash" : program, [flag, local], { encoding: "utf8" }).status;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  test("ESTABLISHED (01) to remote port 443 (01BB) passes, over IPv4 or IPv6", () => {
    expect(run(HEADER + row("2A4E1C22:01BB", "01"))).toBe(0);
    expect(run(HEADER, HEADER + row("00000000000000000000FFFF2A4E1C22:01BB", "01"))).toBe(0);
  });

  test("no connection, one still connecting (SYN_SENT 02), closing (TIME_WAIT 06), or to another port fails", () => {
    expect(run(HEADER)).toBe(1);
    expect(run(HEADER + row("2A4E1C22:01BB", "02") + row("2A4E1C22:01BB", "06"))).toBe(1);
    expect(run(HEADER + row("2A4E1C22:1F90", "01") + row("00000000:0000", "0A"))).toBe(1);
  });
});

describe("ripples' check: Flink's REST endpoint lists a RUNNING job", () => {
  const run = (port: number): Promise<number | null> =>
    new Promise((resolve) => {
      const [, , flag, script] = APP_CONTRACT.ripples.healthCheck.command;
      expect(script).toContain("/dev/tcp/127.0.0.1/8081");
      execFile("bash", [flag, script.replace("/dev/tcp/127.0.0.1/8081", `/dev/tcp/127.0.0.1/${port}`)], { timeout: 10_000 }, (error) =>
        resolve(error ? (typeof error.code === "number" ? error.code : null) : 0),
      );
    });
  const withFlink = async (jobs: unknown, check: (port: number) => Promise<void>) => {
    const paths: string[] = [];
    const server = http.createServer((req, res) => {
      paths.push(String(req.url));
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ jobs }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      await check((server.address() as AddressInfo).port);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(paths).toEqual(["/jobs/overview"]);
  };

  test("a RUNNING job passes", async () => {
    await withFlink([{ jid: "f4e1", name: "ripples", state: "RUNNING", "start-time": 1, "end-time": -1 }], async (port) =>
      expect(await run(port)).toBe(0),
    );
  });

  test("a RESTARTING or FAILED job, or none, fails; so does a closed port", async () => {
    await withFlink([{ jid: "f4e1", name: "ripples", state: "RESTARTING" }], async (port) => expect(await run(port)).not.toBe(0));
    await withFlink([], async (port) => expect(await run(port)).not.toBe(0));
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await run(port)).not.toBe(0);
  });
});

describe("task definitions (dev config)", () => {
  let core: StackJson;
  beforeAll(() => {
    core = synthAll(configNamed("dev")).stacks.core;
  });

  test.each(["ingest", "ripples"] as const)("%s: the contract's check with the config's timings", (name) => {
    const { container } = containerOf(core, name);
    expect(container.healthCheck).toEqual({
      command: APP_CONTRACT[name].healthCheck.command,
      interval: 30,
      timeout: 10,
      retries: 3,
      startPeriod: APP_CONTRACT[name].healthCheck.startPeriodSeconds,
    });
  });

  test.each([...SERVICE_NAMES])("%s: read-only root file system, an empty task-storage volume at each path it writes", (name) => {
    const { container, volumes } = containerOf(core, name);
    expect(container.readonlyRootFilesystem).toBe(true);
    expect(container.mountPoints).toEqual(
      APP_CONTRACT[name].rootFilesystem.writablePaths.map((p, i) => ({ sourceVolume: `writable-${i}`, containerPath: p, readOnly: false })),
    );
    expect(volumes).toEqual(container.mountPoints!.map((m) => ({ name: m.sourceVolume })));
  });
});

test("a check switched off: none in the task definition, and a synth warning naming the key", () => {
  const config = configWith("dev", { services: { ripples: { healthCheck: { enabled: false } } } });
  const { container } = containerOf(synthAll(config).stacks.core, "ripples");
  expect(container.healthCheck).toBeUndefined();
  expect(warningsOf(config).filter((w) => w.includes("healthCheck"))).toEqual([
    expect.stringMatching(/^core: services\.ripples\.healthCheck\.enabled is false: a hung ripples runs on unnoticed/),
  ]);
  expect(warningsOf(configNamed("dev")).filter((w) => w.includes("healthCheck"))).toEqual([]);
});

test("ECS Exec on: the root file system stays writable unless config says otherwise (its agent writes there)", () => {
  const { container, volumes } = containerOf(
    synthAll(configWith("dev", { services: { backend: { executeCommand: true } } })).stacks.core,
    "backend",
  );
  expect(container.readonlyRootFilesystem).toBeUndefined();
  expect(volumes).toEqual([]);
  const off = containerOf(synthAll(configWith("dev", { services: { ingest: { readonlyRootFilesystem: false } } })).stacks.core, "ingest");
  expect(off.container.readonlyRootFilesystem).toBeUndefined();
});

describe("the images we build run as the official images' non-root users", () => {
  /** The user the image's process starts as: the last USER, which must come after every RUN (those need root). */
  const finalUser = (dockerfile: string) => {
    const lines = fs
      .readFileSync(path.join(__dirname, "..", "..", dockerfile), "utf8")
      .split("\n")
      .map((l) => l.trim());
    const users = lines.map((l, i) => [l, i] as const).filter(([l]) => /^USER\s/.test(l));
    const lastRun = Math.max(-1, ...lines.map((l, i) => (/^RUN\s/.test(l) ? i : -1)));
    const [line, at] = users[users.length - 1] ?? ["", -1];
    return { user: line.replace(/^USER\s+/, ""), afterEveryRun: at > lastRun };
  };

  test("InfluxDB: influxdb (uid 1000, whose the EFS access point and the host's data directory are)", () => {
    expect(finalUser("modules/influx-host/Dockerfile")).toEqual({ user: "influxdb", afterEveryRun: true });
  });

  test("Grafana: 472, the grafana user of grafana/grafana-oss", () => {
    expect(finalUser("modules/grafana/image/Dockerfile")).toEqual({ user: "472", afterEveryRun: true });
  });
});
