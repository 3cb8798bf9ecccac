/**
 * Uploads the dashboard's static build and its runtime settings (config.json) to the edge stack's
 * bucket and invalidates the shell:
 *   npm run publish-dashboard [-- --build-dir DIR] [-- --outputs FILE] [-- --include-source-maps]
 * The bucket and distribution come from the edge stack's outputs (its state, or FILE as written by
 * `terraform output -json`); without them it refuses to run.
 */
import * as fs from "fs";
import * as path from "path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CloudFrontClient, CreateInvalidationCommand } from "@aws-sdk/client-cloudfront";
import { ConfigError, loadConfig, resolveConfigPath } from "../config/load";
import { StreamLinesConfig } from "../config/schema";
import { emulatorClientConfig } from "./lib/emulator";
import { StateBucketCheck, checkStateBucketIsOurs } from "./lib/state-bucket";
import { repoRoot } from "./lib/terraform";
import { DashboardRuntimeConfig, RUNTIME_CONFIG_KEY, parseRuntimeConfig } from "../modules/static-site/runtime-config";
import { StateUsageError, stackDir, stackOutputs } from "./state";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const USAGE = "usage: npm run publish-dashboard -- [--build-dir DIR] [--outputs FILE] [--include-source-maps]";

/** Hashed file names change with their content, so browsers and CloudFront may keep them for good. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** The app shell names the current hashed assets: every request revalidates it. */
export const REVALIDATE = "no-cache";
/** What a publish invalidates: the shell and its settings; hashed assets are new names, so nothing else is stale. */
export const INVALIDATED_PATHS = ["/index.html", `/${RUNTIME_CONFIG_KEY}`];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".webmanifest": "application/manifest+json",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".wasm": "application/wasm",
  ".pdf": "application/pdf",
};

/** A refusal the operator can act on; the message is the whole story. */
export class PublishError extends Error {}

export function contentTypeOf(key: string): string {
  return CONTENT_TYPES[path.posix.extname(key).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Vite writes every hashed file under `assets/` (`index-B4VmqMlx.js`) and copies `public/` unhashed
 * to the root; webpack names them `<name>.<hex contenthash>.js`. Anything else may change under the
 * same name, so it is revalidated rather than cached for a year.
 */
export function isHashedAsset(key: string): boolean {
  if (/\.html?$/i.test(key)) return false;
  return key.startsWith("assets/") || /\.[0-9a-f]{8,}\.[A-Za-z0-9]+$/.test(path.posix.basename(key));
}

export function cacheControlOf(key: string): string {
  return isHashedAsset(key) ? IMMUTABLE : REVALIDATE;
}

export interface EdgeOutputs {
  readonly bucketName: string;
  readonly distributionId: string;
  readonly url?: string;
  /** Absent when the edge stack fronts no backend (edge.backendOrigins false). */
  readonly runtimeConfig?: DashboardRuntimeConfig;
}

/** The outputs publishing needs, from `terraform output -json` shape; a PublishError naming what is missing. */
export function edgeOutputsFrom(outputs: Record<string, unknown>, source: string): EdgeOutputs {
  const value = (name: string) => {
    const o = outputs[name];
    const v = typeof o === "object" && o !== null && "value" in o ? (o as { value: unknown }).value : o;
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const bucketName = value("bucket_name");
  const distributionId = value("distribution_id");
  const missing = [bucketName ? "" : "bucket_name", distributionId ? "" : "distribution_id"].filter(Boolean);
  if (missing.length > 0) {
    throw new PublishError(
      `${source} has no ${missing.join(" or ")} output; apply the edge stack first (cdktf deploy edge) or pass --outputs FILE from terraform output -json`,
    );
  }
  const raw = outputs.runtime_config;
  const settings = typeof raw === "object" && raw !== null && "value" in raw ? (raw as { value: unknown }).value : raw;
  const runtimeConfig = settings === undefined ? undefined : parseRuntimeConfig(settings, `${source}: output runtime_config`);
  if (typeof runtimeConfig === "string") throw new PublishError(runtimeConfig);
  return { bucketName: bucketName!, distributionId: distributionId!, url: value("url"), ...(runtimeConfig && { runtimeConfig }) };
}

export interface PublishArgs {
  readonly buildDir?: string;
  readonly outputsFile?: string;
  readonly includeSourceMaps?: boolean;
}

export function parsePublishArgs(argv: readonly string[]): PublishArgs {
  const out: { buildDir?: string; outputsFile?: string; includeSourceMaps?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === "--include-source-maps") {
      out.includeSourceMaps = true;
    } else if ((flag === "--build-dir" || flag === "--outputs") && value && !value.startsWith("--")) {
      if (flag === "--build-dir") out.buildDir = value;
      else out.outputsFile = value;
      i++;
    } else {
      throw new PublishError(`unexpected argument ${JSON.stringify(flag)}; ${USAGE}`);
    }
  }
  return out;
}

/** Relative keys of every file under `dir`, `/`-separated, sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string) => {
    for (const e of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else if (e.isFile()) out.push(rel);
    }
  };
  walk("");
  return out.sort();
}

/**
 * Dotfiles (`.env`, `.git/`, `.DS_Store`) are never the site and may hold secrets; source maps carry
 * the whole source, so they are published only on request.
 */
export function isPublished(key: string, includeSourceMaps = false): boolean {
  if (key.split("/").some((segment) => segment.startsWith("."))) return false;
  return includeSourceMaps || !/\.map$/i.test(key);
}

/**
 * The build directory: `--build-dir` anywhere, as the operator typed it; from config only inside the
 * repository (after symlinks), so a config file alone cannot publish some other directory.
 */
export function resolveBuildDir(root: string, fromArgs: string | undefined, fromConfig: string): string {
  if (fromArgs !== undefined) return path.resolve(root, fromArgs);
  const dir = path.resolve(root, fromConfig);
  const real = (p: string) => (fs.existsSync(p) ? fs.realpathSync(p) : p);
  const rel = path.relative(real(root), real(dir));
  if (rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new PublishError(
      `edge.buildDir ${JSON.stringify(fromConfig)} resolves to ${real(dir)}, outside the repository ${real(root)}; pass it on the command line (--build-dir DIR) to publish from there`,
    );
  }
  return dir;
}

/** The client settings: the emulator's when the config names one, else the default credential chain. */
function clientConfig(config: StreamLinesConfig, region: string) {
  return config.emulator ? emulatorClientConfig(config.emulator.endpoint, region) : { region };
}

export interface PublishResult {
  readonly uploaded: number;
  /** Build files left out (dotfiles, source maps). */
  readonly skipped: readonly string[];
  readonly bytes: number;
  readonly invalidationId: string;
}

/**
 * Uploads every file of `buildDir`, index.html last (so a browser that gets the new shell finds its
 * assets), then invalidates the shell. Old hashed assets stay: tabs still running the previous
 * build keep loading them.
 */
export async function publish(
  config: StreamLinesConfig,
  buildDir: string,
  outputs: EdgeOutputs,
  say: (l: string) => void,
  opts: { includeSourceMaps?: boolean } = {},
): Promise<PublishResult> {
  const all = filesUnder(buildDir);
  const keys = all.filter((k) => isPublished(k, opts.includeSourceMaps));
  const skipped = all.filter((k) => !keys.includes(k));
  if (!keys.includes("index.html"))
    throw new PublishError(`${buildDir} has no index.html; build the dashboard first or pass --build-dir DIR (config edge.buildDir)`);
  if (outputs.runtimeConfig && keys.includes(RUNTIME_CONFIG_KEY)) {
    throw new PublishError(
      `${buildDir} has its own ${RUNTIME_CONFIG_KEY}; the runtime settings are published under that name (help/app-contract.md): remove it from the build`,
    );
  }
  // The settings go up before the shell that reads them.
  const settings = outputs.runtimeConfig && Buffer.from(`${JSON.stringify(outputs.runtimeConfig, null, 2)}\n`);
  const files: Array<[string, () => Buffer]> = keys
    .filter((k) => k !== "index.html")
    .map((k) => [k, () => fs.readFileSync(path.join(buildDir, ...k.split("/")))]);
  if (settings) files.push([RUNTIME_CONFIG_KEY, () => settings]);
  files.push(["index.html", () => fs.readFileSync(path.join(buildDir, "index.html"))]);
  const invalidated = settings ? INVALIDATED_PATHS : INVALIDATED_PATHS.filter((p) => p !== `/${RUNTIME_CONFIG_KEY}`);
  const s3 = new S3Client(clientConfig(config, config.region));
  // CloudFront's API lives in us-east-1 whatever the app region.
  const cloudfront = new CloudFrontClient(clientConfig(config, "us-east-1"));
  let bytes = 0;
  try {
    for (const [key, read] of files) {
      const body = read();
      bytes += body.length;
      await s3.send(
        new PutObjectCommand({
          Bucket: outputs.bucketName,
          Key: key,
          Body: body,
          ContentType: contentTypeOf(key),
          CacheControl: cacheControlOf(key),
        }),
      );
    }
    const notes = [
      settings ? `runtime settings in ${RUNTIME_CONFIG_KEY}` : `no ${RUNTIME_CONFIG_KEY}: the edge stack fronts no backend`,
      ...(skipped.length > 0
        ? [
            `skipped ${skipped.length} (${skipped.slice(0, 3).join(", ")}${skipped.length > 3 ? ", ..." : ""}): dotfiles are never published, source maps only with --include-source-maps`,
          ]
        : []),
    ];
    say(
      `publish-dashboard: uploaded ${files.length} files (${(bytes / 1024).toFixed(1)} KiB) to s3://${outputs.bucketName}; ${notes.join("; ")}`,
    );
    const invalidation = await cloudfront.send(
      new CreateInvalidationCommand({
        DistributionId: outputs.distributionId,
        InvalidationBatch: {
          CallerReference: `publish-dashboard-${Date.now()}`,
          Paths: { Quantity: invalidated.length, Items: invalidated },
        },
      }),
    );
    const invalidationId = invalidation.Invalidation?.Id ?? "(no id)";
    say(
      `publish-dashboard: invalidation ${invalidationId} of ${invalidated.join(", ")} on distribution ${outputs.distributionId}${outputs.url ? `; live at ${outputs.url} within a few minutes` : ""}`,
    );
    return { uploaded: files.length, skipped, bytes, invalidationId };
  } finally {
    s3.destroy();
    cloudfront.destroy();
  }
}

function readOutputsFile(file: string): EdgeOutputs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new PublishError(
      `--outputs ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message}; expected the JSON of terraform output -json`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new PublishError(`--outputs ${file}: expected a JSON object as written by terraform output -json`);
  return edgeOutputsFrom(parsed as Record<string, unknown>, file);
}

export async function main(
  argv: readonly string[] = process.argv.slice(2),
  root = repoRoot(),
  say: (l: string) => void = (l) => void process.stdout.write(`${l}\n`),
  checkStateBucket: StateBucketCheck = checkStateBucketIsOurs,
): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`publish-dashboard: ${message}\n`);
    return 1;
  };
  try {
    const args = parsePublishArgs(argv);
    const configFile = resolveConfigPath();
    const config = loadConfig(configFile);
    if (!config.edge.enabled)
      return fail(
        `edge.enabled is false in ${path.relative(root, configFile) || configFile}: there is no CloudFront dashboard to publish to`,
      );
    const buildDir = resolveBuildDir(root, args.buildDir, config.edge.buildDir);
    let outputs: EdgeOutputs;
    if (args.outputsFile) outputs = readOutputsFile(args.outputsFile);
    else {
      stackDir(root, "edge");
      try {
        await checkStateBucket(config);
      } catch (err) {
        return fail((err as Error).message);
      }
      outputs = edgeOutputsFrom(stackOutputs("edge", root, say), "the edge stack's state");
    }
    if (!fs.existsSync(buildDir))
      return fail(`build directory ${buildDir} does not exist; build the dashboard first or pass --build-dir DIR (config edge.buildDir)`);
    await publish(config, buildDir, outputs, say, { includeSourceMaps: args.includeSourceMaps });
    return 0;
  } catch (err) {
    if (err instanceof PublishError || err instanceof StateUsageError) return fail(err.message);
    if (err instanceof ConfigError) return fail(`config error: ${err.message}`);
    throw err;
  }
}

if (require.main === module) void main().then((code) => (process.exitCode = code));
