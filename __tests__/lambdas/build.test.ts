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
    const first = bundleLambda(entry, path.join(workdir, name, "a"));
    const second = bundleLambda(path.relative(process.cwd(), entry), path.join(workdir, name, "b"));
    const bytes = fs.readFileSync(first.file);
    expect(fs.readFileSync(second.file).equals(bytes)).toBe(true);
    expect(path.basename(first.file)).toBe("index.js");
    expect(first.sha256).toBe(second.sha256);
    expect(first.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  test("the bundle holds the AWS SDK, no machine paths, and loads with a handler export", () => {
    const { file } = bundleLambda(entry, path.join(workdir, name, "load"));
    const text = fs.readFileSync(file, "utf8");
    expect(text).not.toMatch(/require\("@aws-sdk\/(client|lib)-/);
    expect(text).toContain("PostToConnectionCommand");
    expect(text).not.toContain(ROOT);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the artifact exactly as the runtime does
    const loaded = require(file) as { handler?: unknown };
    expect(typeof loaded.handler).toBe("function");
  });
});

test("a source change changes the hash", () => {
  const dir = path.join(workdir, "change-src");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), "{}\n");
  const entry = path.join(dir, "index.ts");
  fs.writeFileSync(entry, 'export const handler = async () => "a";\n');
  const a = bundleLambda(entry, path.join(workdir, "change", "a"));
  fs.writeFileSync(entry, 'export const handler = async () => "b";\n');
  const b = bundleLambda(entry, path.join(workdir, "change", "b"));
  expect(a.sha256).not.toBe(b.sha256);
});
