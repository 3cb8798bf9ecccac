import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import { EMULATOR_CREDENTIALS } from "../../stacks/base";

/** Settings the acceptance tier runs moto with (see DESIGN.md, tier 5). */
export const MOTO_ENV = {
  MOTO_ACM_VALIDATION_WAIT: "0",
  MOTO_IAM_LOAD_MANAGED_POLICIES: "true",
  MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION: "true",
} as const;

/** SDK client settings for an emulator: one endpoint, fake credentials, path-style S3. */
export function emulatorClientConfig(endpoint: string, region: string) {
  return {
    region,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: EMULATOR_CREDENTIALS.accessKey, secretAccessKey: EMULATOR_CREDENTIALS.secretKey },
    maxAttempts: 2,
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface Emulator {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** Stops the server by its PID; safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  /** The server's own stdout/stderr; discarded when absent. */
  logFile?: string;
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status < 500;
  } catch {
    return false;
  }
}

/** Starts `python3 -m moto.server` on loopback and resolves once it answers HTTP. */
export async function startMoto(options: StartOptions = {}): Promise<Emulator> {
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const out = options.logFile ? fs.openSync(options.logFile, "a") : "ignore";
  const child: ChildProcess = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    env: { ...process.env, ...MOTO_ENV },
    stdio: ["ignore", out, out],
  });
  if (typeof out === "number") fs.closeSync(out);
  if (child.pid === undefined) throw new Error("moto server did not start (python3 missing?)");
  const pid = child.pid;
  let exited: string | undefined;
  // Last resort for a parent that dies without calling stop(): never leave the server running.
  const killOnExit = () => {
    if (exited === undefined) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  };
  process.on("exit", killOnExit);
  child.on("exit", (code, signal) => {
    exited = `exited with ${signal ?? code}`;
    process.off("exit", killOnExit);
  });
  child.on("error", (err) => (exited = err.message));

  const stop = async (): Promise<void> => {
    if (exited !== undefined) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, 5000);
    await gone;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await answers(endpoint))) {
    if (exited !== undefined) throw new Error(`moto server ${exited} before answering on ${endpoint}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto server did not answer on ${endpoint} within ${options.timeoutMs ?? 30_000} ms`);
    }
    await sleep(200);
  }
  return { endpoint, port, pid, stop };
}

/** SDK client settings for the config's target: its emulator, or AWS with the shell's credentials. */
export function awsClientConfig(
  config: { readonly region: string; readonly emulator?: { readonly endpoint: string } },
  region = config.region,
) {
  return config.emulator ? emulatorClientConfig(config.emulator.endpoint, region) : { region, maxAttempts: 3 };
}

/** What a shell pointed at the emulator has: the AWS CLI in the image hooks reads it. */
export function emulatorShellEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKey,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretKey,
  };
}
