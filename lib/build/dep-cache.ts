import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const KEEP_ENTRIES = 8;

// Installed dependencies, kept per lockfile: a rebuild whose lockfile (and
// install command, and Node version) is unchanged restores node_modules instead
// of installing, so nothing is downloaded. Entries are complete or absent: a copy
// is made under a temporary name and renamed into place.
export async function depCacheKey(appDir: string, installCommand: string): Promise<string | null> {
  for (const name of ["package-lock.json", "npm-shrinkwrap.json"]) {
    const file = path.join(appDir, name);
    if (existsSync(file)) {
      const lockfile = await readFile(file);
      return createHash("sha256")
        .update(lockfile)
        .update(`\0${installCommand}\0${process.version}\0${process.platform}-${process.arch}`)
        .digest("hex");
    }
  }
  return null;
}

// `cp -a` keeps modes and symlinks (node_modules/.bin) and reflinks where the
// filesystem can; it runs without a shell, on paths we made.
const copyTree = (from: string, to: string) => run("cp", ["-a", "--reflink=auto", "--", from, to], { maxBuffer: 1 << 20 });

export async function restoreDeps(cacheDir: string, key: string, appDir: string): Promise<boolean> {
  const entry = path.join(cacheDir, key);
  if (!existsSync(path.join(entry, "node_modules"))) return false;
  await rm(path.join(appDir, "node_modules"), { recursive: true, force: true });
  await copyTree(path.join(entry, "node_modules"), path.join(appDir, "node_modules"));
  const now = new Date();
  await utimes(entry, now, now).catch(() => undefined);
  return true;
}

export async function saveDeps(cacheDir: string, key: string, appDir: string): Promise<boolean> {
  const modules = path.join(appDir, "node_modules");
  const entry = path.join(cacheDir, key);
  if (!existsSync(modules) || existsSync(entry)) return false;
  const tmp = path.join(cacheDir, `.tmp-${randomUUID()}`);
  await mkdir(tmp, { recursive: true });
  try {
    await copyTree(modules, path.join(tmp, "node_modules"));
    await rename(tmp, entry).catch((e: NodeJS.ErrnoException) => {
      // Another build saved the same key first; theirs is as good as ours.
      if (e.code !== "ENOTEMPTY" && e.code !== "EEXIST") throw e;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  await prune(cacheDir);
  return true;
}

async function prune(cacheDir: string) {
  const names = (await readdir(cacheDir)).filter((n) => /^[0-9a-f]{64}$/.test(n));
  if (names.length <= KEEP_ENTRIES) return;
  const dated = await Promise.all(names.map(async (n) => ({ n, t: (await stat(path.join(cacheDir, n))).mtimeMs })));
  dated.sort((a, b) => b.t - a.t);
  for (const { n } of dated.slice(KEEP_ENTRIES)) await rm(path.join(cacheDir, n), { recursive: true, force: true });
}
