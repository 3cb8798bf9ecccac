import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createHash } from "crypto";
import { bundleLambda } from "../../lambdas/build";
import { ROOT } from "../helpers/synth";

const HANDLERS = ["connection-handler", "results-pusher"];
let workdir: string;

beforeAll(() => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), "lambda-bundle-"));
});
afterAll(() => fs.rmSync(workdir, { recursive: true, force: true }));

describe.each(HANDLERS)("%s", (name) => {
  const entry = path.join(ROOT, "lambdas", name, "index.ts");

  test("two builds are byte-identical, and sha256 is the hash of the written file", () => {
    const first = bundleLambda(entry, path.join(workdir, name, "a"), null);
    const second = bundleLambda(path.relative(process.cwd(), entry), path.join(workdir, name, "b"), null);
    const bytes = fs.readFileSync(first.file);
    expect(fs.readFileSync(second.file).equals(bytes)).toBe(true);
    expect(path.basename(first.file)).toBe("index.js");
    expect(first.sha256).toBe(second.sha256);
    expect(first.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  test("a cached bundle is byte-identical to a fresh build, and the second lookup runs no esbuild", () => {
    const cache = path.join(workdir, name, "cache");
    const fresh = bundleLambda(entry, path.join(workdir, name, "fresh"), null);
    const cold = bundleLambda(entry, path.join(workdir, name, "cold"), cache);
    const warm = bundleLambda(entry, path.join(workdir, name, "warm"), cache);
    expect([fresh.cached, cold.cached, warm.cached]).toEqual([false, false, true]);
    expect(fs.readFileSync(warm.file).equals(fs.readFileSync(fresh.file))).toBe(true);
    expect(fs.readFileSync(cold.file).equals(fs.readFileSync(fresh.file))).toBe(true);
    expect(warm.sha256).toBe(fresh.sha256);
  });

  test("the bundle holds the AWS SDK, no machine paths, and loads with a handler export", () => {
    const { file } = bundleLambda(entry, path.join(workdir, name, "load"), null);
    const text = fs.readFileSync(file, "utf8");
    expect(text).not.toMatch(/require\("@aws-sdk\/(client|lib)-/);
    expect(text).toContain("PostToConnectionCommand");
    expect(text).not.toContain(ROOT);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the artifact exactly as the runtime does
    const loaded = require(file) as { handler?: unknown };
    expect(typeof loaded.handler).toBe("function");
  });
});

describe("the bundle cache misses whenever an input changed", () => {
  let pkg: string;
  let cache: string;
  let run = 0;
  const bundle = () => bundleLambda(path.join(pkg, "src", "index.ts"), path.join(workdir, "out", String(++run)), cache);
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(pkg, rel)), { recursive: true });
    fs.writeFileSync(path.join(pkg, rel), text);
  };

  beforeEach(() => {
    pkg = fs.mkdtempSync(path.join(workdir, "pkg-"));
    cache = path.join(pkg, "cache");
    write("package.json", "{}\n");
    write("package-lock.json", '{"lockfileVersion": 3}\n');
    write("src/index.ts", 'import { word } from "./dep";\nexport const handler = async () => word;\n');
    write("src/dep.ts", 'export const word = "a";\n');
    expect(bundle().cached).toBe(false);
    expect(bundle().cached).toBe(true);
  });

  test("an imported source's content", () => {
    const before = bundle();
    write("src/dep.ts", 'export const word = "b";\n');
    const after = bundle();
    expect(after.cached).toBe(false);
    expect(after.sha256).not.toBe(before.sha256);
    expect(fs.readFileSync(after.file, "utf8")).toContain('"b"');
    expect(bundle().cached).toBe(true);
  });

  test("a new file beside an import, which can change what the import resolves to", () => {
    write("src/dep/index.ts", 'export const word = "c";\n');
    expect(bundle().cached).toBe(false);
  });

  test("the lockfile", () => {
    write("package-lock.json", '{"lockfileVersion": 3, "packages": {}}\n');
    expect(bundle().cached).toBe(false);
  });

  test("a torn or edited bundle in the cache is rebuilt, never served", () => {
    const good = bundle();
    const [slot] = fs.readdirSync(cache);
    fs.writeFileSync(path.join(cache, slot, `${good.sha256}.js`), "module.exports = {};\n");
    const rebuilt = bundle();
    expect(rebuilt.cached).toBe(false);
    expect(rebuilt.sha256).toBe(good.sha256);
  });

  test("a cache that cannot be read or written only costs the esbuild run", () => {
    fs.rmSync(cache, { recursive: true });
    fs.writeFileSync(cache, "not a directory\n");
    const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const r = bundle();
      expect(r.cached).toBe(false);
      expect(fs.readFileSync(r.file, "utf8")).toContain('"a"');
      expect(spy.mock.calls.map((c) => String(c[0])).join("")).toMatch(/^warning: lambda bundle cache .* not written: /);
    } finally {
      spy.mockRestore();
    }
  });
});
