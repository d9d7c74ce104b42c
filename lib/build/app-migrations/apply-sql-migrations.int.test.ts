import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppMigrationError } from "@/lib/build/app-migrations/app-migration-error";
import { advisoryLockKey, applySqlMigrations } from "@/lib/build/app-migrations/apply-sql-migrations";
import { withPg } from "@/lib/db/with-pg";
import { createTestDatabase } from "@/lib/testing/db";

const tempDirs: string[] = [];
afterAll(() => Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true }))));

async function migrationsDir(files: Record<string, string> = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-app-migrations-"));
  tempDirs.push(dir);
  await writeFiles(dir, files);
  return dir;
}
const writeFiles = (dir: string, files: Record<string, string>) =>
  Promise.all(Object.entries(files).map(([name, sql]) => writeFile(path.join(dir, name), sql)));

// Runs against a fresh database, collecting the build log.
function runner(databaseUrl: string, dir: string, lockKey = "proj_1:production") {
  const lines: string[] = [];
  const run = (deploymentId = "dep_1", timeoutMs?: number) =>
    applySqlMigrations({ databaseUrl, dir, lockKey, deploymentId, timeoutMs, log: (t) => lines.push(t) });
  return { run, lines };
}

const recorded = (url: string) =>
  withPg(url, async (c) => {
    const exists = (await c.query(`SELECT to_regclass('_slipway_migrations') AS t`)).rows[0].t !== null;
    if (!exists) return [];
    return (
      await c.query<{ name: string; deployment_id: string; checksum: string }>(
        `SELECT name, deployment_id, checksum FROM _slipway_migrations ORDER BY applied_at, name`,
      )
    ).rows;
  });
const tableExists = (url: string, table: string) =>
  withPg(url, async (c) => (await c.query(`SELECT to_regclass($1) AS t`, [table])).rows[0].t !== null);

async function rejection(p: Promise<unknown>): Promise<AppMigrationError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppMigrationError);
  return e as AppMigrationError;
}

const CREATE_USERS = "CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);\n";
const ADD_COLUMN = "ALTER TABLE users ADD COLUMN name text;\nINSERT INTO users (id, email, name) VALUES (1, 'a@example.com', 'A');\n";

describe("applySqlMigrations", () => {
  it("applies files in order once; a second run applies nothing; a new file applies alone", async () => {
    const url = await createTestDatabase();
    const dir = await migrationsDir({ "002_add_column.sql": ADD_COLUMN, "001_create_users.sql": CREATE_USERS, "README.md": "not sql" });
    const { run, lines } = runner(url, dir);

    expect(await run("dep_1")).toEqual({ applied: ["001_create_users.sql", "002_add_column.sql"], skipped: 0 });
    expect(await withPg(url, async (c) => (await c.query("SELECT id, email, name FROM users")).rows)).toEqual([
      { id: 1, email: "a@example.com", name: "A" },
    ]);
    expect((await recorded(url)).map((r) => [r.name, r.deployment_id])).toEqual([
      ["001_create_users.sql", "dep_1"],
      ["002_add_column.sql", "dep_1"],
    ]);
    expect(lines).toContain("applying 002_add_column.sql");
    expect(lines.some((l) => /^applied 002_add_column\.sql \(\d+ ms\)$/.test(l))).toBe(true);
    expect(lines.indexOf("applying 001_create_users.sql")).toBeLessThan(lines.indexOf("applying 002_add_column.sql"));

    expect(await run("dep_2")).toEqual({ applied: [], skipped: 2 });
    expect(await recorded(url)).toHaveLength(2);

    await writeFiles(dir, { "003_index.sql": "CREATE INDEX users_email ON users (email);" });
    expect(await run("dep_3")).toEqual({ applied: ["003_index.sql"], skipped: 2 });
    expect((await recorded(url)).map((r) => [r.name, r.deployment_id])).toEqual([
      ["001_create_users.sql", "dep_1"],
      ["002_add_column.sql", "dep_1"],
      ["003_index.sql", "dep_3"],
    ]);
    expect(await tableExists(url, "users_email")).toBe(true);
  });

  it("orders by byte order of name, not numerically or by locale", async () => {
    const url = await createTestDatabase();
    const names = ["9_c.sql", "B.sql", "10_b.sql", "a.sql", "1_a.sql", "1-z.sql"];
    const step = (name: string) =>
      `CREATE TABLE IF NOT EXISTS seq (n serial, name text);\nINSERT INTO seq (name) VALUES ('${name}');\n`;
    const dir = await migrationsDir(Object.fromEntries(names.map((n) => [n, step(n)])));
    // "-" (0x2d) < "0" (0x30) < "B" (0x42) < "_" (0x5f) < "a" (0x61)
    const expected = ["1-z.sql", "10_b.sql", "1_a.sql", "9_c.sql", "B.sql", "a.sql"];
    expect((await runner(url, dir).run()).applied).toEqual(expected);
    const rows = await withPg(url, async (c) => (await c.query<{ name: string }>("SELECT name FROM seq ORDER BY n")).rows);
    expect(rows.map((r) => r.name)).toEqual(expected);
  });

  it("rolls back a failing migration completely, keeps earlier ones, and applies it once fixed", async () => {
    const url = await createTestDatabase();
    const dir = await migrationsDir({
      "001_create_users.sql": CREATE_USERS,
      // Two statements succeed, then a constraint violation on line 4.
      "002_half.sql":
        "CREATE TABLE orders (id int PRIMARY KEY);\n" +
        "INSERT INTO orders VALUES (1);\n" +
        "ALTER TABLE users ADD COLUMN nickname text;\n" +
        "INSERT INTO orders VALUES (1);\n",
      "003_later.sql": "CREATE TABLE later (id int);",
    });
    const { run, lines } = runner(url, dir);

    const e = await rejection(run("dep_1"));
    expect(e.message).toMatch(/^Migration 002_half\.sql failed: duplicate key value violates unique constraint "orders_pkey"/);
    expect(e.message).toContain("Key (id)=(1) already exists.");
    expect(e.migration).toBe("002_half.sql");
    expect(e.sqlState).toBe("23505");
    expect(await tableExists(url, "orders")).toBe(false);
    expect(
      await withPg(url, async (c) => (await c.query("SELECT 1 FROM information_schema.columns WHERE column_name = 'nickname'")).rowCount),
    ).toBe(0);
    expect(await tableExists(url, "later")).toBe(false); // nothing after the failure runs
    expect((await recorded(url)).map((r) => r.name)).toEqual(["001_create_users.sql"]);
    expect(lines).toContain("applying 002_half.sql");
    expect(lines.some((l) => l.startsWith("applied 002_half.sql"))).toBe(false);

    await writeFiles(dir, { "002_half.sql": "CREATE TABLE orders (id int PRIMARY KEY);\nINSERT INTO orders VALUES (1);\n" });
    expect(await run("dep_2")).toEqual({ applied: ["002_half.sql", "003_later.sql"], skipped: 1 });
    expect((await recorded(url)).map((r) => [r.name, r.deployment_id])).toEqual([
      ["001_create_users.sql", "dep_1"],
      ["002_half.sql", "dep_2"],
      ["003_later.sql", "dep_2"],
    ]);
  });

  it("reports a syntax error with the file name and line, and records nothing", async () => {
    const url = await createTestDatabase();
    const dir = await migrationsDir({
      "001_ok.sql": CREATE_USERS,
      "002_bad.sql": "-- adds a table\nCREATE TABLE good (id int);\nCREATE TABLEX bad (id int);\n",
    });
    const e = await rejection(runner(url, dir).run());
    expect(e.message).toBe('Migration 002_bad.sql failed: syntax error at or near "TABLEX" (line 3)');
    expect(await tableExists(url, "good")).toBe(false);
    expect((await recorded(url)).map((r) => r.name)).toEqual(["001_ok.sql"]);
  });

  it("refuses an applied migration whose file changed, applying nothing else", async () => {
    const url = await createTestDatabase();
    const dir = await migrationsDir({ "001_create_users.sql": CREATE_USERS });
    const { run } = runner(url, dir);
    await run("dep_1");
    const before = await recorded(url);

    await writeFiles(dir, {
      "001_create_users.sql": CREATE_USERS.replace("email text", "email varchar(10)"),
      "002_new.sql": "CREATE TABLE brand_new (id int);",
    });
    const e = await rejection(run("dep_2"));
    expect(e.message).toMatch(/^Migration 001_create_users\.sql was changed after being applied/);
    expect(e.migration).toBe("001_create_users.sql");
    expect(await tableExists(url, "brand_new")).toBe(false);
    expect(await recorded(url)).toEqual(before);
  });

  it("warns about a recorded migration whose file is gone, and carries on", async () => {
    const url = await createTestDatabase();
    const dir = await migrationsDir({ "001_create_users.sql": CREATE_USERS, "002_gone.sql": "CREATE TABLE gone (id int);" });
    await runner(url, dir).run("dep_1");
    await rm(path.join(dir, "002_gone.sql"));
    await writeFiles(dir, { "003_next.sql": "CREATE TABLE next (id int);" });

    const { run, lines } = runner(url, dir);
    expect(await run("dep_2")).toEqual({ applied: ["003_next.sql"], skipped: 1 });
    expect(lines).toContain("warning: 002_gone.sql was applied by deployment dep_1 but is no longer in the migrations directory");
  });

  it("lets two concurrent runs for one environment apply a slow migration exactly once", async () => {
    const url = await createTestDatabase();
    const dir = await migrationsDir({ "001_slow.sql": "SELECT pg_sleep(0.5);\nCREATE TABLE slow (id int);\n" });
    const a = runner(url, dir);
    const b = runner(url, dir);

    const [ra, rb] = await Promise.all([a.run("dep_a"), b.run("dep_b")]);
    expect([...ra.applied, ...rb.applied]).toEqual(["001_slow.sql"]);
    expect(await recorded(url)).toHaveLength(1);
    // The loser waited for the lock, then found the migration applied instead of running it.
    const [, loser] = ra.applied.length ? [a, b] : [b, a];
    expect(loser.lines).toContain("waiting for another deployment of this environment to finish its migrations");
    expect(loser.lines.some((l) => l.startsWith("applying"))).toBe(false);
    expect(loser.lines).toContain("0 pending SQL migrations, 1 already applied");
    // Both runs closed their connections.
    const open = () =>
      withPg(url, async (c) => {
        const q = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1";
        return (await c.query<{ n: number }>(q, ["slipway-app-migrations"])).rows[0].n;
      });
    await expect.poll(open, { timeout: 2000 }).toBe(0);
  });

  it("holds the advisory lock for the run and releases it afterwards, even on failure", async () => {
    const url = await createTestDatabase();
    const lockKey = "proj_lock:staging";
    const dir = await migrationsDir({ "001_slow_fail.sql": "SELECT pg_sleep(0.4);\nSELECT 1/0;\n" });
    const tryLock = () =>
      withPg(url, async (c) => {
        const { rows } = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [
          advisoryLockKey(lockKey).toString(),
        ]);
        return rows[0].ok; // the lock goes with the connection
      });

    const running = runner(url, dir, lockKey).run().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    expect(await tryLock()).toBe(false);
    const e = await running;
    expect(e).toBeInstanceOf(AppMigrationError);
    expect((e as Error).message).toMatch(/^Migration 001_slow_fail\.sql failed: division by zero/);
    expect(await tryLock()).toBe(true);
  });

  it("lets a slow statement fail on the per-migration timeout", async () => {
    const url = await createTestDatabase();
    const dir = await migrationsDir({ "001_sleep.sql": "CREATE TABLE t (id int);\nSELECT pg_sleep(5);\n" });
    const e = await rejection(runner(url, dir).run("dep_1", 200));
    expect(e.message).toMatch(/^Migration 001_sleep\.sql failed: canceling statement due to statement timeout/);
    expect(await tableExists(url, "t")).toBe(false);
  });

  it("keeps bookkeeping working when a migration changes the session (pg_dump style search_path)", async () => {
    const url = await createTestDatabase();
    const dir = await migrationsDir({
      "001_dump.sql": "SELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE public.dumped (id int);\n",
      "002_next.sql": "CREATE TABLE unqualified (id int);\n",
    });
    expect((await runner(url, dir).run()).applied).toEqual(["001_dump.sql", "002_next.sql"]);
    expect(await tableExists(url, "public.unqualified")).toBe(true);
  });

  it("records a migration that commits by itself, with a warning", async () => {
    const url = await createTestDatabase();
    const dir = await migrationsDir({ "001_tx.sql": "BEGIN;\nCREATE TABLE wrapped (id int);\nCOMMIT;\n" });
    const { run, lines } = runner(url, dir);
    expect((await run()).applied).toEqual(["001_tx.sql"]);
    expect(await tableExists(url, "wrapped")).toBe(true);
    expect((await recorded(url)).map((r) => r.name)).toEqual(["001_tx.sql"]);
    expect(lines.some((l) => l.startsWith("warning: 001_tx.sql ends the transaction itself"))).toBe(true);
    expect(await run()).toEqual({ applied: [], skipped: 1 });
  });

  it("rejects a bad file name before touching the database", async () => {
    const url = await createTestDatabase();
    const dir = await migrationsDir({ "001_ok.sql": CREATE_USERS, "002 add column.sql": ADD_COLUMN });
    const e = await rejection(runner(url, dir).run());
    expect(e.message).toMatch(/^Invalid migration file name "002 add column\.sql"/);
    expect(await recorded(url)).toEqual([]);
    expect(await tableExists(url, "users")).toBe(false);
  });

  it("applies nothing for an empty directory", async () => {
    const url = await createTestDatabase();
    const dir = await migrationsDir({ "notes.txt": "hello" });
    expect(await runner(url, dir).run()).toEqual({ applied: [], skipped: 0 });
  });

  it("reports an unreachable or malformed database URL without the password", async () => {
    const dir = await migrationsDir({ "001_ok.sql": CREATE_USERS });
    for (const databaseUrl of [
      "postgres://app:s3cr3t-P%40ss@127.0.0.1:1/appdb",
      "postgres://app:s3cr3t-P@ss@[not-a-host/appdb",
      "mysql://app:s3cr3t-P@ss@127.0.0.1/appdb",
    ]) {
      const e = await rejection(runner(databaseUrl, dir).run());
      expect(e.message).not.toContain("s3cr3t");
      expect(e.message).not.toContain("P@ss");
      expect(e.message.length).toBeGreaterThan(20);
    }
    const e = await rejection(runner("postgres://app:s3cr3t@127.0.0.1:1/appdb", dir).run());
    expect(e.message).toMatch(/^Cannot connect to the app database at 127\.0\.0\.1:1\/appdb: .*ECONNREFUSED/);
  });

  it("reports a wrong password without echoing it", async () => {
    const base = new URL(await createTestDatabase());
    base.password = "definitely-wrong-pw";
    const dir = await migrationsDir({ "001_ok.sql": CREATE_USERS });
    const e = await rejection(runner(base.toString(), dir).run());
    expect(e.message).toMatch(/^Cannot connect to the app database at /);
    expect(e.message).not.toContain("definitely-wrong-pw");
  });
});
