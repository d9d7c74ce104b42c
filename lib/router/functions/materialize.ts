import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import type { FileSource } from "@/lib/router/static/blob-source";
import { isFunctionPath } from "@/lib/router/functions/function-paths";

// Writes a bundle's function files to disk so a function host can import
// them: <workDir>/bundles/<digest>/api/..., plus a package.json
// {"type":"module"} at that root, so `.js` files are ES modules (under their
// own names, so they can import each other as written). The directory is
// built under a temporary name and renamed into place, so it is either
// complete or absent; an existing one is reused as is (bundles are
// immutable). Every file's bytes are checked against its sha256 and size.
//
// Modes are set explicitly, whatever the umask: <workDir>/bundles 0711 (no
// listing: a host reaches only the bundle directory it is told), bundle
// directories 0755 and files 0644, all owned by the router. A sandboxed host
// gets its bundle directory bound read-only and can read and import its code
// but never change it.
export const PACKAGE_JSON = `${JSON.stringify({ type: "module" })}\n`;

const SAFE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** The directory name for a bundle digest: the digest itself when it is a plain name, else its sha256. */
export function bundleDirName(bundleDigest: string): string {
  return SAFE_NAME.test(bundleDigest) ? bundleDigest : createHash("sha256").update(String(bundleDigest)).digest("hex");
}

export async function materializeFunctions(
  source: FileSource,
  workDir: string,
  bundleDigest: string,
  files: readonly ManifestEntry[],
): Promise<string> {
  return materializeFiles(source, path.join(path.resolve(workDir), "bundles"), bundleDirName(bundleDigest), files, {
    accept: isFunctionPath,
    extra: { "package.json": PACKAGE_JSON },
  });
}

export type MaterializeOptions = {
  /** A manifest path this kind of bundle may contain; others make it fail. */
  accept?: (entryPath: string) => boolean;
  /** Files written first, by path (the manifest's own files win). */
  extra?: Record<string, string>;
  /** Whether a file is written 0755 rather than 0644. */
  executable?: (entryPath: string) => boolean;
  /** A path to write as a relative symlink to another entry's path rather than as bytes. */
  linkTarget?: (entry: ManifestEntry) => string | null;
};

/** Writes `files` into <bundlesDir>/<name> (or reuses it), checked and complete or absent. */
export async function materializeFiles(
  source: FileSource,
  bundlesDir: string,
  name: string,
  files: readonly ManifestEntry[],
  opts: MaterializeOptions = {},
): Promise<string> {
  const dir = path.join(bundlesDir, name);
  if (await isDirectory(dir)) return dir;

  await mkdir(bundlesDir, { recursive: true });
  await chmod(bundlesDir, 0o711);
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  try {
    await mkdir(tmp);
    await chmod(tmp, 0o755);
    for (const [file, text] of Object.entries(opts.extra ?? {})) {
      await writeFile(path.join(tmp, file), text);
      await chmod(path.join(tmp, file), 0o644);
    }
    for (const entry of files) {
      if (opts.accept && !opts.accept(entry.path)) throw new Error(`${JSON.stringify(entry.path)} is not a function file.`);
      const target = path.join(tmp, entry.path);
      if (!target.startsWith(tmp + path.sep)) throw new Error(`${JSON.stringify(entry.path)} leaves the bundle.`);
      await mkdirs(tmp, path.dirname(target));
      const link = opts.linkTarget?.(entry);
      if (link) {
        await symlink(path.relative(path.dirname(entry.path), link), target);
        continue;
      }
      const bytes = await source.read(entry.sha256);
      const digest = createHash("sha256").update(bytes).digest("hex");
      if (digest !== entry.sha256 || bytes.length !== entry.size) {
        throw new Error(`the stored bytes of ${entry.path} do not match its manifest entry.`);
      }
      await writeFile(target, bytes);
      await chmod(target, opts.executable?.(entry.path) ? 0o755 : 0o644);
    }
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Someone else (another router) put it there first: theirs is as good as ours.
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === "ENOTEMPTY" || code === "EEXIST") && (await isDirectory(dir))) {
        await rm(tmp, { recursive: true, force: true });
        return dir;
      }
      throw err;
    }
    return dir;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

/** mkdir -p of `dir` below `root`, each new directory 0755. */
async function mkdirs(root: string, dir: string) {
  if (dir === root) return;
  if (await isDirectory(dir)) return;
  await mkdirs(root, path.dirname(dir));
  await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
  });
  await chmod(dir, 0o755);
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
