import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, readdir, realpath, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { ArchiveError } from "@/lib/archive/archive-error";
import { resolveLimits, type ArchiveLimits } from "@/lib/archive/limits";
import { readArchive } from "@/lib/archive/read-archive";

// O_EXCL + O_NOFOLLOW: never reuse or follow whatever is already at the path.
const CREATE_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

// Unpacks an untrusted .tar.gz into destDir, which must exist and be empty.
// Validates as it goes (the same rules as inspectArchive); on any failure the
// directory is emptied again before the error is rethrown.
export async function extractArchive(
  file: string,
  destDir: string,
  limits?: Partial<ArchiveLimits>,
): Promise<{ files: number; bytes: number }> {
  const root = await realpath(destDir);
  if ((await readdir(root)).length > 0) throw new Error(`extractArchive: destination ${destDir} is not empty`);

  // Relative paths of directories this run created or checked with lstat.
  const dirs = new Set<string>([""]);

  const inside = (rel: string): string => {
    const abs = path.resolve(root, rel);
    if (!abs.startsWith(root + path.sep)) throw new Error(`extractArchive: ${JSON.stringify(rel)} resolves outside ${root}`);
    return abs;
  };

  // mkdir one level at a time and lstat each level, so an existing symlink
  // is never followed the way mkdir -p would.
  const ensureDir = async (rel: string): Promise<void> => {
    if (dirs.has(rel)) return;
    await ensureDir(parentOf(rel));
    const abs = inside(rel);
    try {
      await mkdir(abs, { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (!(await lstat(abs)).isDirectory()) {
      throw new ArchiveError("conflict", `Archive entry ${JSON.stringify(rel)} must be a directory but is not.`, rel);
    }
    await chmod(abs, 0o755);
    dirs.add(rel);
  };

  try {
    const totals = await readArchive(file, resolveLimits(limits), async (entry, body) => {
      if (entry.kind === "directory") {
        await ensureDir(entry.path);
        return;
      }
      await ensureDir(parentOf(entry.path));
      const abs = inside(entry.path);
      if (entry.kind === "symlink") {
        await symlink(entry.target, abs);
        return;
      }
      const fh = await open(abs, CREATE_FILE, entry.mode);
      try {
        await fh.chmod(entry.mode); // the umask may have narrowed it
        for await (const chunk of body) {
          for (let offset = 0; offset < chunk.length; ) offset += (await fh.write(chunk, offset)).bytesWritten;
        }
      } finally {
        await fh.close();
      }
    });
    return { files: totals.files, bytes: totals.bytes };
  } catch (err) {
    await emptyDir(root);
    throw err;
  }
}

function parentOf(rel: string): string {
  const slash = rel.lastIndexOf("/");
  return slash === -1 ? "" : rel.slice(0, slash);
}

async function emptyDir(dir: string) {
  for (const name of await readdir(dir)) {
    await rm(path.join(dir, name), { recursive: true, force: true });
  }
}
