import * as fs from "fs";
import * as path from "path";
import { main } from "../../scripts/publish-dashboard";
import { StateBucketCheck } from "../../scripts/lib/state-bucket";
import { ROOT } from "./synth";

/** A Vite build's files, each published. */
export const BUILD: Record<string, string> = {
  "index.html": "<!doctype html><script type=module src=/assets/index-B4VmqMlx.js></script>",
  "about.html": "<!doctype html><p>about</p>",
  "assets/index-B4VmqMlx.js": "console.log('dashboard')",
  "assets/index-Cq1w_e3r.css": "body{margin:0}",
  "assets/logo-a1B2c3D4.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
  "favicon.ico": "\u0000\u0000\u0001\u0000",
  "robots.txt": "User-agent: *",
  "manifest.webmanifest": "{}",
};
/** Build files that must not reach the bucket by default. */
export const NOT_PUBLISHED: Record<string, string> = {
  ".env": "VITE_SECRET=do-not-publish",
  ".git/config": "[core]",
  "assets/index-B4VmqMlx.js.map": '{"version":3,"sources":["src/secret-sauce.ts"]}',
};
export const SETTINGS = { graphqlUrl: "https://d1.cloudfront.net/graphql", websocketUrl: "wss://d1.cloudfront.net/live" };

/**
 * Runs the CLI with a config file and captures its stdout lines and stderr text. The state bucket check
 * (scripts/lib/state-bucket.ts, tested with the deploy scripts) passes unless the test gives its own.
 */
export async function runPublish(
  argv: string[],
  configFile: string,
  root = ROOT,
  checkStateBucket: StateBucketCheck = async () => undefined,
): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  let err = "";
  const write = process.stderr.write.bind(process.stderr);
  process.env.STREAMLINES_CONFIG = configFile;
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv, root, (l) => out.push(l), checkStateBucket), out, err };
  } finally {
    process.stderr.write = write;
    delete process.env.STREAMLINES_CONFIG;
  }
}

/** config/dev.json with `patch` replacing whole top-level keys, written to `dir`/config.json. */
export function writeConfig(dir: string, patch: Record<string, unknown>): string {
  const file = path.join(dir, "config.json");
  const dev = JSON.parse(fs.readFileSync(path.join(ROOT, "config", "dev.json"), "utf8"));
  fs.writeFileSync(file, JSON.stringify({ ...dev, ...patch }));
  return file;
}
