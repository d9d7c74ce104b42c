import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

// The two runtimes the platform runs on: Node (console, worker, builds'
// tools, function hosts) and Bun (the router's serving core, pinned through
// the npm package `bun`). Both are absolute paths, never looked up by a shell.

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The Node binary: this process's own under Node; under Bun (the router) the
 * one its supervisor ran on (SLIPWAY_NODE, set by npm start and the tests),
 * else the first `node` on PATH.
 */
export const NODE_BINARY: string = (() => {
  if (!process.versions.bun) return process.execPath;
  const told = process.env.SLIPWAY_NODE;
  if (told && path.isAbsolute(told) && executable(told)) return told;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && path.isAbsolute(dir) && executable(path.join(dir, "node"))) return path.join(dir, "node");
  }
  throw new Error("the router needs Node for server functions: set SLIPWAY_NODE or put node on PATH");
})();

/** The Bun binary npm installed (the platform package, or the `bun` package's copy of it), or null. */
export function bunBinary(): string | null {
  if (process.versions.bun) return process.execPath;
  const require = createRequire(import.meta.url);
  const candidates = [`@oven/bun-${process.platform}-${process.arch}/bin/bun`, "bun/bin/bun.exe"];
  for (const c of candidates) {
    try {
      const file = path.join(path.dirname(require.resolve(`${c.split("/bin/")[0]}/package.json`)), "bin", path.basename(c));
      if (executable(file)) return file;
    } catch {
      // not installed
    }
  }
  return null;
}

export const MISSING_BUN = "Bun is missing (the router runs on it): run `npm install`, which installs it from the npm package `bun`";
