import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
let project: string;

/** A small project laid out like this one: the real build script and tsconfigs, its own sources, our node_modules. */
beforeEach(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "build-script-"));
  fs.mkdirSync(path.join(project, "scripts"));
  fs.copyFileSync(path.join(ROOT, "scripts", "build.js"), path.join(project, "scripts", "build.js"));
  fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(project, "tsconfig.json"));
  fs.writeFileSync(
    path.join(project, "tsconfig.build.json"),
    JSON.stringify({ extends: "./tsconfig.json", include: ["main.ts", "lib/**/*.ts"] }),
  );
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"));
  write("lib/greet.ts", "export const greet = (who: string): string => `hello ${who}`;\n");
  write("main.ts", 'import { greet } from "./lib/greet";\nconsole.log(greet(process.argv.slice(2).join(" ")), require.main === module);\n');
});
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
  fs.writeFileSync(path.join(project, rel), text);
}

const build = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(project, "scripts", "build.js"), ...args], { cwd: project, encoding: "utf8" });

test("a fresh clone builds on the first run, then the app runs as the main module with its arguments", () => {
  const r = build("--then", "dist/main.js", "a", "b");
  expect(r.stderr).toMatch(/^build: dist\/ transpiled in \d+ ms\n$/);
  expect(r.stdout).toBe("hello a b true\n");
  expect(r.status).toBe(0);
});

test("unchanged sources: no transpile and nothing printed; a changed, added or lost file transpiles again", () => {
  expect(build().status).toBe(0);
  const output = path.join(project, "dist", "lib", "greet.js");
  const before = fs.statSync(output).mtimeMs;
  const again = build();
  expect([again.status, again.stdout, again.stderr]).toEqual([0, "", ""]);
  expect(fs.statSync(output).mtimeMs).toBe(before);

  write("lib/greet.ts", "export const greet = (who: string): string => `hi ${who}`;\n");
  expect(build().stderr).toContain("transpiled");
  expect(build("--then", "dist/main.js", "c").stdout).toBe("hi c true\n");

  write("lib/extra/more.ts", "export const more = 1;\n");
  expect(build().stderr).toContain("transpiled");
  expect(fs.existsSync(path.join(project, "dist", "lib", "extra", "more.js"))).toBe(true);

  fs.rmSync(output);
  expect(build().stderr).toContain("transpiled");
  expect(fs.existsSync(output)).toBe(true);
});

test("a syntax error fails the build with esbuild's message and leaves the stamp alone", () => {
  expect(build().status).toBe(0);
  write("lib/greet.ts", "export const greet = (;\n");
  const r = build("--then", "dist/main.js");
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("lib/greet.ts");
  expect(r.stdout).toBe("");
  expect(build().status).toBe(1);
});

test("an include pattern it cannot read is one clear line", () => {
  fs.writeFileSync(path.join(project, "tsconfig.build.json"), JSON.stringify({ include: ["src/*.ts"] }));
  const r = build();
  expect(r.status).toBe(1);
  expect(r.stderr.trim().split("\n")).toEqual([
    expect.stringMatching(
      /^build: .*tsconfig\.build\.json: include pattern "src\/\*\.ts" is not supported; use a file name or dir\/\*\*\/\*\.ts$/,
    ),
  ]);
});

test("cdktf.json's app and npm run build, synth use it", () => {
  const cdktf = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")) as { app: string };
  const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  expect(cdktf.app).toBe("node scripts/build.js --then dist/main.js");
  expect(scripts.build).toBe("node scripts/build.js");
  expect(scripts.synth).toBe(cdktf.app);
});
