import { runMigrations } from "graphile-worker";

// Creates or upgrades graphile-worker's schema, so verbs can enqueue jobs in
// their own transactions before any worker has started.
export async function installJobQueue(databaseUrl: string) {
  await runMigrations({ connectionString: databaseUrl });
}
