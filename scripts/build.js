#!/usr/bin/env node
// npm run build, and cdktf.json's app: transpiles the app's TypeScript (tsconfig.build.json's `include`)
// to dist/ with esbuild, one .js per .ts, when a content hash of the sources says dist/ is stale.
// Type checking stays in `npm test` (npm run typecheck); this only strips types, so synth takes about
// a second instead of a full tsc run.
//   node scripts/build.js                      build if stale
//   node scripts/build.js --then dist/main.js  build if stale, then run that file as the main module
// Plain JavaScript on purpose: it must run before anything is compiled.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const OUT_DIR = path.join(ROOT, "dist");
const STAMP = path.join(OUT_DIR, ".build-stamp");
const TSCONFIG = path.join(ROOT, "tsconfig.build.json");

const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");

/** tsconfig.build.json's `include`: plain file names and `dir/**\/*.ts` patterns are all it uses. */
function sourceFiles() {
  const files = [];
  for (const pattern of readJson(TSCONFIG).include) {
    const tree = /^([\w.-]+(?:\/[\w.-]+)*)\/\*\*\/\*\.ts$/.exec(pattern);
    if (tree) files.push(...tsFilesUnder(tree[1]));
    else if (/^[\w.-]+(?:\/[\w.-]+)*\.ts$/.test(pattern)) files.push(pattern);
    else throw new Error(`build: ${TSCONFIG}: include pattern ${JSON.stringify(pattern)} is not supported; use a file name or dir/**/*.ts`);
  }
  return [...new Set(files)].sort();
}

function tsFilesUnder(dir) {
  const found = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory() && entry.name !== "node_modules") found.push(...tsFilesUnder(rel));
    else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) found.push(rel);
  }
  return found;
}

/** What decides dist/: every source's content, the compiler settings, esbuild's version and this script. */
function inputsHash(files) {
  const hash = crypto.createHash("sha256");
  hash.update(`esbuild ${readJson(require.resolve("esbuild/package.json")).version}\n`);
  for (const file of [__filename, TSCONFIG, path.join(ROOT, "tsconfig.json")])
    hash.update(`${path.basename(file)} ${sha256(fs.readFileSync(file))}\n`);
  for (const file of files) hash.update(`${file} ${sha256(fs.readFileSync(path.join(ROOT, file)))}\n`);
  return hash.digest("hex");
}

function upToDate(stamp, files) {
  try {
    return fs.readFileSync(STAMP, "utf8") === stamp && files.every((f) => fs.existsSync(path.join(OUT_DIR, f.replace(/\.ts$/, ".js"))));
  } catch {
    return false;
  }
}

function writeAtomic(file, contents) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

/** Returns true when it transpiled, false when dist/ was already current. */
async function build() {
  const files = sourceFiles();
  const stamp = inputsHash(files);
  if (upToDate(stamp, files)) return false;
  const esbuild = require("esbuild");
  const target = String(readJson(path.join(ROOT, "tsconfig.json")).compilerOptions.target).toLowerCase();
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: files,
    outdir: OUT_DIR,
    outbase: ROOT,
    bundle: false,
    platform: "node",
    format: "cjs",
    target,
    sourcemap: false,
    logLevel: "warning",
    write: false,
  });
  // File by file through a rename, so a synth running meanwhile never loads a half-written module.
  for (const out of result.outputFiles) writeAtomic(out.path, out.contents);
  writeAtomic(STAMP, stamp);
  return true;
}

async function main(argv) {
  const then = argv.indexOf("--then");
  const target = then >= 0 ? argv[then + 1] : undefined;
  if (then >= 0 && !target) throw new Error("build: --then needs the file to run, e.g. --then dist/main.js");
  const started = process.hrtime.bigint();
  // stderr, and only when it did something: operator commands' stdout may be piped (npm run state ... | jq).
  if (await build()) process.stderr.write(`build: dist/ transpiled in ${Math.round(Number(process.hrtime.bigint() - started) / 1e6)} ms\n`);
  if (!target) return;
  // The file runs as if started with `node <file> <args after it>`: its own require.main, argv and __dirname.
  process.argv = [process.argv[0], path.resolve(ROOT, target), ...argv.slice(then + 2)];
  require("module").runMain();
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`build: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

module.exports = { build, sourceFiles };
