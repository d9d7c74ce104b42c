import type { Db, Tx } from "@/lib/db/client";

export type LaterMigration = { name: string; appliedAt: Date };

/**
 * The app's SQL migrations applied to the deployment's environment that its
 * own source did not have: it was built before them, and its code may not
 * work with the schema they made. Empty when it knew them all, or when what
 * it knew is unknown (a migrate command of its own).
 */
export async function migrationsSince(db: Db | Tx, d: { projectId: string; environment: "production" | "preview" | "development"; migrationFiles: unknown }): Promise<LaterMigration[]> {
  if (!Array.isArray(d.migrationFiles)) return [];
  const known = new Set(d.migrationFiles.filter((n): n is string => typeof n === "string"));
  const applied = await db.appMigration.findMany({
    where: { projectId: d.projectId, environment: d.environment },
    orderBy: [{ appliedAt: "asc" }, { name: "asc" }],
    select: { name: true, appliedAt: true },
  });
  return applied.filter((m) => !known.has(m.name));
}

/** "built before 0004_add_orders.sql was applied on 2026-12-01" for each of them, in one sentence. */
export function describeMigrationsSince(later: LaterMigration[]): string {
  const list = later.map((m) => `${m.name} (applied ${m.appliedAt.toISOString().slice(0, 10)})`).join(", ");
  return `This deployment was built before ${later.length === 1 ? "this migration was" : "these migrations were"} applied to its environment's database: ${list}. Its code may not work with the schema they made.`;
}
