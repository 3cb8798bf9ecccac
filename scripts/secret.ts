/**
 * The env's secrets, without ever showing a value:
 *   npm run secret -- list
 *   npm run secret -- set <purpose>    # the value on standard input, e.g. from a file or a password manager
 * `set` takes only the secrets an operator gives (the Influx tokens are the bootstrap's); the value
 * is read from stdin (typed without echo on a terminal), never from argv, and is never printed.
 * Exit 0 done, 1 refused or failed (one line, nothing written).
 */
import { parseArgs } from "util";
import { loadConfigOrExit } from "../config/load";
import { StreamLinesConfig } from "../config/schema";
import { SECRET_PURPOSES, SecretPurpose } from "../stacks/foundations";
import { OPERATOR_SECRETS, SECRETS, putSecret, secretName, secretState, secretsClient } from "./lib/secrets";
import { LineIo } from "./lib/io";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const USAGE = `usage: npm run secret -- list | set <${OPERATOR_SECRETS.join("|")}> (value on stdin)`;

export type SecretCommand = { readonly verb: "list" } | { readonly verb: "set"; readonly purpose: SecretPurpose };

/** Parses argv; throws one line naming what is wrong. */
export function parseSecretArgs(argv: readonly string[]): SecretCommand {
  const { positionals } = parseArgs({ args: [...argv], options: {}, allowPositionals: true, strict: true });
  const [verb, purpose, ...rest] = positionals;
  if (verb === "list" && purpose === undefined) return { verb };
  if (verb !== "set") throw new Error(`unknown command ${JSON.stringify(verb ?? "")}; ${USAGE}`);
  if (rest.length > 0)
    throw new Error(
      `set takes one purpose and reads the value from stdin, never from the command line; got extra ${JSON.stringify(rest[0])}`,
    );
  if (!(SECRET_PURPOSES as readonly string[]).includes(purpose ?? "")) {
    throw new Error(`unknown secret purpose ${JSON.stringify(purpose ?? "")}; allowed: ${OPERATOR_SECRETS.join(", ")}`);
  }
  const p = purpose as SecretPurpose;
  if (SECRETS[p].writer !== "operator") {
    throw new Error(
      `${p} is written by the InfluxDB bootstrap, never by hand (help/influx-tokens.md); allowed: ${OPERATOR_SECRETS.join(", ")}`,
    );
  }
  return { verb: "set", purpose: p };
}

/** All of a piped stdin, or one line typed on a terminal without echo. */
export async function readValue(stdin: NodeJS.ReadStream, prompt: (s: string) => void): Promise<string> {
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(c as Buffer);
    // A file or `echo` ends with a newline that is not part of the value.
    return Buffer.concat(chunks)
      .toString("utf8")
      .replace(/\r?\n$/, "");
  }
  prompt("value (not shown), then Enter: ");
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    let value = "";
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done(() => resolve(value));
        if (ch === "\u0003") return done(() => reject(new Error("cancelled; nothing written")));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = (then: () => void) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      prompt("\n");
      then();
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}

export interface SecretIo extends LineIo {
  readValue(): Promise<string>;
}

export async function main(argv: readonly string[], config: StreamLinesConfig, io: SecretIo): Promise<number> {
  let cmd: SecretCommand;
  try {
    cmd = parseSecretArgs(argv);
  } catch (e) {
    io.err(`secret: ${(e as Error).message}`);
    return 1;
  }
  const sm = secretsClient(config);
  try {
    if (cmd.verb === "list") {
      const rows = await Promise.all(
        SECRET_PURPOSES.map(async (p) => {
          const s = await secretState(sm, secretName(config, p));
          const state =
            s.state === "value"
              ? `value set${s.updated ? ` (changed ${s.updated.toISOString()})` : ""}`
              : s.state === "empty"
                ? "NO VALUE"
                : "not created (phase 1 creates it)";
          const who = SECRETS[p].writer === "operator" ? `operator: npm run secret -- set ${p}` : "written by the InfluxDB bootstrap";
          return [secretName(config, p), state, `read by ${SECRETS[p].readers}; ${who}`];
        }),
      );
      const w = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length)));
      io.out(`secret: ${config.app}-${config.env} in ${config.region}${config.emulator ? ` (emulator ${config.emulator.endpoint})` : ""}`);
      for (const r of rows) io.out(`${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2]}`);
      return 0;
    }
    const id = secretName(config, cmd.purpose);
    const state = await secretState(sm, id);
    if (state.state === "missing") {
      io.err(
        `secret: ${id} does not exist; run npm run deploy first (phase 1 creates it, then stops until it has a value); nothing written`,
      );
      return 1;
    }
    const value = await io.readValue();
    if (value.length === 0) {
      io.err(
        `secret: empty value on stdin for ${id}; pipe the value in (e.g. npm run secret -- set ${cmd.purpose} < file); nothing written`,
      );
      return 1;
    }
    const problem = SECRETS[cmd.purpose].validate?.(value);
    if (problem) {
      io.err(`secret: ${id}: ${problem}; nothing written`);
      return 1;
    }
    const version = await putSecret(sm, id, value);
    io.out(
      `secret: ${id}: value set (version ${version ?? "?"}, ${value.length} characters); ${state.state === "value" ? "tasks started before keep the old value until they are replaced" : "npm run deploy can go on to phase 2"}`,
    );
    return 0;
  } catch (e) {
    io.err(`secret: ${(e as Error).name}: ${(e as Error).message.split("\n")[0]}; nothing written`);
    return 1;
  } finally {
    sm.destroy();
  }
}

if (require.main === module) {
  const config = loadConfigOrExit();
  const io: SecretIo = {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    readValue: () => readValue(process.stdin, (s) => process.stderr.write(s)),
  };
  main(process.argv.slice(2), config, io).then((code) => (process.exitCode = code));
}
