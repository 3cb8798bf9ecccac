/**
 * Lists every environment variable read in the app's services at a commit, and how each compares
 * with the checked-in contract (config/app-contract.ts):
 *   npm run app-contract -- <clone or bare git dir of anzo-p/stream-lines> [commit]
 * Reads found: Rust env::var, Scala sys.env, process.env and import.meta.env. Exit 0 when every read
 * is in the contract and every contract variable was found; 1 otherwise (the lines say which).
 * help/app-contract.md says how to refresh the contract with it.
 */
import { spawnSync } from "child_process";
import { APP_COMMIT, APP_CONTRACT, ServiceContract, VariableContract } from "../config/app-contract";
import { SERVICE_NAMES, ServiceName } from "../config/schema";

export interface Read {
  readonly service: ServiceName;
  readonly name: string;
  /** `file:line` at the commit. */
  readonly source: string;
  readonly kind: "env::var" | "sys.env" | "process.env" | "import.meta.env";
}

const READS: ReadonlyArray<{ kind: Read["kind"]; pattern: RegExp }> = [
  { kind: "env::var", pattern: /\benv::var(?:_os)?\(\s*"([A-Za-z_][A-Za-z0-9_]*)"/g },
  { kind: "sys.env", pattern: /\bsys\.env(?:\.(?:get|getOrElse|getOrThrow|apply))?\(\s*"([A-Za-z_][A-Za-z0-9_]*)"/g },
  { kind: "process.env", pattern: /\bprocess\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\])/g },
  { kind: "import.meta.env", pattern: /\bimport\.meta\.env\.([A-Za-z_][A-Za-z0-9_]*)/g },
];
/** Vite's own flags, not settings (vitejs.dev/guide/env-and-mode). */
const VITE_BUILT_INS = new Set(["SSR", "DEV", "PROD", "MODE", "BASE_URL"]);
/** What `git grep` must find first; the READS patterns then pick the names. */
export const GREP_PATTERN = "env::var|sys\\.env|process\\.env|import\\.meta\\.env";

/** Reads in `git grep -n` output lines (`<commit>:<file>:<line>:<text>`). */
export function readsIn(grepLines: readonly string[]): Read[] {
  const reads: Read[] = [];
  for (const line of grepLines) {
    const m = /^[^:]+:([^:]+):(\d+):(.*)$/.exec(line);
    if (!m) continue;
    const [, file, lineNo, text] = m;
    const service = SERVICE_NAMES.find((s) => file.startsWith(`${s}/`));
    if (!service) continue;
    for (const { kind, pattern } of READS) {
      for (const found of text.matchAll(pattern)) {
        const name = found[1] ?? found[2];
        if (kind === "import.meta.env" && VITE_BUILT_INS.has(name)) continue;
        reads.push({ service, name, source: `${file}:${lineNo}`, kind });
      }
    }
  }
  return reads;
}

/** One line per read and per contract variable no read was found for; `ok` when they agree. */
export function compare(
  reads: readonly Read[],
  contract: Readonly<Record<ServiceName, ServiceContract>> = APP_CONTRACT,
): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  let ok = true;
  for (const service of SERVICE_NAMES) {
    const c = contract[service];
    const variables = Object.values<VariableContract>(c.variables);
    const mine = reads.filter((r) => r.service === service);
    lines.push(`${service}: ${mine.length} read(s)`);
    for (const r of mine) {
      const known = variables.find((v) => v.name === r.name);
      const build = c.buildTime.find((b) => b.name === r.name);
      const never = c.neverRead?.find((n) => n.name === r.name);
      let verdict: string;
      if (known)
        verdict = `contract: ${known.required ? "required" : "optional"}, ${known.supply}${known.source === r.source ? "" : ` (contract cites ${known.source})`}`;
      else if (build) verdict = "contract: build time";
      else if (never) verdict = `contract: never read (${never.why})`;
      else {
        verdict = "NOT IN THE CONTRACT";
        ok = false;
      }
      lines.push(`  ${r.name.padEnd(26)} ${r.source.padEnd(64)} ${r.kind.padEnd(15)} ${verdict}`);
    }
    // Variables read outside the app's code (the JVM, adapter-node, the AWS SDKs) cite a file with no read.
    for (const v of variables.filter(
      (v) =>
        !mine.some((r) => r.name === v.name) &&
        /\.(rs|scala|ts|js|svelte):\d+$/.test(v.source) &&
        !/Dockerfile|svelte\.config/.test(v.source) &&
        v.supply !== "platform",
    )) {
      lines.push(`  ${v.name.padEnd(26)} ${v.source.padEnd(64)} ${"".padEnd(15)} IN THE CONTRACT, BUT NO READ FOUND`);
      ok = false;
    }
  }
  return { lines, ok };
}

function main(argv: readonly string[]): number {
  const [gitDir, commit = APP_COMMIT] = argv;
  if (!gitDir) {
    process.stderr.write("usage: npm run app-contract -- <clone or bare git dir of anzo-p/stream-lines> [commit]\n");
    return 2;
  }
  const grep = spawnSync(
    "git",
    [
      "-C",
      gitDir,
      "grep",
      "-n",
      "-E",
      GREP_PATTERN,
      commit,
      "--",
      ...SERVICE_NAMES.map((s) => `${s}/`),
      ":!*.lock",
      ":!*package-lock.json",
    ],
    { encoding: "utf8" },
  );
  if (grep.status !== 0 && grep.status !== 1) {
    process.stderr.write(`app-contract: git grep in ${gitDir} at ${commit} failed: ${grep.stderr.trim()}\n`);
    return 2;
  }
  const { lines, ok } = compare(readsIn(grep.stdout.split("\n")));
  process.stdout.write(`app-contract: reads at ${commit} against the contract of ${APP_COMMIT}\n${lines.join("\n")}\n`);
  process.stdout.write(
    ok
      ? "app-contract: the contract lists every read\n"
      : "app-contract: the contract and the code differ; update config/app-contract.ts (help/app-contract.md)\n",
  );
  return ok ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
