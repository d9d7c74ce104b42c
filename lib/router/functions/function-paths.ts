import type { ManifestEntry } from "@/lib/bundles/build-manifest";

// Which files of a bundle are server functions, and which function answers a
// request path. A function is a `.js` or `.mjs` file under the bundle's top
// level `api/` folder (any depth), matched case-sensitively: "api/a/b.mjs" is
// one, "API/x.js", "api/x.JS", "api/x.cjs", "api/x.json", "apix.js" and
// "static/api/x.js" are not. Paths with empty, "." or ".." segments,
// backslashes or control characters never match.

export const FUNCTIONS_DIR = "api";

const CONTROL = /[\u0000-\u001f\u007f]/;
const FUNCTION_NAME = /^.+\.(?:js|mjs)$/;
const MAX_PATH_LENGTH = 2048;

function segmentsOf(p: string): string[] | null {
  if (typeof p !== "string" || p === "" || p.length > MAX_PATH_LENGTH) return null;
  if (p.includes("\\") || CONTROL.test(p)) return null;
  const segments = p.split("/");
  for (const s of segments) if (s === "" || s === "." || s === "..") return null;
  return segments;
}

export function isFunctionPath(manifestPath: string): boolean {
  const segments = segmentsOf(manifestPath);
  if (!segments || segments.length < 2 || segments[0] !== FUNCTIONS_DIR) return false;
  return FUNCTION_NAME.test(segments[segments.length - 1]);
}

/**
 * The function for a resolved, manifest-relative request path (no leading
 * slash, e.g. "api/hello"): the exact file when the path names one
 * ("api/hello.js"), else "api/hello.js", "api/hello.mjs",
 * "api/hello/index.js", "api/hello/index.mjs", in that order. Trailing
 * slashes are ignored ("api/" finds "api/index.js"). Only entries that are
 * function paths are ever returned.
 */
export function matchFunction(functions: ReadonlyMap<string, ManifestEntry>, requestPath: string): ManifestEntry | undefined {
  if (typeof requestPath !== "string") return undefined;
  const trimmed = requestPath.replace(/\/+$/, "");
  const segments = segmentsOf(trimmed);
  if (!segments || segments[0] !== FUNCTIONS_DIR) return undefined;
  const candidates = [trimmed, `${trimmed}.js`, `${trimmed}.mjs`, `${trimmed}/index.js`, `${trimmed}/index.mjs`];
  for (const candidate of candidates) {
    if (!isFunctionPath(candidate)) continue;
    const entry = functions.get(candidate);
    if (entry && entry.path === candidate) return entry;
  }
  return undefined;
}

/** The function files of a manifest, keyed by path (what matchFunction takes). */
export function functionIndex(entries: readonly ManifestEntry[]): Map<string, ManifestEntry> {
  const index = new Map<string, ManifestEntry>();
  for (const entry of entries) if (isFunctionPath(entry.path)) index.set(entry.path, entry);
  return index;
}
