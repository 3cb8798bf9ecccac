import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StateUsageError, main, parseStateArgs, runState, stackDir, terraformArgs } from "../../scripts/state";

describe("argument parsing", () => {
  test("list is the default; show takes one address; outputs", () => {
    expect(parseStateArgs(["core"])).toEqual({ stack: "core", action: "list" });
    expect(parseStateArgs(["core", "list"])).toEqual({ stack: "core", action: "list" });
    expect(parseStateArgs(["core", "show", "aws_vpc.x"])).toEqual({ stack: "core", action: "show", address: "aws_vpc.x" });
    expect(parseStateArgs(["influx", "outputs"])).toEqual({ stack: "influx", action: "outputs" });
  });

  test.each([
    [[], /no stack given/],
    [["--help"], /no stack given/],
    [["core", "show"], /show needs exactly one resource address/],
    [["core", "show", "a", "b"], /show needs exactly one resource address/],
    [["core", "list", "extra"], /list takes no arguments/],
    [["core", "rm", "x"], /unknown action "rm"; expected list, show ADDRESS or outputs/],
  ])("%j is refused with usage", (argv, message) => {
    expect(() => parseStateArgs(argv as string[])).toThrow(message);
    expect(() => parseStateArgs(argv as string[])).toThrow(/usage: npm run state -- <stack> \[list\|show ADDRESS\|outputs\]/);
  });

  test("terraform arguments per action", () => {
    expect(terraformArgs({ stack: "core", action: "list" })).toEqual(["state", "list"]);
    expect(terraformArgs({ stack: "core", action: "show", address: "aws_vpc.x" })).toEqual(["state", "show", "-no-color", "aws_vpc.x"]);
    expect(terraformArgs({ stack: "core", action: "outputs" })).toEqual(["output", "-json"]);
  });
});

describe("finding the stack", () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "state-cli-"))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const synth = (stacks: string[], withFiles = stacks) => {
    fs.mkdirSync(path.join(root, "cdktf.out"), { recursive: true });
    const manifest = { stacks: Object.fromEntries(stacks.map((s) => [s, { workingDirectory: `stacks/${s}` }])) };
    fs.writeFileSync(path.join(root, "cdktf.out", "manifest.json"), JSON.stringify(manifest));
    for (const s of withFiles) {
      fs.mkdirSync(path.join(root, "cdktf.out", "stacks", s), { recursive: true });
      fs.writeFileSync(path.join(root, "cdktf.out", "stacks", s, "cdk.tf.json"), "{}");
    }
  };

  test("not synthesized: says to run npm run synth first", () => {
    expect(() => stackDir(root, "core")).toThrow(StateUsageError);
    expect(() => stackDir(root, "core")).toThrow("the stacks are not synthesized yet; run npm run synth first");
  });

  test("unknown stack: lists the known ones", () => {
    synth(["foundations", "core"]);
    expect(() => stackDir(root, "cor")).toThrow('unknown stack "cor"; the synthesized stacks are: foundations, core');
  });

  test("in the manifest but its directory is gone: synth first", () => {
    synth(["core"], []);
    expect(() => stackDir(root, "core")).toThrow(/cdktf.out\/stacks\/core\/cdk.tf.json is missing; run npm run synth first/);
  });

  test("inits once when .terraform is missing, then runs the command in the stack directory", () => {
    synth(["core"]);
    const bin = path.join(root, "bin");
    const log = path.join(root, "calls.log");
    fs.mkdirSync(bin);
    // Stand-in terraform: records cwd and argv; init creates .terraform like the real one.
    fs.writeFileSync(
      path.join(bin, "terraform"),
      `#!/bin/sh\necho "$(basename "$PWD") $*" >> "${log}"\n[ "$1" = init ] && mkdir -p .terraform\n[ "$1" = output ] && exit 3\nexit 0\n`,
      { mode: 0o755 },
    );
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath}`;
    try {
      const said: string[] = [];
      expect(runState({ stack: "core", action: "list" }, root, (l) => said.push(l))).toBe(0);
      expect(said.join("\n")).toContain("initialising cdktf.out/stacks/core");
      expect(runState({ stack: "core", action: "show", address: "aws_vpc.x" }, root, () => undefined)).toBe(0);
      // terraform's own exit code comes through.
      expect(runState({ stack: "core", action: "outputs" }, root, () => undefined)).toBe(3);
    } finally {
      process.env.PATH = oldPath;
    }
    expect(fs.readFileSync(log, "utf8").trim().split("\n")).toEqual([
      "core init -input=false -no-color",
      "core state list",
      "core state show -no-color aws_vpc.x",
      "core output -json",
    ]);
  });

  test("the CLI checks the state bucket is this account's before terraform touches it, after usage mistakes", async () => {
    synth(["core"]);
    const bin = path.join(root, "bin");
    const log = path.join(root, "calls.log");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "terraform"), `#!/bin/sh\necho "$*" >> "${log}"\n[ "$1" = init ] && mkdir -p .terraform\nexit 0\n`, {
      mode: 0o755,
    });
    const checked: string[] = [];
    const notOurs = async (config: { state: { bucket: string } }) => {
      checked.push(config.state.bucket);
      throw new Error(`state bucket ${config.state.bucket} is not owned by this account (123456789012)`);
    };
    const ours = async (config: { state: { bucket: string } }) => void checked.push(config.state.bucket);
    const errs: string[] = [];
    jest.spyOn(process.stderr, "write").mockImplementation((s) => (errs.push(String(s)), true));
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath}`;
    try {
      expect(await main(["nope"], root, notOurs)).toBe(1);
      expect(errs.join("")).toBe('state: unknown stack "nope"; the synthesized stacks are: core\n');
      expect(checked).toEqual([]);

      errs.length = 0;
      expect(await main(["core", "list"], root, notOurs)).toBe(1);
      expect(errs.join("")).toBe(`state: state bucket ${checked[0]} is not owned by this account (123456789012)\n`);
      expect(fs.existsSync(log)).toBe(false);

      expect(await main(["core", "list"], root, ours)).toBe(0);
      expect(checked).toHaveLength(2);
      expect(fs.readFileSync(log, "utf8").trim().split("\n")).toEqual(["init -input=false -no-color", "state list"]);
    } finally {
      process.env.PATH = oldPath;
      jest.restoreAllMocks();
    }
  });
});
