import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { combineExitCodes, main, parsePlanArgs, reviewArgs, selectStacks } from "../../scripts/plan";

const FIXTURES = path.join(__dirname, "..", "fixtures", "plans");

describe("arguments", () => {
  test("defaults: synth, every stack", () => {
    expect(parsePlanArgs([])).toEqual({ synth: true, stacks: [], format: "terminal" });
    expect(parsePlanArgs(["--no-synth", "core", "influx"])).toEqual({ synth: false, stacks: ["core", "influx"], format: "terminal" });
    expect(parsePlanArgs(["--format", "markdown", "core"])).toEqual({ synth: true, stacks: ["core"], format: "markdown" });
    expect(parsePlanArgs(["--format=json"]).format).toBe("json");
  });

  test.each([
    [["--nosynth"], /unknown option --nosynth/],
    [["core", "core"], /stack core is given twice/],
    [["core=plans/core.json"], /is not a stack name/],
    [["--format", "yaml"], /^--format "yaml" is not allowed; expected one of terminal, markdown, json\nusage: npm run plan/],
    [["--format"], /^--format needs one of terminal, markdown, json\n/],
  ])("%j is refused", (argv, message) => {
    expect(() => parsePlanArgs(argv)).toThrow(message);
  });

  test("stacks keep phase order whatever order they are given in; unknown ones are named", () => {
    const order = ["foundations", "core", "influx", "edge"];
    expect(selectStacks(order, [])).toEqual(order);
    expect(selectStacks(order, ["edge", "foundations"])).toEqual(["foundations", "edge"]);
    expect(() => selectStacks(order, ["cor"])).toThrow("unknown stack cor; the synthesized stacks are: foundations, core, influx, edge");
  });
});

describe("exit code", () => {
  const ok = (stack: string) => ({ stack, json: `plans/${stack}.json` });
  test("the review's code when every stack planned", () => {
    expect(combineExitCodes(0, [ok("foundations"), ok("core")])).toBe(0);
    expect(combineExitCodes(2, [ok("foundations"), ok("core")])).toBe(2);
    expect(combineExitCodes(1, [ok("foundations")])).toBe(1);
  });
  test("a stack that failed to plan is an error, even with a partial plan or no changes elsewhere", () => {
    expect(combineExitCodes(0, [ok("foundations"), { stack: "core", failure: "init failed" }])).toBe(1);
    expect(combineExitCodes(2, [{ ...ok("core"), failure: "plan failed" }])).toBe(1);
    expect(combineExitCodes(undefined, [{ stack: "core", failure: "init failed" }])).toBe(1);
    expect(combineExitCodes(0, [])).toBe(1);
  });
  test("only stacks with a JSON plan are reviewed", () => {
    expect(reviewArgs([ok("foundations"), { stack: "core", failure: "x" }], "out/stacks")).toEqual([
      "--synth-dir",
      "out/stacks",
      "--format",
      "terminal",
      "foundations=plans/foundations.json",
    ]);
    expect(reviewArgs([ok("core")], "s", "json", "drift")).toEqual([
      "--synth-dir",
      "s",
      "--format",
      "json",
      "--drift",
      "core=plans/core.json",
    ]);
  });
});

describe("orchestration with a stand-in terraform", () => {
  /** The state bucket check passes (it is tested with deploy: state-scope.test.ts); the tests below give their own. */
  const ours = async () => undefined;
  let root: string;
  let oldPath: string | undefined;
  let out: string[];
  let errs: string[];

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"));
    const stacks = { foundations: {}, core: { dependencies: ["foundations"] } };
    fs.mkdirSync(path.join(root, "cdktf.out"), { recursive: true });
    fs.writeFileSync(path.join(root, "cdktf.out", "manifest.json"), JSON.stringify({ stacks }));
    for (const s of Object.keys(stacks)) {
      fs.mkdirSync(path.join(root, "cdktf.out", "stacks", s), { recursive: true });
      fs.writeFileSync(path.join(root, "cdktf.out", "stacks", s, "cdk.tf.json"), "{}");
    }
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin);
    // Plans by directory name: `show -json` prints $FAKE_PLAN_<stack>; FAKE_FAIL_<stack> makes plan fail without a file.
    fs.writeFileSync(
      path.join(bin, "terraform"),
      `#!/bin/bash
stack=$(basename "$PWD")
echo "$stack $1" >> "${root}/calls.log"
echo "$stack $*" >> "${root}/args.log"
case "$1" in
  init) exit 0 ;;
  plan) v="FAKE_FAIL_$stack"; if [ -n "\${!v}" ]; then echo "Error: boom in $stack" >&2; exit 1; fi
        for a in "$@"; do case "$a" in -out=*) echo binary > "\${a#-out=}" ;; esac; done; exit 0 ;;
  show) v="FAKE_PLAN_$stack"; cat "\${!v}"; exit 0 ;;
esac
exit 9
`,
      { mode: 0o755 },
    );
    oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath}`;
    out = [];
    errs = [];
    jest.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    jest.spyOn(process.stderr, "write").mockImplementation((s) => (errs.push(String(s)), true));
  });

  afterEach(() => {
    jest.restoreAllMocks();
    process.env.PATH = oldPath;
    for (const k of ["FAKE_PLAN_foundations", "FAKE_PLAN_core", "FAKE_FAIL_core"]) delete process.env[k];
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("no changes anywhere: plans saved in phase order, exit 0", async () => {
    process.env.FAKE_PLAN_foundations = path.join(FIXTURES, "foundations-noop.json");
    process.env.FAKE_PLAN_core = path.join(FIXTURES, "foundations-noop.json");
    expect(await main(["--no-synth", "core", "foundations"], root, "plan", ours)).toBe(0);
    expect(fs.readFileSync(path.join(root, "calls.log"), "utf8").trim().split("\n")).toEqual([
      "foundations init",
      "foundations plan",
      "foundations show",
      "core init",
      "core plan",
      "core show",
    ]);
    expect(fs.existsSync(path.join(root, "plans", "core.json"))).toBe(true);
    expect(out.join("")).toContain("Result: no changes in 2 stacks (exit code 0)");
    expect(out.join("")).toMatch(/^Cost: \$0\.00\/month, fixed/m);
    expect(fs.readFileSync(path.join(root, "plans", "review.md"), "utf8")).toMatch(
      /^### Plan review: no changes in 2 stacks \(exit code 0\)\n/,
    );
  });

  test("--format markdown: stdout holds the review alone, progress goes to stderr", async () => {
    process.env.FAKE_PLAN_foundations = path.join(FIXTURES, "foundations-destroy-ebs.json");
    process.env.FAKE_PLAN_core = path.join(FIXTURES, "core-create.json");
    expect(await main(["--no-synth", "--format", "markdown"], root, "plan", ours)).toBe(2);
    const md = out.join("");
    expect(md.startsWith("### Plan review: changes in 2 stacks of 2: foundations, core (exit code 2)\n")).toBe(true);
    expect(md).not.toContain("plan: foundations: planned");
    expect(errs.join("")).toContain("plan: foundations: planned");
    expect(md).toBe(`${fs.readFileSync(path.join(root, "plans", "review.md"), "utf8")}`);
  });

  test("--format json parses and carries the cost", async () => {
    process.env.FAKE_PLAN_foundations = path.join(FIXTURES, "foundations-noop.json");
    process.env.FAKE_PLAN_core = path.join(FIXTURES, "core-create.json");
    expect(await main(["--no-synth", "--format", "json"], root, "plan", ours)).toBe(2);
    const review = JSON.parse(out.join(""));
    expect(review).toMatchObject({
      kind: "plan",
      exitCode: 2,
      cost: { monthlyChange: 67.16, plusUsage: true, currency: "USD" },
      prices: { region: "us-east-1" },
    });
    expect(review.stacks.map((s: { stack: string }) => s.stack)).toEqual(["foundations", "core"]);
  });

  test("drift: refresh-only plans saved apart, reviewed as drift, exit 2 on drift", async () => {
    // Recorded refresh-only plans: one with changes made outside Terraform, one with normalization only.
    process.env.FAKE_PLAN_foundations = path.join(FIXTURES, "drift-refresh-only.json");
    process.env.FAKE_PLAN_core = path.join(FIXTURES, "drift-refresh-only-none.json");
    expect(await main(["--no-synth"], root, "drift", ours)).toBe(2);
    const calls = fs.readFileSync(path.join(root, "args.log"), "utf8");
    expect(calls).toMatch(/^foundations plan -refresh-only .*-out=\S+foundations\.drift\.tfplan$/m);
    expect(fs.existsSync(path.join(root, "plans", "foundations.drift.json"))).toBe(true);
    expect(fs.existsSync(path.join(root, "plans", "drift.md"))).toBe(true);
    const text = out.join("");
    expect(text).toContain("foundations (");
    expect(text).toMatch(/foundations \(\S+foundations\.drift\.json\): 2 changed outside Terraform/);
    expect(text).toMatch(/core \(\S+core\.drift\.json\): no drift/);
    expect(text).toContain("Result: drift in 1 stack of 2: foundations (exit code 2)");
  });

  test("changes: exit 2 with the review's warning block", async () => {
    process.env.FAKE_PLAN_foundations = path.join(FIXTURES, "foundations-destroy-ebs.json");
    process.env.FAKE_PLAN_core = path.join(FIXTURES, "foundations-noop.json");
    expect(await main(["--no-synth"], root, "plan", ours)).toBe(2);
    expect(out.join("")).toMatch(/aws_ebs_volume/);
  });

  test("one stack fails to plan: the others are still planned and reviewed, exit 1 naming it", async () => {
    process.env.FAKE_PLAN_foundations = path.join(FIXTURES, "foundations-noop.json");
    process.env.FAKE_FAIL_core = "1";
    // A stale plan of an earlier run must not be reviewed.
    fs.mkdirSync(path.join(root, "plans"));
    fs.copyFileSync(path.join(FIXTURES, "core-create.json"), path.join(root, "plans", "core.json"));
    expect(await main(["--no-synth"], root, "plan", ours)).toBe(1);
    expect(fs.existsSync(path.join(root, "plans", "core.json"))).toBe(false);
    const e = errs.join("");
    expect(e).toContain("Error: boom in core");
    expect(e).toContain("1 of 2 stack(s) failed to plan: core");
    expect(e).toContain("npm run plan -- core");
    expect(out.join("")).toContain("no changes in 1 stack");
  });

  test("a state bucket that is not this account's: one line, exit 1, and terraform never runs", async () => {
    const checked: string[] = [];
    const notOurs = async (config: { state: { bucket: string } }) => {
      checked.push(config.state.bucket);
      throw new Error(`state bucket ${config.state.bucket} is not owned by this account (123456789012)`);
    };
    for (const mode of ["plan", "drift"] as const) {
      errs = [];
      expect(await main(["--no-synth"], root, mode, notOurs)).toBe(1);
      expect(errs.join("")).toBe(`${mode}: state bucket ${checked[0]} is not owned by this account (123456789012)\n`);
    }
    expect(checked).toHaveLength(2);
    expect(fs.existsSync(path.join(root, "calls.log"))).toBe(false);
  });

  test("not synthesized: says so, exit 1", async () => {
    fs.rmSync(path.join(root, "cdktf.out"), { recursive: true });
    expect(await main(["--no-synth"], root, "plan", ours)).toBe(1);
    expect(errs.join("")).toContain("run npm run synth first");
  });
});
