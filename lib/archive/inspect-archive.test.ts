import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inspectArchive } from "@/lib/archive/inspect-archive";
import { writeTarGz } from "@/lib/archive/test-tar";

let tmp: string;
let archive: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "slipway-inspect-"));
  archive = path.join(tmp, "app.tar.gz");
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("inspectArchive", () => {
  it("counts entries, files and bytes without writing anything", async () => {
    await writeTarGz(archive, [
      { name: "./", type: "directory" },
      { name: "src/", type: "directory" },
      { name: "src/a.ts", content: "abc" },
      { name: "src/empty", content: "" },
      { name: "src/link", type: "symlink", linkname: "a.ts" },
    ]);
    expect(await inspectArchive(archive)).toEqual({ entries: 5, files: 2, bytes: 3 });
    expect(await readdir(tmp)).toEqual(["app.tar.gz"]);
  });

  it("accepts an archive made by the system tar", async (ctx) => {
    const src = path.join(tmp, "src");
    await mkdir(path.join(src, "lib"), { recursive: true });
    await writeFile(path.join(src, "lib/x.js"), "x");
    await writeFile(path.join(src, `${"long".repeat(40)}.txt`), "y");
    await symlink("lib/x.js", path.join(src, "x.js"));
    try {
      await promisify(execFile)("tar", ["-czf", archive, "-C", src, "."]);
    } catch {
      ctx.skip();
    }
    expect(await inspectArchive(archive)).toEqual({ entries: 5, files: 2, bytes: 2 });
  });

  it("lets a per-call limit override only the limit it names", async () => {
    await writeTarGz(archive, [{ name: "a.txt", content: "12345" }]);
    await expect(inspectArchive(archive, { maxFileBytes: 4 })).rejects.toMatchObject({ code: "too_large" });
    await expect(inspectArchive(archive, { maxFileBytes: 5, maxEntries: undefined })).resolves.toEqual({ entries: 1, files: 1, bytes: 5 });
  });
});
