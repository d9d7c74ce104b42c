import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { lstat, open, readdir } from "node:fs/promises";
import path from "node:path";
import { AppMigrationError } from "@/lib/build/app-migrations/app-migration-error";

// Reading an app's migrations/ directory: *.sql files directly in it, in byte
// order of name. The directory comes from the user's repository, so names are
// validated, symlinks are refused (a link could point at a file on the build
// host, whose text would then end up in an error message) and sizes are capped.

export const MIGRATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.sql$/;
export const MAX_MIGRATION_BYTES = 5 * 1024 * 1024;

export type MigrationFile = { name: string; sql: string; checksum: string };

export async function readMigrationFiles(dir: string, maxBytes = MAX_MIGRATION_BYTES): Promise<MigrationFile[]> {
  const info = await lstat(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") throw new AppMigrationError(`Migrations directory ${dir} does not exist.`);
    throw new AppMigrationError(`Cannot read migrations directory ${dir}: ${e.message}`);
  });
  if (info.isSymbolicLink()) throw new AppMigrationError(`Migrations directory ${dir} is a symbolic link; it must be a real directory.`);
  if (!info.isDirectory()) throw new AppMigrationError(`Migrations path ${dir} is not a directory.`);

  const entries = await readdir(dir, { withFileTypes: true });
  // Like the glob *.sql, dotfiles (editor and macOS "._" litter) are not migrations.
  // A case-insensitive suffix so that "001_init.SQL" is an error, not silently skipped.
  const candidates = entries.filter((e) => !e.name.startsWith(".") && /\.sql$/i.test(e.name));
  for (const e of candidates) {
    if (!MIGRATION_NAME.test(e.name)) {
      throw new AppMigrationError(
        `Invalid migration file name ${JSON.stringify(e.name)}: names must be letters, digits, ".", "_" or "-", ` +
          `start with a letter or digit and end in ".sql" (e.g. 001_create_users.sql).`,
        { migration: e.name },
      );
    }
    if (!e.isFile()) {
      const what = e.isSymbolicLink() ? "a symbolic link" : "not a regular file";
      throw new AppMigrationError(`Migration ${e.name} is ${what}; migrations must be regular files.`, { migration: e.name });
    }
  }
  // Names are ASCII after validation, so UTF-16 order is byte order.
  const names = candidates.map((e) => e.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files: MigrationFile[] = [];
  for (const name of names) files.push(await readMigrationFile(dir, name, maxBytes));
  return files;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

async function readMigrationFile(dir: string, name: string, maxBytes: number): Promise<MigrationFile> {
  // O_NOFOLLOW: the entry was a regular file a moment ago; refuse it if it was swapped for a link since.
  const handle = await open(path.join(dir, name), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)).catch(
    (e: NodeJS.ErrnoException) => {
      throw new AppMigrationError(`Cannot read migration ${name}: ${e.code ?? e.message}`, { migration: name });
    },
  );
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new AppMigrationError(`Migration ${name} is not a regular file.`, { migration: name });
    if (stat.size > maxBytes) {
      throw new AppMigrationError(
        `Migration ${name} is ${stat.size} bytes; the limit is ${maxBytes} bytes. Split it into smaller migrations.`,
        { migration: name },
      );
    }
    // Read at most one byte past the cap, in case the file grows while we read.
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) {
      throw new AppMigrationError(`Migration ${name} is larger than the limit of ${maxBytes} bytes.`, { migration: name });
    }
    const bytes = buffer.subarray(0, length);
    let sql: string;
    try {
      sql = utf8.decode(bytes); // also drops a leading byte-order mark, which Postgres would reject
    } catch {
      throw new AppMigrationError(`Migration ${name} is not valid UTF-8 text.`, { migration: name });
    }
    return { name, sql, checksum: createHash("sha256").update(bytes).digest("hex") };
  } finally {
    await handle.close();
  }
}
