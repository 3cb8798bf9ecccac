import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const SCRIPT = path.join(ROOT, "scripts", "lint-shell.sh");
/** What the script itself calls, linked into a PATH that has no shellcheck unless a test adds one. */
const TOOLS = ["bash", "env", "dirname", "find", "sort", "head", "grep", "sed", "cat"];

let bin: string;

function which(tool: string): string {
  const found = (process.env.PATH ?? "")
    .split(path.delimiter)
    .map((d) => path.join(d, tool))
    .find((f) => fs.existsSync(f));
  if (!found) throw new Error(`${tool} not on PATH`);
  return found;
}

beforeEach(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), "lint-shell-"));
  for (const tool of TOOLS) fs.symlinkSync(which(tool), path.join(bin, tool));
});
afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

/** A shellcheck stand-in that records its arguments, one a line, and exits with `status`. */
function fakeShellcheck(status: number): string {
  const log = path.join(bin, "shellcheck.args");
  fs.writeFileSync(
    path.join(bin, "shellcheck"),
    `#!/usr/bin/env bash\nif [[ $1 == --version ]]; then echo "version: 0.9.0"; exit 0; fi\nprintf '%s\\n' "$@" >> ${JSON.stringify(log)}\nexit ${status}\n`,
    { mode: 0o755 },
  );
  return log;
}

const lint = () => spawnSync(path.join(bin, "bash"), [SCRIPT], { cwd: os.tmpdir(), encoding: "utf8", env: { PATH: bin } });

test("fails loudly, naming the fix, when shellcheck is not installed", () => {
  const r = lint();
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("shellcheck is not installed");
  expect(r.stderr).toContain("apt-get install -y shellcheck");
});

test("checks every shell script of the repository, by name or shebang, with sourced files followed", () => {
  const log = fakeShellcheck(0);
  const r = lint();
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const args = fs.readFileSync(log, "utf8").trim().split("\n");
  expect(args[0]).toBe("-x");
  expect(args).toEqual(
    expect.arrayContaining([
      "./modules/image-build/build-and-push.sh",
      "./modules/influx-host/bootstrap.sh",
      "./modules/influx-host/entrypoint-wrapper.sh",
      "./__tests__/fixtures/influx-bootstrap/bin/aws",
      "./__tests__/fixtures/stubs/docker/docker",
      "./__tests__/fixtures/stubs/record.sh",
      "./scripts/lint-shell.sh",
      "./.ci/run",
    ]),
  );
  expect(args.some((a) => a.includes("node_modules"))).toBe(false);
  expect(r.stdout).toMatch(new RegExp(`^lint:shell: ${args.length - 1} scripts pass shellcheck 0\\.9\\.0$`, "m"));
});

test("a shellcheck finding fails the script", () => {
  fakeShellcheck(1);
  const r = lint();
  expect(r.status).toBe(1);
  expect(r.stdout).not.toContain("pass shellcheck");
});
