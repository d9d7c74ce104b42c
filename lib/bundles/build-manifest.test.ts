import { createHash } from "node:crypto";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildManifest, manifestDigest, type ManifestEntry } from "@/lib/bundles/build-manifest";
import { cleanupTempDirs, makeTempDir } from "@/lib/bundles/testing/temp-dir";

const sha = (content: string | Buffer) => createHash("sha256").update(content).digest("hex");

async function writeTree(root: string, files: Record<string, string | Buffer>) {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, ...rel.split("/"));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

afterEach(cleanupTempDirs);

describe("buildManifest", () => {
  it("lists every file with its POSIX path, size, sha256 and content type, sorted by path", async () => {
    const dir = await makeTempDir();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    const files = {
      "index.html": "<!doctype html><h1>hi</h1>",
      "assets/app.js": "console.log('app')",
      "assets/app.css": "body{}",
      "assets/img/logo.png": png,
      "Zed.txt": "upper case sorts first",
      "empty.bin": "",
      "README": "no extension",
    };
    await writeTree(dir, files);

    const entries = await buildManifest(dir);

    expect(entries.map((e) => e.path)).toEqual([
      "README",
      "Zed.txt",
      "assets/app.css",
      "assets/app.js",
      "assets/img/logo.png",
      "empty.bin",
      "index.html",
    ]);
    for (const e of entries) {
      const content = files[e.path as keyof typeof files];
      expect(e.size).toBe(Buffer.byteLength(content));
      expect(e.sha256).toBe(sha(content));
    }
    const types = Object.fromEntries(entries.map((e) => [e.path, e.contentType]));
    expect(types).toEqual({
      README: "application/octet-stream",
      "Zed.txt": "text/plain; charset=utf-8",
      "assets/app.css": "text/css; charset=utf-8",
      "assets/app.js": "text/javascript; charset=utf-8",
      "assets/img/logo.png": "image/png",
      "empty.bin": "application/octet-stream",
      "index.html": "text/html; charset=utf-8",
    });
  });

  it("hashes a file larger than one read chunk correctly", async () => {
    const dir = await makeTempDir();
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    await writeTree(dir, { "big.wasm": big });
    const [entry] = await buildManifest(dir);
    expect(entry).toEqual({ path: "big.wasm", size: big.length, sha256: sha(big), contentType: "application/wasm" });
  });

  it("returns an empty manifest for an empty directory", async () => {
    expect(await buildManifest(await makeTempDir())).toEqual([]);
  });

  it("follows symlinks to files and directories that stay inside the directory", async () => {
    const dir = await makeTempDir();
    await writeTree(dir, { "real/a.js": "a", "b.css": "b" });
    await symlink("real/a.js", path.join(dir, "link.js"));
    await symlink(path.join(dir, "real"), path.join(dir, "alias"));

    const entries = await buildManifest(dir);

    expect(entries.map((e) => [e.path, e.sha256])).toEqual([
      ["alias/a.js", sha("a")],
      ["b.css", sha("b")],
      ["link.js", sha("a")],
      ["real/a.js", sha("a")],
    ]);
  });

  it("rejects a symlink whose real path leaves the directory, naming it", async () => {
    const outside = await makeTempDir("outside");
    await writeTree(outside, { "secret.txt": "do not ship" });
    const dir = await makeTempDir();
    await writeTree(dir, { "index.html": "ok" });
    await symlink(path.join(outside, "secret.txt"), path.join(dir, "leak.txt"));

    await expect(buildManifest(dir)).rejects.toThrow(/Symlink leak\.txt points outside/);
  });

  it("rejects a relative symlink that climbs out through ..", async () => {
    const dir = await makeTempDir();
    await writeTree(dir, { "sub/x.txt": "x" });
    await symlink("../..", path.join(dir, "sub", "up"));
    await expect(buildManifest(dir)).rejects.toThrow(/Symlink sub\/up points outside/);
  });

  it("rejects a symlink loop and a broken symlink", async () => {
    const loop = await makeTempDir();
    await mkdir(path.join(loop, "d"));
    await symlink("..", path.join(loop, "d", "back"));
    await expect(buildManifest(loop)).rejects.toThrow(/d\/back makes a loop/);

    const broken = await makeTempDir();
    await symlink("nowhere.js", path.join(broken, "gone.js"));
    await expect(buildManifest(broken)).rejects.toThrow(/gone\.js .*broken/);
  });

  it("rejects a missing directory and a path that is a file", async () => {
    const dir = await makeTempDir();
    await writeTree(dir, { "file.txt": "x" });
    await expect(buildManifest(path.join(dir, "nope"))).rejects.toThrow(/does not exist/);
    await expect(buildManifest(path.join(dir, "file.txt"))).rejects.toThrow(/is not a directory/);
  });

  it("enforces the file count and total size limits", async () => {
    const dir = await makeTempDir();
    await writeTree(dir, { "a.txt": "12345", "b.txt": "67890", "c.txt": "x" });
    await expect(buildManifest(dir, { maxFiles: 2 })).rejects.toThrow(/more than 2 files/);
    await expect(buildManifest(dir, { maxTotalBytes: 10 })).rejects.toThrow(/larger than 10 bytes/);
    await expect(buildManifest(dir, { maxFiles: 3, maxTotalBytes: 11 })).resolves.toHaveLength(3);
  });
});

describe("manifestDigest", () => {
  it("is stable, ignores entry order and changes when one byte of one file changes", async () => {
    const dir = await makeTempDir();
    await writeTree(dir, { "index.html": "<p>hello</p>", "assets/app.js": "let a = 1;" });
    const first = await buildManifest(dir);
    const again = await buildManifest(dir);

    expect(manifestDigest(again)).toBe(manifestDigest(first));
    expect(manifestDigest([...first].reverse())).toBe(manifestDigest(first));
    expect(manifestDigest(first)).toMatch(/^[0-9a-f]{64}$/);

    await writeTree(dir, { "assets/app.js": "let a = 2;" });
    expect(manifestDigest(await buildManifest(dir))).not.toBe(manifestDigest(first));
  });

  it("hashes the documented canonical text form", () => {
    const entries: ManifestEntry[] = [
      { path: "b.txt", size: 1, sha256: "b".repeat(64), contentType: "text/plain; charset=utf-8" },
      { path: "a.js", size: 22, sha256: "a".repeat(64), contentType: "text/javascript; charset=utf-8" },
    ];
    const text =
      `a.js\t22\t${"a".repeat(64)}\ttext/javascript; charset=utf-8\n` +
      `b.txt\t1\t${"b".repeat(64)}\ttext/plain; charset=utf-8\n`;
    expect(manifestDigest(entries)).toBe(sha(text));
  });
});
