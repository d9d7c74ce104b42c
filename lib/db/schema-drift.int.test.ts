import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { applyMigrations, MIGRATIONS_DIR } from "@/lib/db/migrate";
import { schemaToSql } from "@/lib/db/schema-sql";
import { createTestDatabase } from "@/lib/testing/db";
import { schemaSnapshot } from "@/lib/testing/schema-snapshot";
import { withPg } from "@/lib/db/with-pg";

const SCHEMA = path.join(MIGRATIONS_DIR, "../schema.prisma");
const PARTIAL_INDEXES = ["log_lines_deployment_errors_idx", "log_lines_output_text_idx", "log_lines_project_errors_idx"];

// If someone edits schema.prisma without adding a migration (or edits a migration
// by hand), the migrated database and the one built straight from the schema differ.
describe("prisma/migrations", () => {
  it("produce exactly the database that prisma/schema.prisma describes", async () => {
    const schema = await readFile(SCHEMA, "utf8");
    const [migrated, fromSchema] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    await applyMigrations(migrated);
    const sql = await schemaToSql({ to: schema, databaseUrl: inject("databaseUrl") });
    await withPg(fromSchema, (c) => c.query(sql));

    const expected = await schemaSnapshot(fromSchema);
    expect(expected.tables).toHaveLength(schema.match(/^model /gm)!.length);
    const actual = await schemaSnapshot(migrated);
    // Partial indexes Prisma cannot declare, written in their migration by hand (named in schema.prisma's comments).
    const partial = actual.indexes.filter((i) => PARTIAL_INDEXES.includes(i.index as string));
    expect(partial.map((i) => [i.index, / WHERE \((status_class >= 4|text <> ''::text)\)$/.test(i.definition as string)])).toEqual(PARTIAL_INDEXES.map((name) => [name, true]));
    expect({ ...actual, indexes: actual.indexes.filter((i) => !partial.includes(i)) }).toEqual(expected);
  });

  it("the comparison notices a column the schema does not have", async () => {
    const url = await createTestDatabase();
    await applyMigrations(url);
    const before = await schemaSnapshot(url);
    await withPg(url, (c) => c.query(`ALTER TABLE "teams" ADD COLUMN "note" TEXT`));
    const after = await schemaSnapshot(url);

    expect(after).not.toEqual(before);
    expect(after.columns).toContainEqual(expect.objectContaining({ table: "teams", column: "note", type: "text" }));
  });
});
