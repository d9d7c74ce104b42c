import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { AppMigrationError } from "@/lib/build/app-migrations/app-migration-error";
import { advisoryLockKey, applySqlMigrations } from "@/lib/build/app-migrations/apply-sql-migrations";
import { readMigrationFiles } from "@/lib/build/app-migrations/migration-files";
import { Prisma } from "@/lib/generated/prisma/client";
import { type BuildContext, runUserCommand, StageFailure } from "@/lib/build/build-context";
import { withPg } from "@/lib/db/with-pg";
import { parseAllowList } from "@/lib/sandbox/egress-rules";

// The app's own migrations, before anything is published: its `migrate` command
// (slipway.json), or the SQL files in migrations/. Both run against the
// environment's DATABASE_URL, one deployment at a time per environment.
export async function migrateApp(ctx: BuildContext): Promise<string | null> {
  const command = ctx.settings!.migrateCommand;
  const dir = path.join(ctx.appDir, "migrations");
  const hasSqlDir = existsSync(dir) && statSync(dir).isDirectory();
  // What it knew of the app's migrations, for a later Promote (lib/routes/migrations-since.ts): a migrate command's are unknown.
  const files = hasSqlDir && !command ? (await readMigrationFiles(dir).catch(() => [])).map((f) => f.name) : command ? null : [];
  await ctx.deps.db.deployment.update({ where: { id: ctx.deployment.id }, data: { migrationFiles: files ?? Prisma.DbNull } });
  if (!command && !hasSqlDir) return null;
  const databaseUrl = ctx.vars.find((v) => v.key === "DATABASE_URL")?.value;
  const lockKey = `${ctx.project.id}:${ctx.deployment.environment}`;
  if (!databaseUrl) {
    throw new StageFailure(
      `The app has ${command ? "a migrate command" : "a migrations/ directory"} but DATABASE_URL is not set for ${ctx.deployment.environment}.`,
    );
  }
  if (command) {
    // The one step that may reach the app's own database on this machine or the private network.
    await withEnvironmentLock(ctx, lockKey, () => runUserCommand(ctx, command, parseAllowList(ctx.project.egressAllow)));
    return command;
  }
  try {
    const { applied } = await applySqlMigrations({
      databaseUrl,
      dir,
      lockKey,
      deploymentId: ctx.deployment.id,
      log: (text) => ctx.log.system(text),
    });
    if (applied.length) {
      await ctx.deps.db.appMigration.createMany({
        data: applied.map((name) => ({ projectId: ctx.project.id, environment: ctx.deployment.environment, name, deploymentId: ctx.deployment.id })),
        skipDuplicates: true,
      });
    }
    return applied.length ? `applied ${applied.length}: ${applied.join(", ")}` : "up to date";
  } catch (e) {
    if (e instanceof AppMigrationError) throw new StageFailure(e.message);
    throw e;
  }
}

// A session advisory lock in Slipway's database, keyed by project and
// environment, held while the app's own migrate command runs.
async function withEnvironmentLock<T>(ctx: BuildContext, lockKey: string, fn: () => Promise<T>): Promise<T> {
  const key = advisoryLockKey(`migrate:${lockKey}`);
  return withPg(ctx.deps.databaseUrl, async (client) => {
    ctx.log.system("Waiting for the environment's migration lock");
    await client.query("SELECT pg_advisory_lock($1)", [key.toString()]);
    try {
      return await fn();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [key.toString()]).catch(() => undefined);
    }
  });
}
