import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  BUILD_SCRIPT,
  BUILD_SCRIPT_ENV,
  DockerIgnore,
  contextDigest,
  contextHash,
  contextTag,
  tagForHash,
} from "../../modules/image-build";
import { STUB_ECR_PASSWORD, StubCall, StubSandbox, StubSwitches, StubTool, createStubSandbox } from "../fixtures/stubs/sandbox";

const ROOT = path.resolve(__dirname, "../..");
const SCRIPT = path.join(ROOT, BUILD_SCRIPT);
const REGISTRY = "123456789012.dkr.ecr.eu-central-1.amazonaws.com";
const REPO = "streamlines-dev-ingest";
const TAG = "ctx-0123456789abcdef";
const IMAGE = `${REGISTRY}/${REPO}:${TAG}`;
const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "image-build-test-"));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function writeTree(root: string, files: Record<string, string | { content: string; mode: number }>): void {
  for (const [rel, spec] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const { content, mode } = typeof spec === "string" ? { content: spec, mode: 0o644 } : spec;
    fs.writeFileSync(file, content);
    fs.chmodSync(file, mode);
  }
}

describe("build-and-push.sh against stub docker and aws", () => {
  let sandbox: StubSandbox;
  let context: string;
  let env: Record<string, string>;

  beforeAll(() => {
    sandbox = createStubSandbox();
    context = path.join(scratch, "script-context");
    writeTree(context, { Dockerfile: "FROM public.ecr.aws/docker/library/alpine:3.20\nCOPY . /app\n", "app.sh": "echo hi\n" });
    env = {
      REPOSITORY_URL: `${REGISTRY}/${REPO}`,
      IMAGE_TAG: TAG,
      PLATFORM: "linux/arm64",
      CONTEXT_DIR: context,
      AWS_REGION: "eu-central-1",
    };
  });
  afterAll(() => sandbox.cleanup());

  const run = (switches: StubSwitches = {}, tools?: readonly StubTool[], overrides: Record<string, string> = {}) =>
    sandbox.run(SCRIPT, { ...env, ...overrides }, { switches, tools });
  const commands = (calls: readonly StubCall[]) =>
    calls.map((c) => `${c.tool} ${c.argv.slice(0, c.argv[0] === "buildx" || c.argv[0] === "ecr" ? 2 : 1).join(" ")}`);

  test("the contract at the top of the script names exactly the variables the hook sets", () => {
    const text = fs.readFileSync(SCRIPT, "utf8");
    const header = text.slice(0, text.indexOf("set -euo pipefail"));
    const documented = [...header.matchAll(/^#\s+([A-Z][A-Z_]+)\s{2,}/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...BUILD_SCRIPT_ENV].sort());
    for (const name of BUILD_SCRIPT_ENV) expect(text).toContain(`${name}`);
    expect(fs.statSync(SCRIPT).mode & 0o111).not.toBe(0);
  });

  test("logs in, then builds and pushes with buildx for the platform and tag, one line per step", () => {
    const r = run();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(commands(r.calls)).toEqual([
      "docker info",
      "aws ecr get-login-password",
      "docker login",
      "aws ecr describe-images",
      "docker buildx version",
      "docker buildx build",
    ]);
    const login = r.calls[2];
    expect(login.argv).toEqual(["login", "--username", "AWS", "--password-stdin", REGISTRY]);
    expect(login.stdin).toBe(STUB_ECR_PASSWORD);
    expect(r.calls[1].argv).toEqual(["ecr", "get-login-password", "--region", "eu-central-1"]);
    expect(r.calls[3].argv).toEqual(
      expect.arrayContaining(["--repository-name", REPO, "--image-ids", `imageTag=${TAG}`, "--region", "eu-central-1"]),
    );
    const build = r.calls[5].argv;
    expect(build).toEqual([
      "buildx",
      "build",
      "--platform",
      "linux/arm64",
      "--file",
      path.join(context, "Dockerfile"),
      "--tag",
      IMAGE,
      "--provenance=false",
      "--push",
      context,
    ]);
    const steps = r.stdout.split("\n").filter((l) => /^image-build \[.*\]: \d\/5 /.test(l));
    expect(steps.map((l) => l.replace(/^.*?: (\d\/5) .*$/, "$1"))).toEqual(["1/5", "2/5", "3/5", "4/5", "5/5"]);
    expect(steps[4]).toContain(`${IMAGE} pushed (buildx)`);
  });

  test("without buildx it runs docker build, then docker push, with the same platform and tag", () => {
    const r = run({ STUB_NO_BUILDX: "1" });
    expect(r.code).toBe(0);
    expect(commands(r.calls)).toEqual([
      "docker info",
      "aws ecr get-login-password",
      "docker login",
      "aws ecr describe-images",
      "docker buildx version",
      "docker build",
      "docker push",
    ]);
    expect(r.calls[5].argv).toEqual([
      "build",
      "--platform",
      "linux/arm64",
      "--file",
      path.join(context, "Dockerfile"),
      "--tag",
      IMAGE,
      context,
    ]);
    expect(r.calls[6].argv).toEqual(["push", IMAGE]);
    expect(r.stdout).toContain("docker buildx not available");
  });

  test("a relative DOCKERFILE is taken relative to the context", () => {
    writeTree(context, { "docker/prod.Dockerfile": "FROM scratch\n" });
    const r = run({}, undefined, { DOCKERFILE: "docker/prod.Dockerfile" });
    expect(r.code).toBe(0);
    expect(r.calls.find((c) => c.argv[1] === "build")?.argv).toContain(path.join(context, "docker/prod.Dockerfile"));
  });

  test("a tag ECR already holds means no build and no push", () => {
    const r = run({ STUB_ECR_HAS_TAG: "1" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${IMAGE} already in ECR, build skipped`);
    expect(commands(r.calls)).toEqual(["docker info", "aws ecr get-login-password", "docker login", "aws ecr describe-images"]);
  });

  const failures: Array<{
    name: string;
    switches?: StubSwitches;
    tools?: StubTool[];
    env?: Record<string, string>;
    code: number;
    message: RegExp;
    after?: string;
  }> = [
    { name: "docker missing", tools: ["aws"], code: 3, message: /docker not found on PATH/ },
    { name: "aws missing", tools: ["docker"], code: 3, message: /aws \(AWS CLI\) not found on PATH/ },
    {
      name: "daemon down",
      switches: { STUB_DOCKER_DAEMON_DOWN: "1" },
      code: 4,
      message: /docker daemon is not reachable/,
      after: "docker info",
    },
    {
      name: "no AWS credentials",
      switches: { STUB_AWS_LOGIN_FAILS: "1" },
      code: 5,
      message: new RegExp(`login to ${REGISTRY} failed`),
      after: "docker login",
    },
    {
      name: "docker login refused",
      switches: { STUB_DOCKER_LOGIN_FAILS: "1" },
      code: 5,
      message: /login to .* failed/,
      after: "docker login",
    },
    {
      name: "ECR lookup denied",
      switches: { STUB_ECR_DESCRIBE_FAILS: "1" },
      code: 6,
      message: /cannot check ECR for .*AccessDeniedException/,
      after: "aws ecr describe-images",
    },
    {
      name: "buildx build fails",
      switches: { STUB_DOCKER_BUILD_FAILS: "1" },
      code: 7,
      message: /build of .*ctx-0123456789abcdef for linux\/arm64 failed \(docker buildx build exited 1\)/,
      after: "docker buildx build",
    },
    {
      name: "buildx push fails",
      switches: { STUB_DOCKER_PUSH_FAILS: "1" },
      code: 8,
      message: /push of .*ctx-0123456789abcdef failed \(docker buildx build --push exited 1\)/,
      after: "docker buildx build",
    },
    {
      name: "docker build fails",
      switches: { STUB_NO_BUILDX: "1", STUB_DOCKER_BUILD_FAILS: "1" },
      code: 7,
      message: /build of .* failed \(docker build exited 1\)/,
      after: "docker build",
    },
    {
      name: "docker push fails",
      switches: { STUB_NO_BUILDX: "1", STUB_DOCKER_PUSH_FAILS: "1" },
      code: 8,
      message: /push of .* failed \(docker push exited 1\)/,
      after: "docker push",
    },
    { name: "a variable is missing", env: { AWS_REGION: "", PLATFORM: "" }, code: 2, message: /missing environment: PLATFORM AWS_REGION/ },
    {
      name: "the tag is not a docker tag",
      env: { IMAGE_TAG: "-bad:tag" },
      code: 2,
      message: /IMAGE_TAG '-bad:tag' is not a valid docker tag/,
    },
    {
      name: "the Dockerfile is missing",
      env: { DOCKERFILE: "nope.Dockerfile" },
      code: 2,
      message: /Dockerfile '.*nope\.Dockerfile' does not exist/,
    },
  ];

  test.each(failures)(
    "$name: exit $code with its message, nothing after the failing step",
    ({ switches, tools, env: overrides, code, message, after }) => {
      const r = run(switches, tools, overrides);
      expect(r.code).toBe(code);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("image-build") && l.includes("ERROR:"));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      expect(r.stdout).not.toContain("pushed");
      const cmds = commands(r.calls);
      if (after) expect(cmds[cmds.length - 1]).toBe(after);
      else expect(cmds.filter((c) => c.startsWith("docker b") || c === "docker push")).toEqual([]);
    },
  );

  test("buildx failure lines are told apart: a build failure is never reported as a push failure", () => {
    const r = run({ STUB_DOCKER_BUILD_FAILS: "1" });
    expect(r.stderr).not.toMatch(/ERROR: push of/);
  });

  test("the registry password is never in any argv or output, only on docker login's stdin", () => {
    const password = "s3cret-Token_from-ecr+/=";
    const runs = [
      run({ STUB_ECR_PASSWORD: password }),
      run({ STUB_ECR_PASSWORD: password, STUB_NO_BUILDX: "1" }),
      run({ STUB_ECR_PASSWORD: password, STUB_ECR_HAS_TAG: "1" }),
      run({ STUB_ECR_PASSWORD: password, STUB_DOCKER_PUSH_FAILS: "1" }),
    ];
    const calls = runs.flatMap((r) => r.calls);
    expect(calls.length).toBeGreaterThan(20);
    for (const c of calls) {
      for (const arg of c.argv) expect(arg).not.toContain(password);
      if (c.stdin !== null) expect(c.argv.slice(0, 1)).toEqual(["login"]);
    }
    const logins = calls.filter((c) => c.tool === "docker" && c.argv[0] === "login");
    expect(logins).toHaveLength(runs.length);
    for (const l of logins) expect(l.stdin).toBe(password);
    for (const r of runs) expect(r.stdout + r.stderr).not.toContain(password);
  });
});

describe("contextHash", () => {
  const DOCKERIGNORE = [
    "# build output and dependencies",
    "node_modules",
    "*.log",
    "!keep.log",
    "**/__pycache__",
    "/secret.env",
    "docs/",
    "!docs/README.md",
    "  # an indented hash is a pattern, not a comment",
    "",
  ].join("\n");
  const TREE = {
    Dockerfile: "FROM python:3.12-slim\nCOPY . /app\n",
    ".dockerignore": DOCKERIGNORE,
    "src/app.py": "print('ingest')\n",
    "src/run.sh": { content: "#!/bin/sh\nexec python app.py\n", mode: 0o755 },
    "src/secret.env": "NOT_SECRET=1\n",
    "keep.log": "kept\n",
    "docs/README.md": "# docs\n",
  };
  let n = 0;
  const freshContext = (extra: Record<string, string | { content: string; mode: number }> = {}) => {
    const dir = path.join(scratch, `ctx-${++n}`, "checkout", "images", "ingest");
    writeTree(dir, { ...TREE, ...extra });
    return dir;
  };
  const hashOf = (dir: string, platform = "linux/amd64") => contextHash({ contextDir: dir, platform });
  let base: string;
  let baseHash: string;
  beforeAll(() => {
    base = freshContext();
    baseHash = hashOf(base);
  });

  test("lists exactly the files Docker would send, in byte order", () => {
    writeTree(base, {
      "node_modules/x/index.js": "x",
      "build.log": "noise",
      "src/__pycache__/app.pyc": "pyc",
      "secret.env": "S=1",
      "docs/guide.md": "g",
    });
    const d = contextDigest({ contextDir: base, platform: "linux/amd64" });
    expect(d.files).toEqual([".dockerignore", "Dockerfile", "docs/README.md", "keep.log", "src/app.py", "src/run.sh", "src/secret.env"]);
    expect(d.ignoreFile).toBe(".dockerignore");
    expect(d.hash).toBe(baseHash);
  });

  test("is the same for two checkouts in different directories with different mtimes", () => {
    const other = freshContext();
    const old = new Date("2001-02-03T04:05:06Z");
    for (const f of ["Dockerfile", "src/app.py", "src/run.sh", "keep.log"]) fs.utimesSync(path.join(other, f), old, old);
    expect(other).not.toBe(base);
    expect(hashOf(other)).toBe(baseHash);
    expect(contextTag({ contextDir: other, platform: "linux/amd64" })).toBe(contextTag({ contextDir: base, platform: "linux/amd64" }));
  });

  test("does not depend on the order the filesystem lists entries in", () => {
    const dir = path.join(scratch, "order-b");
    // Created in reverse order, so directory listing order differs where the filesystem keeps it.
    writeTree(dir, Object.fromEntries(Object.entries(TREE).reverse()));
    expect(hashOf(dir)).toBe(baseHash);
  });

  test.each([
    ["a file's content changes", { "src/app.py": "print('changed')\n" }],
    ["a file is added", { "src/extra.py": "x = 1\n" }],
    ["the executable bit changes", { "src/run.sh": { content: "#!/bin/sh\nexec python app.py\n", mode: 0o644 } }],
    ["the Dockerfile changes", { Dockerfile: "FROM python:3.13-slim\nCOPY . /app\n" }],
    ["a re-included (!) file changes", { "keep.log": "kept, changed\n" }],
    ["a re-included file below an excluded directory changes", { "docs/README.md": "# docs v2\n" }],
    ["a file that only matches the root-anchored pattern's name elsewhere changes", { "src/secret.env": "NOT_SECRET=2\n" }],
    ["the .dockerignore changes", { ".dockerignore": `${DOCKERIGNORE}extra\n` }],
  ])("changes when %s", (_what, extra) => {
    expect(hashOf(freshContext(extra))).not.toBe(baseHash);
  });

  test("changes when the platform changes", () => {
    expect(hashOf(base, "linux/arm64")).not.toBe(baseHash);
    expect(hashOf(base, "linux/arm/v7")).not.toBe(hashOf(base, "linux/arm64"));
  });

  test.each([
    ["node_modules", { "node_modules/pkg/index.js": "module.exports = 1" }],
    ["*.log", { "debug.log": "noise" }],
    ["**/__pycache__ at any depth", { "src/deep/__pycache__/m.pyc": "pyc", "__pycache__/top.pyc": "pyc" }],
    ["/secret.env at the root", { "secret.env": "TOKEN=abc" }],
    ["docs/ apart from the re-included README", { "docs/guide.md": "guide", "docs/img/a.png": "png" }],
    ["an indented # line as a pattern", { "# an indented hash is a pattern, not a comment": "x" }],
  ])("ignores what .dockerignore excludes: %s", (_what, extra) => {
    expect(hashOf(freshContext(extra))).toBe(baseHash);
  });

  test("a Dockerfile-specific ignore file next to the Dockerfile wins over .dockerignore", () => {
    const dir = freshContext({ "prod.Dockerfile": "FROM scratch\n", "prod.Dockerfile.dockerignore": "src\n" });
    const d = contextDigest({ contextDir: dir, dockerfile: "prod.Dockerfile", platform: "linux/amd64" });
    expect(d.ignoreFile).toBe("prod.Dockerfile.dockerignore");
    expect(d.files).not.toContain("src/app.py");
    expect(d.files).toContain("keep.log");
    expect(d.files).toEqual(expect.arrayContaining(["prod.Dockerfile", "prod.Dockerfile.dockerignore", "Dockerfile", ".dockerignore"]));
  });

  test("the Dockerfile and the ignore file count even when the ignore file excludes them", () => {
    const dir = freshContext({ ".dockerignore": "Dockerfile\n.dockerignore\n**/*.py\n" });
    const d = contextDigest({ contextDir: dir, platform: "linux/amd64" });
    expect(d.files).toEqual(expect.arrayContaining(["Dockerfile", ".dockerignore"]));
    expect(d.files).not.toContain("src/app.py");
  });

  test("a Dockerfile outside the context counts by content", () => {
    const dir = freshContext();
    const outside = path.join(scratch, `outside-${n}.Dockerfile`);
    fs.writeFileSync(outside, "FROM scratch\n");
    const a = contextHash({ contextDir: dir, dockerfile: outside, platform: "linux/amd64" });
    fs.writeFileSync(outside, "FROM scratch\nLABEL v=2\n");
    expect(contextHash({ contextDir: dir, dockerfile: outside, platform: "linux/amd64" })).not.toBe(a);
  });

  test("symlinks count by target and are not followed", () => {
    const a = freshContext();
    fs.symlinkSync("src/app.py", path.join(a, "link.py"));
    const b = freshContext();
    fs.symlinkSync("src/run.sh", path.join(b, "link.py"));
    expect(hashOf(a)).not.toBe(baseHash);
    expect(hashOf(a)).not.toBe(hashOf(b));
    expect(contextDigest({ contextDir: a, platform: "linux/amd64" }).files).toContain("link.py");
  });

  test("the format is pinned: a known context has a known hash (a change would rebuild every image)", () => {
    const dir = path.join(scratch, "golden");
    writeTree(dir, {
      Dockerfile: "FROM scratch\nCOPY hello /\n",
      hello: { content: "hello\n", mode: 0o755 },
      ".dockerignore": "*.tmp\n",
      "x.tmp": "ignored",
    });
    const d = contextDigest({ contextDir: dir, platform: "linux/amd64" });
    expect(d.files).toEqual([".dockerignore", "Dockerfile", "hello"]);
    expect(d.hash).toBe("f630f630bb97b44fc24200de115edf778cbab7572d9c677c5e338d858cb9f433");
    expect(d.tag).toBe(`ctx-${d.hash.slice(0, 16)}`);
  });

  test("the tag is a valid docker tag: ctx- and 16 hex digits", () => {
    const tag = contextTag({ contextDir: base, platform: "linux/amd64" });
    expect(tag).toMatch(/^ctx-[0-9a-f]{16}$/);
    expect(tag).toMatch(DOCKER_TAG);
    expect(tagForHash(baseHash)).toBe(tag);
    expect(() => tagForHash("abc")).toThrow("not a sha256 hex digest: abc");
  });

  test.each([
    [{ contextDir: "/nonexistent/ctx", platform: "linux/amd64" }, "image build context /nonexistent/ctx is not a directory"],
    [{ contextDir: ".", platform: "amd64" }, 'image platform "amd64" is not os/arch[/variant], e.g. linux/amd64'],
    [{ contextDir: ".", platform: "linux/amd64", dockerfile: "no.Dockerfile" }, "no.Dockerfile does not exist (context .)"],
  ])("fails with one clear line on bad input %#", (input, message) => {
    expect(() => contextHash(input)).toThrow(message);
  });
});

describe("DockerIgnore (Docker's .dockerignore rules)", () => {
  const cases: Array<[string, string, boolean]> = [
    ["foo", "foo", true],
    ["foo", "foo/bar/baz.txt", true],
    ["foo", "a/foo", false],
    ["/foo", "foo/x", true],
    ["foo/", "foo/x", true],
    ["*.md", "README.md", true],
    ["*.md", "docs/README.md", false],
    ["*/*.md", "docs/README.md", true],
    ["**/*.md", "README.md", true],
    ["**/*.md", "a/b/c/README.md", true],
    ["a/**/z", "a/z", true],
    ["a/**/z", "a/b/c/z", true],
    ["a/**", "a/b/c", true],
    ["a/**", "ab/c", false],
    ["?.txt", "a.txt", true],
    ["?.txt", "ab.txt", false],
    ["[a-c].txt", "b.txt", true],
    ["[!a-c].txt", "b.txt", false],
    ["[!a-c].txt", "d.txt", true],
    ["file.(1)", "file.(1)", true],
    ["file.txt", "fileXtxt", false],
    ["\\*.txt", "*.txt", true],
    ["\\*.txt", "a.txt", false],
    ["./build/../dist", "dist/app.js", true],
    ["*\n!keep", "keep", false],
    ["*\n!keep", "other", true],
    ["docs\n!docs/README.md", "docs/README.md", false],
    ["docs\n!docs/README.md", "docs/guide.md", true],
    ["!a.txt\n*.txt", "a.txt", true],
    ["*.txt\n!a.txt\na.txt", "a.txt", true],
    ["# comment\nfoo", "# comment", false],
    ["\uFEFFfoo\r\nbar\r\n", "bar", true],
    ["\uFEFFfoo\r\nbar\r\n", "foo", true],
  ];
  test.each(cases)("%j on %j excludes: %s", (text, file, excluded) => {
    expect(DockerIgnore.fromText(text).excludes(file)).toBe(excluded);
  });

  test("an excluded directory is walked only when a ! pattern could reach into it", () => {
    const ig = DockerIgnore.fromText("node_modules\ndocs\n!docs/README.md\n");
    expect(ig.mayReincludeUnder("node_modules")).toBe(false);
    expect(ig.mayReincludeUnder("docs")).toBe(true);
    expect(DockerIgnore.fromText("vendor\n!**/LICENSE\n").mayReincludeUnder("vendor")).toBe(true);
  });

  test("a lone ! and an unclosed [ are errors that name the line", () => {
    expect(() => DockerIgnore.fromText("ok\n!\n", "ctx/.dockerignore")).toThrow('ctx/.dockerignore:2: "!" needs a pattern after it');
    expect(() => DockerIgnore.fromText("[abc\n")).toThrow('.dockerignore:1: bad pattern "[abc": unclosed [');
  });
});
