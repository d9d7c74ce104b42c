import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, MIGRATIONS_DIR, MigrationError, readMigrations } from "@/lib/db/migrate";
import { createTestDatabase } from "@/lib/testing/db";
import { withPg } from "@/lib/db/with-pg";

type MigrationRow = {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
};

const rows = (url: string) =>
  withPg(url, async (c) => (await c.query<MigrationRow>(`SELECT * FROM "_prisma_migrations" ORDER BY migration_name`)).rows);

const tableExists = (url: string, table: string) =>
  withPg(url, async (c) => (await c.query(`SELECT to_regclass($1) AS t`, [table])).rows[0].t !== null);

// A private copy of prisma/migrations that a test may edit or extend.
const tempDirs: string[] = [];
async function copyMigrations(extra: Record<string, string> = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-migrations-"));
  tempDirs.push(dir);
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}
afterAll(() => Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true }))));

describe("applyMigrations", () => {
  it("applies each migration once; a second run applies nothing", async () => {
    const url = await createTestDatabase();
    const names = (await readMigrations()).map((m) => m.name);
    expect(names.length).toBeGreaterThan(0);

    expect(await applyMigrations(url)).toEqual({ applied: names, alreadyApplied: 0 });
    const before = await rows(url);
    expect(await applyMigrations(url)).toEqual({ applied: [], alreadyApplied: names.length });
    expect(await rows(url)).toEqual(before);
  });

  it("records rows the way prisma migrate deploy does", async () => {
    const url = await createTestDatabase();
    await applyMigrations(url);
    const [row] = await rows(url);
    const file = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, "migration.sql"));
    expect(row.checksum).toBe(createHash("sha256").update(file).digest("hex"));
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.finished_at).toBeInstanceOf(Date);
    expect(row.rolled_back_at).toBeNull();
    expect(row.applied_steps_count).toBe(1);
  });

  it("lets two concurrent runs apply each migration exactly once", async () => {
    const dir = await copyMigrations({
      "20990101000000_second": `CREATE TABLE "probe_second" ("id" INTEGER);`,
      "20990102000000_third": `ALTER TABLE "probe_second" ADD COLUMN "note" TEXT;`,
    });
    const url = await createTestDatabase();
    const [a, b] = await Promise.all([applyMigrations(url, dir), applyMigrations(url, dir)]);

    const names = (await readMigrations(dir)).map((m) => m.name);
    expect([...a.applied, ...b.applied].sort()).toEqual(names);
    expect((await rows(url)).map((r) => r.migration_name)).toEqual(names);
  });

  it("refuses a migration that changed after it was applied, naming it", async () => {
    const dir = await copyMigrations();
    const url = await createTestDatabase();
    await applyMigrations(url, dir);
    const [first] = await readMigrations(dir);
    await writeFile(path.join(dir, first.name, "migration.sql"), `${first.sql}\n-- edited afterwards\n`);

    const error = await applyMigrations(url, dir).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toContain(first.name);
    expect(error.message).toMatch(/changed after it was applied/);
  });

  it("rolls a failing migration back entirely and records nothing for it", async () => {
    const broken = "20990101000000_broken";
    const dir = await copyMigrations({
      [broken]: `CREATE TABLE "probe_broken" ("id" INTEGER);\nINSERT INTO "no_such_table" VALUES (1);`,
    });
    const url = await createTestDatabase();

    const error = await applyMigrations(url, dir).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toContain(broken);
    expect(await tableExists(url, "probe_broken")).toBe(false);
    expect((await rows(url)).map((r) => r.migration_name)).not.toContain(broken);
    // Migrations before it stay applied, and a fixed file applies cleanly on the next run.
    expect(await tableExists(url, "teams")).toBe(true);
    await writeFile(path.join(dir, broken, "migration.sql"), `CREATE TABLE "probe_broken" ("id" INTEGER);`);
    expect((await applyMigrations(url, dir)).applied).toEqual([broken]);
  });
});
