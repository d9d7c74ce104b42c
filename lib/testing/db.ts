import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { createDb, type Db } from "@/lib/db/client";
import { withPg } from "@/lib/db/with-pg";

// A Prisma client on the run's migrated database, disconnected after the file's tests.
export function testDb(): Db {
  const db = createDb(inject("databaseUrl"));
  afterAll(() => db.$disconnect());
  return db;
}

// An empty database on the same server, for tests that need a pristine schema.
// Global teardown drops it (or the whole throwaway server).
export async function createTestDatabase(): Promise<string> {
  const base = inject("databaseUrl");
  const name = `${inject("testDatabasePrefix")}${randomBytes(6).toString("hex")}`;
  await withPg(base, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
