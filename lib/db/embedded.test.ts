import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { postgresDataDir } from "@/lib/db/embedded";

const base = mkdtempSync(path.join(os.tmpdir(), "slipway-pgdir-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("postgresDataDir", () => {
  it("keeps the data under DATA_DIR when Postgres can reach it", () => {
    chmodSync(base, 0o755);
    expect(postgresDataDir(path.join(base, "data"))).toBe(path.join(base, "data", "postgres"));
  });

  it("as root, moves it to a fixed place of its own when a parent is private", () => {
    const priv = path.join(base, "private");
    chmodSync(base, 0o700);
    const dir = postgresDataDir(path.join(priv, "data"));
    if (process.getuid?.() === 0) {
      expect(dir).toMatch(/^\/var\/tmp\/slipway-postgres-[0-9a-f]{16}$/);
      expect(postgresDataDir(path.join(priv, "data"))).toBe(dir);
    } else {
      expect(dir).toBe(path.join(priv, "data", "postgres"));
    }
  });
});
