import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { buildSync } from "esbuild";

export interface Bundle {
  /** The written bundle, `<outdir>/index.js`; the Lambda handler is `index.handler`. */
  readonly file: string;
  /** Hex SHA-256 of the bundle's bytes. */
  readonly sha256: string;
}

/**
 * Bundles one handler into a single CommonJS file for the nodejs22.x runtime, the AWS SDK included, so
 * the code that runs is the code that was tested rather than whichever SDK the runtime ships that month.
 * Not minified: CloudWatch stack traces stay readable without shipping source maps.
 * The same sources give the same bytes: one entry point, no metafile, no legal comments, and paths in
 * the output relative to the package root, never to the machine's checkout.
 */
export function bundleLambda(entry: string, outdir: string): Bundle {
  const entryPath = path.resolve(entry);
  const file = path.join(path.resolve(outdir), "index.js");
  const result = buildSync({
    entryPoints: [entryPath],
    absWorkingDir: packageRoot(entryPath),
    outfile: file,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: false,
    sourcemap: false,
    metafile: false,
    legalComments: "none",
    charset: "utf8",
    write: false,
    logLevel: "warning",
  });
  const output = result.outputFiles.find((f) => f.path === file);
  if (!output) throw new Error(`esbuild wrote no ${file} for ${entryPath}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, output.contents);
  return { file, sha256: createHash("sha256").update(output.contents).digest("hex") };
}

/** `lambdas/<name>/index.ts` of this package, from the sources or from the compiled `dist/`. */
export function handlerEntry(name: string): string {
  return path.join(packageRoot(__filename), "lambdas", name, "index.ts");
}

function packageRoot(from: string): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
