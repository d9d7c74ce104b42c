import { describe, expect, it } from "vitest";
import { toLegacySchema } from "@/lib/db/schema-sql";

const SCHEMA = `generator client {
  provider = "prisma-client"
  output   = "../lib/generated/prisma"
}

datasource db {
  provider = "postgresql"
}

model Team {
  id String @id
}
`;

describe("toLegacySchema", () => {
  it("drops the generator and gives the datasource a url, once", () => {
    const legacy = toLegacySchema(SCHEMA);
    expect(legacy).not.toContain("generator");
    expect(legacy).toContain('datasource db {\n  url = env("DATABASE_URL")\n  provider = "postgresql"\n}');
    expect(legacy).toContain("model Team {");
    expect(toLegacySchema(legacy)).toBe(legacy);
  });
});
