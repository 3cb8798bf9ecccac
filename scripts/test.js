#!/usr/bin/env node
// npm test: type check, lint, jest and the terraform tier, run at the same time instead of one after
// another. They share no files, and run serially each left a core idle (tsc and eslint use one,
// the terraform tier waits on provider start-up), so together they finish sooner on 2 cores.
// Each part's output is printed whole when it ends, then one line per part; exit 1 if any failed.
//   node scripts/test.js [jest arguments]   e.g. npm test -- -u __tests__/stacks/core.test.ts (every part still runs)
// Plain JavaScript on purpose: it starts before anything is compiled.
"use strict";
const { spawn } = require("child_process");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const bin = (name) => path.join(ROOT, "node_modules", ".bin", name);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Each part is a list of commands run in order; the part stops at the first that fails. */
const PARTS = [
  { name: "jest", steps: [[bin("jest"), ...process.argv.slice(2)]] },
  { name: "typecheck", steps: [[npm, "run", "--silent", "typecheck"]] },
  { name: "lint", steps: [[npm, "run", "--silent", "lint"]] },
  {
    name: "terraform",
    steps: [
      [npm, "run", "--silent", "build"],
      [process.execPath, path.join(ROOT, "dist", "scripts", "terraform-validate.js")],
    ],
  },
];

const children = new Set();

function runStep([cmd, ...args]) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: process.env });
    children.add(child);
    const chunks = [];
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding("utf8");
      stream.on("data", (text) => chunks.push(text));
    }
    child.on("error", (e) => chunks.push(`${cmd}: ${e.message}\n`));
    child.on("close", (code, signal) => {
      children.delete(child);
      resolve({ code: code ?? (signal ? 1 : 0), output: chunks.join("") });
    });
  });
}

async function runPart(part) {
  const started = Date.now();
  let output = "";
  for (const step of part.steps) {
    const r = await runStep(step);
    output += r.output;
    if (r.code !== 0) return { ...part, ok: false, output, failedStep: step, secs: (Date.now() - started) / 1000 };
  }
  return { ...part, ok: true, output, secs: (Date.now() - started) / 1000 };
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    for (const child of children) child.kill(signal);
    process.exit(130);
  });
}

async function main() {
  const started = Date.now();
  const results = await Promise.all(
    PARTS.map((part) =>
      runPart(part).then((r) => {
        process.stdout.write(`\n=== npm test: ${r.name} ${r.ok ? "ok" : "FAILED"} (${r.secs.toFixed(0)} s)\n${r.output}`);
        return r;
      }),
    ),
  );
  process.stdout.write("\n");
  for (const r of results) {
    const how = r.ok
      ? "ok"
      : `FAILED: ${path.basename(r.failedStep[0])} ${r.failedStep.slice(1).join(" ")} exited non-zero (its output is above)`;
    process.stdout.write(`npm test: ${r.name} ${how}, ${r.secs.toFixed(0)} s\n`);
  }
  const failed = results.filter((r) => !r.ok).map((r) => r.name);
  process.stdout.write(
    `npm test: ${failed.length ? `FAILED (${failed.join(", ")})` : "all parts passed"} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  return failed.length ? 1 : 0;
}

main().then((code) => process.exit(code));
