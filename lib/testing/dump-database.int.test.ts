import { describe, expect, inject, it } from "vitest";
import { testDb } from "@/lib/testing/db";
import { dumpDatabase } from "@/lib/testing/dump-database";
import { seedTeam, unique } from "@/lib/testing/seed";

const db = testDb();

describe("dumpDatabase", () => {
  it("has every table of every non-system schema, with their rows in COPY format", async () => {
    const marker = unique("marker-team");
    await db.team.create({ data: { slug: marker, name: `Team\twith "${marker}"` } });
    await seedTeam(db, "owner");
    const dump = await dumpDatabase(inject("databaseUrl"));
    expect(dump).toContain("COPY public.teams FROM stdin;\n");
    expect(dump).toContain("COPY public.env_vars FROM stdin;\n");
    expect(dump).toMatch(/COPY graphile_worker\.\S+ FROM stdin;/);
    expect(dump).not.toMatch(/COPY (pg_catalog|information_schema)\./);
    // COPY text format: a tab inside a value is written as \t, like pg_dump does.
    expect(dump).toContain(`Team\\twith "${marker}"`);
  });
});
