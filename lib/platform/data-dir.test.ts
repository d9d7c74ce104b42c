import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanupTempDirs, makeTempDir } from "@/lib/bundles/testing/temp-dir";
import { ensureDataDir } from "@/lib/platform/data-dir";

afterEach(cleanupTempDirs);

describe("ensureDataDir", () => {
  it("makes a missing DATA_DIR 0711 (no listing, passable), whatever the umask", async () => {
    const dataDir = path.join(await makeTempDir("data-dir"), "a", "data");
    const umask = process.umask(0);
    try {
      await ensureDataDir(dataDir);
    } finally {
      process.umask(umask);
    }
    expect((await stat(dataDir)).mode & 0o777).toBe(0o711);
  });

  it("leaves an existing one as it is", async () => {
    const dataDir = path.join(await makeTempDir("data-dir"), "data");
    await mkdir(dataDir, { mode: 0o755 });
    await ensureDataDir(dataDir);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o755);
  });
});
