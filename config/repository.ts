import * as fs from "fs";
import * as path from "path";

/**
 * The repository root: the nearest directory above `from` holding package.json. The same answer
 * from sources (jest, ts) and from the compiled dist/ tree, wherever the command runs from.
 */
export function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}: run from a checkout of the repository`);
  }
}

/** A path in the repository, given relative to its root (`modules/influx-host/bootstrap.sh`). */
export function repoPath(relative: string): string {
  return path.join(repoRoot(), relative);
}
