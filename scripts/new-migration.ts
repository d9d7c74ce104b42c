// `npm run db:migration -- <name>`: writes prisma/migrations/<UTC timestamp>_<name>/migration.sql
// with the SQL from the schema as of the last commit that touched prisma/migrations
// to the current prisma/schema.prisma. The Prisma CLI that could diff against the
// migrations themselves needs an engine binary we cannot download (lib/db/schema-sql.ts).
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { schemaToSql } from "@/lib/db/schema-sql";
import { startTempPostgres } from "@/lib/db/temp-postgres";

const root = path.resolve(import.meta.dirname, "..");
const migrationsDir = path.join(root, "prisma/migrations");

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function git(args: string[]): string {
  const r = spawnSync("git", args, { cwd: root, encoding: "utf8" });
  if (r.status !== 0) fail(`git ${args.join(" ")} failed: ${(r.stderr || r.error?.message || "").trim()}`);
  return r.stdout;
}

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  fail("Usage: npm run db:migration -- <name>, where <name> uses only a-z, 0-9 and _ (e.g. add_domains).");
}

// Uncommitted migrations are not in the baseline, so their changes would be generated twice.
const pending = git(["status", "--porcelain", "--", "prisma/migrations"]).trim();
if (pending) fail(`Commit or remove the uncommitted changes in prisma/migrations first:\n${pending}`);

const baseline = git(["log", "-1", "--format=%H", "--", "prisma/migrations"]).trim();
const from = baseline ? git(["show", `${baseline}:prisma/schema.prisma`]) : undefined;
const to = readFileSync(path.join(root, "prisma/schema.prisma"), "utf8");

const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dirName = `${stamp}_${name}`;
const latest = readdirSync(migrationsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort().at(-1);
// Migrations apply in name order; a new one must sort after every existing one.
if (latest && dirName <= latest) fail(`${dirName} would sort before the existing ${latest}; check the clock.`);

const server = await startTempPostgres();
let sql: string;
try {
  sql = await schemaToSql({ from, to, databaseUrl: server.url });
} finally {
  await server.stop();
}

const since = baseline ? `commit ${baseline.slice(0, 12)}` : "an empty database";
if (!sql) {
  console.log(`prisma/schema.prisma has not changed since ${since}; no migration written.`);
} else {
  const file = path.join(migrationsDir, dirName, "migration.sql");
  mkdirSync(path.dirname(file));
  writeFileSync(file, sql);
  console.log(`Wrote ${path.relative(root, file)} (changes since ${since}). Review it, then commit it with the schema.`);
}
