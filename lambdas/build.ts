import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { BuildOptions } from "esbuild";
import { zipOneFile } from "./zip";

export interface Bundle {
  /** The written bundle, `<outdir>/index.js`; the Lambda handler is `index.handler`. */
  readonly file: string;
  /** Hex SHA-256 of the bundle's bytes. */
  readonly sha256: string;
  /** `<outdir>/archive.zip`: the bundle as `index.js`, zipped to the same bytes every time. */
  readonly zip: string;
  /** True when the bytes came from the bundle cache and esbuild did not run. */
  readonly cached: boolean;
}

/**
 * Bundles one handler into a single CommonJS file for the nodejs22.x runtime, the AWS SDK included, so
 * the code that runs is the code that was tested rather than whichever SDK the runtime ships that month.
 * Not minified: CloudWatch stack traces stay readable without shipping source maps.
 * The same sources give the same bytes: one entry point, no legal comments, and paths in the output
 * relative to the package root, never to the machine's checkout.
 */
const BUILD_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  minify: false,
  sourcemap: false,
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
} as const satisfies BuildOptions;

/** Bumped when the cache entry's layout changes, so older entries are never read. */
const CACHE_FORMAT = 2;

/**
 * `cacheDir`: where bundles are kept between synths; `null` always runs esbuild. The default is
 * `node_modules/.cache/stream-lines/lambda-bundles` (gone with `npm ci`), or `STREAMLINES_LAMBDA_CACHE`
 * (`off` disables it).
 */
export function bundleLambda(entry: string, outdir: string, cacheDir: string | null = defaultCacheDir()): Bundle {
  const entryPath = path.resolve(entry);
  const root = packageRoot(entryPath);
  const file = path.join(path.resolve(outdir), "index.js");
  const zip = path.join(path.resolve(outdir), "archive.zip");
  const slot = cacheDir === null ? undefined : path.join(cacheDir, cacheSlot(root, entryPath));

  const hit = slot && readCache(slot, root);
  const artifacts = hit || build(entryPath, root, file, slot);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, artifacts.bundle);
  fs.writeFileSync(zip, artifacts.zip);
  return { file, sha256: sha256(artifacts.bundle), zip, cached: Boolean(hit) };
}

interface Artifacts {
  readonly bundle: Uint8Array;
  readonly zip: Uint8Array;
}

/** `lambdas/<name>/index.ts` of this package, from the sources or from the compiled `dist/`. */
export function handlerEntry(name: string): string {
  return path.join(packageRoot(__filename), "lambdas", name, "index.ts");
}

export function defaultCacheDir(): string | null {
  const setting = process.env.STREAMLINES_LAMBDA_CACHE;
  if (setting === "off") return null;
  return setting ? path.resolve(setting) : path.join(packageRoot(__filename), "node_modules", ".cache", "stream-lines", "lambda-bundles");
}

function build(entryPath: string, root: string, file: string, slot: string | undefined): Artifacts {
  // Loaded only on a cache miss: a synth with every bundle cached never starts esbuild.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose, see above
  const esbuild = require("esbuild") as typeof import("esbuild");
  const result = esbuild.buildSync({
    ...BUILD_OPTIONS,
    entryPoints: [entryPath],
    absWorkingDir: root,
    outfile: file,
    write: false,
    metafile: true,
  });
  const output = result.outputFiles.find((f) => f.path === file);
  if (!output) throw new Error(`esbuild wrote no ${file} for ${entryPath}`);
  const artifacts = { bundle: output.contents, zip: zipOneFile("index.js", output.contents) };
  if (slot) writeCache(slot, root, Object.keys(result.metafile.inputs), artifacts);
  return artifacts;
}

/**
 * A cache entry, one per handler and build setup: the bundle and its zip, and the content hash of every package
 * source esbuild read for it plus the file names in their folders (a new file can change what an
 * import resolves to). Dependencies under node_modules are pinned by the lockfiles in the slot's key.
 */
interface CacheEntry {
  readonly format: number;
  readonly sources: Record<string, string>;
  readonly folders: Record<string, string>;
  readonly bundle: string;
  readonly zip: string;
}

/** Everything but the package's own sources that decides a bundle: esbuild, its options, the entry, the installed packages. */
function cacheSlot(root: string, entryPath: string): string {
  const key = {
    format: CACHE_FORMAT,
    esbuild: readJson(require.resolve("esbuild/package.json")).version,
    options: BUILD_OPTIONS,
    entry: relative(root, entryPath),
    lockfile: fileHash(path.join(root, "package-lock.json")),
    installed: fileHash(path.join(root, "node_modules", ".package-lock.json")),
  };
  return sha256(JSON.stringify(key));
}

function readCache(slot: string, root: string): Artifacts | undefined {
  let entry: CacheEntry;
  try {
    entry = readJson<CacheEntry>(path.join(slot, "entry.json"));
  } catch {
    return undefined;
  }
  if (entry.format !== CACHE_FORMAT) return undefined;
  for (const [source, hash] of Object.entries(entry.sources)) if (fileHash(path.join(root, source)) !== hash) return undefined;
  for (const [folder, hash] of Object.entries(entry.folders)) if (folderHash(path.join(root, folder)) !== hash) return undefined;
  try {
    const bundle = fs.readFileSync(path.join(slot, `${entry.bundle}.js`));
    const zip = fs.readFileSync(path.join(slot, `${entry.zip}.zip`));
    // A torn or edited file is a miss, never a wrong bundle.
    return sha256(bundle) === entry.bundle && sha256(zip) === entry.zip ? { bundle, zip } : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(slot: string, root: string, inputs: readonly string[], artifacts: Artifacts): void {
  const sources = inputs
    .map((i) => relative(root, path.resolve(root, i)))
    .filter((i) => !i.split("/").includes("node_modules"))
    .sort();
  const entry: CacheEntry = {
    format: CACHE_FORMAT,
    sources: Object.fromEntries(sources.map((s) => [s, fileHash(path.join(root, s))])),
    folders: Object.fromEntries(
      [...new Set(sources.map((s) => path.posix.dirname(s)))].sort().map((d) => [d, folderHash(path.join(root, d))]),
    ),
    bundle: sha256(artifacts.bundle),
    zip: sha256(artifacts.zip),
  };
  try {
    fs.mkdirSync(slot, { recursive: true });
    // Artifacts first, entry last, each by rename: a concurrent reader sees a whole old or a whole new entry.
    const keep = [`${entry.bundle}.js`, `${entry.zip}.zip`];
    writeAtomic(path.join(slot, keep[0]), artifacts.bundle);
    writeAtomic(path.join(slot, keep[1]), artifacts.zip);
    writeAtomic(path.join(slot, "entry.json"), `${JSON.stringify(entry, null, 2)}\n`);
    for (const f of fs.readdirSync(slot))
      if (f !== "entry.json" && !keep.includes(f) && !f.endsWith(".tmp")) fs.rmSync(path.join(slot, f), { force: true });
  } catch (err) {
    // The cache only saves time: a read-only or full disk must not fail the synth.
    process.stderr.write(`warning: lambda bundle cache ${slot} not written: ${(err as Error).message}\n`);
  }
}

function writeAtomic(file: string, contents: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

function fileHash(file: string): string {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return "absent";
  }
}

function folderHash(dir: string): string {
  try {
    return sha256(fs.readdirSync(dir).sort().join("\n"));
  } catch {
    return "absent";
  }
}

const sha256 = (bytes: string | Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const relative = (root: string, file: string) => path.relative(root, file).split(path.sep).join("/");
const readJson = <T = Record<string, unknown>>(file: string): T => JSON.parse(fs.readFileSync(file, "utf8")) as T;

function packageRoot(from: string): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
