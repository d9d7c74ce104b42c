import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppMigrationError } from "@/lib/build/app-migrations/app-migration-error";
import { advisoryLockKey, lineAt } from "@/lib/build/app-migrations/apply-sql-migrations";
import { readMigrationFiles } from "@/lib/build/app-migrations/migration-files";

const tempDirs: string[] = [];
afterAll(() => Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true }))));

async function dirWith(files: Record<string, string | Buffer>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-migration-files-"));
  tempDirs.push(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return dir;
}

async function readError(dir: string, maxBytes?: number) {
  const e = await readMigrationFiles(dir, maxBytes).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppMigrationError);
  return (e as Error).message;
}

describe("readMigrationFiles", () => {
  it("reads *.sql in byte order with sha256 checksums, ignoring other files and dotfiles", async () => {
    const dir = await dirWith({
      "002_b.sql": "select 2;",
      "001_a.sql": "select 1;",
      "notes.md": "x",
      "001_a.sql.bak": "x",
      "._001_a.sql": "macOS litter",
    });
    await mkdir(path.join(dir, "nested"));
    await writeFile(path.join(dir, "nested", "000_nested.sql"), "select 0;");
    const files = await readMigrationFiles(dir);
    expect(files).toEqual([
      { name: "001_a.sql", sql: "select 1;", checksum: createHash("sha256").update("select 1;").digest("hex") },
      { name: "002_b.sql", sql: "select 2;", checksum: createHash("sha256").update("select 2;").digest("hex") },
    ]);
  });

  it("returns nothing for a directory without migrations", async () => {
    expect(await readMigrationFiles(await dirWith({ ".gitkeep": "" }))).toEqual([]);
  });

  it("rejects names outside the allowed pattern, including an upper-case .SQL", async () => {
    for (const name of ["002 add.sql", "-x.sql", "002_add.SQL", "ünïcode.sql"]) {
      const message = await readError(await dirWith({ "001_ok.sql": "select 1;", [name]: "select 2;" }));
      expect(message).toContain(`Invalid migration file name ${JSON.stringify(name)}`);
    }
  });

  it("refuses a symlinked migration and a directory named like one", async () => {
    const dir = await dirWith({});
    await symlink("/etc/hostname", path.join(dir, "001_link.sql"));
    expect(await readError(dir)).toBe("Migration 001_link.sql is a symbolic link; migrations must be regular files.");

    const dir2 = await dirWith({});
    await mkdir(path.join(dir2, "001_dir.sql"));
    expect(await readError(dir2)).toBe("Migration 001_dir.sql is not a regular file; migrations must be regular files.");
  });

  it("refuses a missing or symlinked directory", async () => {
    const missing = path.join(os.tmpdir(), "slipway-no-such-dir-" + process.pid);
    expect(await readError(missing)).toContain("does not exist");
    const real = await dirWith({ "001_a.sql": "select 1;" });
    const link = `${real}-link`;
    await symlink(real, link);
    tempDirs.push(link);
    expect(await readError(link)).toContain("is a symbolic link");
  });

  it("caps the file size", async () => {
    const dir = await dirWith({ "001_big.sql": "x".repeat(101) });
    expect(await readError(dir, 100)).toBe(
      "Migration 001_big.sql is 101 bytes; the limit is 100 bytes. Split it into smaller migrations.",
    );
    expect((await readMigrationFiles(dir, 101))[0].sql).toHaveLength(101);
  });

  it("drops a byte-order mark from the SQL but not from the checksum, and refuses invalid UTF-8", async () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("select 1;")]);
    const [file] = await readMigrationFiles(await dirWith({ "001_bom.sql": withBom }));
    expect(file.sql).toBe("select 1;");
    expect(file.checksum).toBe(createHash("sha256").update(withBom).digest("hex"));

    const bad = await dirWith({ "001_latin1.sql": Buffer.from([0x73, 0x65, 0x6c, 0xe9, 0x3b]) });
    expect(await readError(bad)).toBe("Migration 001_latin1.sql is not valid UTF-8 text.");
  });
});

describe("lineAt", () => {
  it("turns Postgres' 1-based character position into a line number", () => {
    const sql = "-- one\nselect 1;\nselect bad;";
    expect(lineAt(sql, 1)).toBe(1);
    expect(lineAt(sql, 7)).toBe(1); // the newline ending line 1
    expect(lineAt(sql, 8)).toBe(2);
    expect(lineAt(sql, sql.indexOf("bad") + 1)).toBe(3);
    // Positions count code points, not UTF-16 units.
    expect(lineAt("-- 😀\nx", 6)).toBe(2);
  });
});

describe("advisoryLockKey", () => {
  it("is a stable signed 64-bit key per lock key", () => {
    const key = advisoryLockKey("proj_1:production");
    expect(key).toBe(advisoryLockKey("proj_1:production"));
    expect(key).not.toBe(advisoryLockKey("proj_1:staging"));
    expect(key).toBe(createHash("sha256").update("proj_1:production").digest().readBigInt64BE(0));
    expect(BigInt.asIntN(64, key)).toBe(key);
  });
});
