import path from "node:path";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { bundleDirName, materializeFiles } from "@/lib/router/functions/materialize";
import type { FileSource } from "@/lib/router/static/blob-source";

// A server bundle on disk, for its instances: every file of the built app
// under <workDir>/bundles/<digest>, read-only to the sandbox.
//
// The manifest keeps files, not links, so node_modules/.bin entries (links
// npm made to a package's script) come back as links: to the file of the
// same node_modules tree with the same bytes. A script run through such a
// copy would resolve its own imports from .bin and fail. Their targets are
// executable, like every .bin entry that has no twin.
export async function materializeServer(source: FileSource, workDir: string, bundleDigest: string, files: readonly ManifestEntry[]): Promise<string> {
  const links = binLinks(files);
  const executable = new Set(links.values());
  return materializeFiles(source, path.join(path.resolve(workDir), "bundles"), bundleDirName(bundleDigest), files, {
    linkTarget: (entry) => links.get(entry.path) ?? null,
    executable: (p) => executable.has(p) || isBinEntry(p),
  });
}

const BIN = /^(.*\/)?node_modules\/\.bin\/[^/]+$/;
const isBinEntry = (p: string) => BIN.test(p);

/** For each .bin entry with a twin in its node_modules tree: the twin's path. */
export function binLinks(files: readonly ManifestEntry[]): Map<string, string> {
  const byHash = new Map<string, string[]>();
  for (const f of files) {
    if (isBinEntry(f.path) || !f.path.includes("node_modules/")) continue;
    const list = byHash.get(f.sha256) ?? [];
    list.push(f.path);
    byHash.set(f.sha256, list);
  }
  const links = new Map<string, string>();
  for (const f of files) {
    if (!isBinEntry(f.path)) continue;
    const tree = f.path.slice(0, f.path.lastIndexOf(".bin/"));
    // The twin nearest the .bin directory: in its own tree, not a nested copy.
    const twin = (byHash.get(f.sha256) ?? []).filter((p) => p.startsWith(tree)).sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1))[0];
    if (twin) links.set(f.path, twin);
  }
  return links;
}
