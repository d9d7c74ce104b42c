import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { type EmbeddedDb } from "@/lib/db/embedded";
import { applyMigrations } from "@/lib/db/migrate";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { startTempPostgres } from "@/lib/db/temp-postgres";
import { assertLocalDatabase } from "@/lib/testing/assert-local-database";
import { withPg } from "@/lib/db/with-pg";

declare module "vitest" {
  // Vitest's provide/inject types are extended by declaration merging, which needs an interface.
  export interface ProvidedContext {
    databaseUrl: string;
    // Prefix of the databases createTestDatabase() makes in this run, so teardown drops only ours.
    testDatabasePrefix: string;
  }
}

// One migrated database for the integration run: a local DATABASE_URL if given,
// otherwise a throwaway embedded Postgres that teardown stops and deletes.
export async function setup(project: TestProject) {
  const external = process.env.DATABASE_URL;
  if (external) assertLocalDatabase(external);
  const server: EmbeddedDb | null = external ? null : await startTempPostgres();
  const databaseUrl = external ?? server!.url;
  const testDatabasePrefix = `slipway_test_${randomBytes(4).toString("hex")}_`;
  const teardown = async () => {
    try {
      if (external) await dropDatabases(databaseUrl, testDatabasePrefix);
    } finally {
      await server?.stop();
    }
  };
  try {
    await applyMigrations(databaseUrl);
    await installJobQueue(databaseUrl);
  } catch (e) {
    await teardown();
    throw e;
  }
  project.provide("databaseUrl", databaseUrl);
  project.provide("testDatabasePrefix", testDatabasePrefix);
  return teardown;
}

function dropDatabases(databaseUrl: string, prefix: string) {
  return withPg(databaseUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
      [prefix],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE "${datname}" WITH (FORCE)`);
  });
}
