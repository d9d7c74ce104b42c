import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { postgresDataDir } from "@/lib/db/embedded";

const base = mkdtempSync(path.join(os.tmpdir(), "slipway-pgdir-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const asRoot = process.getuid?.() === 0;

describe("postgresDataDir", () => {
  it("keeps the data under DATA_DIR when Postgres can reach it", () => {
    chmodSync(base, 0o755);
    mkdirSync(path.join(base, "data"), { mode: 0o755 });
    chmodSync(path.join(base, "data"), 0o755);
    expect(postgresDataDir(path.join(base, "data"))).toBe(path.join(base, "data", "postgres"));
  });

  it("as root, moves it to a fixed place of its own when a parent is private", () => {
    const priv = path.join(base, "private");
    chmodSync(base, 0o700);
    const dir = postgresDataDir(path.join(priv, "data"));
    if (asRoot) {
      expect(dir).toMatch(/^\/var\/tmp\/slipway-postgres-[0-9a-f]{16}$/);
      expect(postgresDataDir(path.join(priv, "data"))).toBe(dir);
    } else {
      expect(dir).toBe(path.join(priv, "data", "postgres"));
    }
  });

  it("as root, moves it for a DATA_DIR not made yet (Slipway makes it 0700), the same place once it exists", () => {
    chmodSync(base, 0o755);
    const dataDir = path.join(base, "new");
    const before = postgresDataDir(dataDir);
    if (asRoot) expect(before).toMatch(/^\/var\/tmp\/slipway-postgres-[0-9a-f]{16}$/);
    else expect(before).toBe(path.join(dataDir, "postgres"));
    mkdirSync(dataDir, { mode: 0o700 });
    expect(postgresDataDir(dataDir)).toBe(before);
  });
});
