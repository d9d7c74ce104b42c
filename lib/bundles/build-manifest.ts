import { createHash } from "node:crypto";
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { contentTypeFor } from "@/lib/bundles/content-type";
import { hashFile } from "@/lib/bundles/hash-stream";
import { mapLimit } from "@/lib/bundles/map-limit";

export type ManifestEntry = { path: string; size: number; sha256: string; contentType: string };

export type ManifestLimits = { maxFiles?: number; maxTotalBytes?: number; skip?: (relPath: string) => boolean };

export const DEFAULT_MAX_FILES = 100_000;
export const DEFAULT_MAX_TOTAL_BYTES = 10 * 1024 ** 3;
const HASH_CONCURRENCY = 8;

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

type Found = { path: string; file: string; size: number };

// Lists every regular file under `dir` with its size, sha256 and content type,
// sorted by POSIX-relative path. Symlinks are followed only when their real
// path stays inside `dir`; anything else (sockets, fifos, devices) is skipped.
export async function buildManifest(dir: string, opts: ManifestLimits = {}): Promise<ManifestEntry[]> {
  const maxFiles = opts.maxFiles ?? DEFAULT_MAX_FILES;
  const maxTotalBytes = opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const root = path.resolve(dir);
  const info = await stat(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") throw new ManifestError(`Build output directory ${dir} does not exist.`);
    throw e;
  });
  if (!info.isDirectory()) throw new ManifestError(`Build output ${dir} is not a directory.`);
  const rootReal = await realpath(root);

  const found: Found[] = [];
  let totalBytes = 0;
  const add = (rel: string, file: string, size: number) => {
    found.push({ path: rel, file, size });
    totalBytes += size;
    if (found.length > maxFiles) {
      throw new ManifestError(`Build output has more than ${maxFiles} files (the limit).`);
    }
    if (totalBytes > maxTotalBytes) {
      throw new ManifestError(`Build output is larger than ${maxTotalBytes} bytes (the limit).`);
    }
  };

  // `realDir` is the real path of `absDir`; `ancestors` holds the real paths of
  // the directories being walked, to catch symlink loops.
  const walk = async (absDir: string, realDir: string, relDir: string, ancestors: string[]) => {
    const dirents = await readdir(absDir, { withFileTypes: true });
    for (const d of dirents) {
      const rel = relDir ? `${relDir}/${d.name}` : d.name;
      if (opts.skip?.(rel)) continue;
      if (/[\u0000-\u001f\u007f]/.test(d.name)) {
        throw new ManifestError(`File name ${JSON.stringify(rel)} contains a control character.`);
      }
      const abs = path.join(absDir, d.name);
      if (d.isFile()) {
        add(rel, abs, (await stat(abs)).size);
      } else if (d.isDirectory()) {
        const real = path.join(realDir, d.name);
        await walk(abs, real, rel, [...ancestors, real]);
      } else if (d.isSymbolicLink()) {
        const target = await realpath(abs).catch(() => {
          throw new ManifestError(`Symlink ${rel} in the build output is broken.`);
        });
        if (!isInside(rootReal, target)) {
          throw new ManifestError(`Symlink ${rel} points outside the build output (to ${target}).`);
        }
        const t = await stat(target);
        if (t.isFile()) {
          add(rel, target, t.size);
        } else if (t.isDirectory()) {
          if (ancestors.includes(target)) throw new ManifestError(`Symlink ${rel} makes a loop in the build output.`);
          await walk(target, target, rel, [...ancestors, target]);
        }
      }
    }
  };
  await walk(root, rootReal, "", [rootReal]);

  const entries = await mapLimit(found, HASH_CONCURRENCY, async (f): Promise<ManifestEntry> => {
    const digest = await hashFile(f.file);
    if (digest.size !== f.size) throw new ManifestError(`${f.path} changed while the manifest was being built.`);
    return { path: f.path, size: digest.size, sha256: digest.sha256, contentType: contentTypeFor(f.path) };
  });
  return entries.sort(byPath);
}

// sha256 over one `path\tsize\tsha256\tcontentType\n` line per entry, sorted
// by path: equal manifests give equal digests, whatever their order.
export function manifestDigest(entries: readonly ManifestEntry[]): string {
  const hash = createHash("sha256");
  for (const e of [...entries].sort(byPath)) {
    hash.update(`${e.path}\t${e.size}\t${e.sha256}\t${e.contentType}\n`);
  }
  return hash.digest("hex");
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function isInside(root: string, target: string) {
  const rel = path.relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
