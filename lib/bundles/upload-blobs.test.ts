import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildManifest } from "@/lib/bundles/build-manifest";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import { cleanupTempDirs, makeTempDir } from "@/lib/bundles/testing/temp-dir";
import { uploadBlobs } from "@/lib/bundles/upload-blobs";
import { verifyBlobs } from "@/lib/bundles/verify-blobs";

afterEach(cleanupTempDirs);

async function writeTree(root: string, files: Record<string, string>) {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, ...rel.split("/"));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

async function setup() {
  const dir = await makeTempDir("out");
  await writeTree(dir, {
    "index.html": "<h1>home</h1>",
    "about/index.html": "<h1>about</h1>",
    "assets/app.js": "console.log(1)",
    "assets/copy-of-app.js": "console.log(1)",
    "assets/app.css": "body{color:red}",
  });
  const store = createLocalStore(await makeTempDir("store"));
  return { dir, store };
}

describe("uploadBlobs", () => {
  it("stores duplicate content once, and writes nothing on a second upload", async () => {
    const { dir, store } = await setup();
    const entries = await buildManifest(dir);
    const progress: [number, number][] = [];

    const first = await uploadBlobs(store, dir, entries, { onProgress: (d, t) => progress.push([d, t]) });

    expect(first).toEqual({ written: 4, skipped: 0, bytesWritten: 13 + 14 + 14 + 15 });
    expect(progress.at(-1)).toEqual([4, 4]);
    expect(progress.map(([d]) => d)).toEqual([1, 2, 3, 4]);
    expect(await uploadBlobs(store, dir, entries)).toEqual({ written: 0, skipped: 4, bytesWritten: 0 });
    expect(await verifyBlobs(store, entries)).toEqual({ ok: true });
  });

  it("writes exactly one new blob when one file changes", async () => {
    const { dir, store } = await setup();
    await uploadBlobs(store, dir, await buildManifest(dir));

    await writeFile(path.join(dir, "assets", "app.css"), "body{color:blue}");
    const changed = await buildManifest(dir);

    expect(await uploadBlobs(store, dir, changed, { concurrency: 1 })).toEqual({ written: 1, skipped: 3, bytesWritten: 16 });
    expect(await verifyBlobs(store, changed)).toEqual({ ok: true });
  });

  it("fails when a file no longer matches its manifest entry, storing nothing for it", async () => {
    const { dir, store } = await setup();
    const entries = await buildManifest(dir);
    await writeFile(path.join(dir, "index.html"), "<h1>tampered</h1>");

    await expect(uploadBlobs(store, dir, entries)).rejects.toThrow(/Refusing to store .*index\.html/);
    const home = entries.find((e) => e.path === "index.html")!;
    expect(await store.has(home.sha256)).toBe(false);
  });

  it("refuses manifest paths that would leave the directory", async () => {
    const { dir, store } = await setup();
    const [entry] = await buildManifest(dir);
    for (const bad of ["../escape.txt", "/etc/passwd", "a//b", "a/./b"]) {
      await expect(uploadBlobs(store, dir, [{ ...entry, path: bad }])).rejects.toThrow(/not a plain relative path/);
    }
  });
});

describe("verifyBlobs", () => {
  it("reports every path whose blob is absent or the wrong size, sorted", async () => {
    const { dir, store } = await setup();
    const entries = await buildManifest(dir);
    const withoutApp = entries.filter((e) => e.path !== "assets/app.js" && e.path !== "assets/copy-of-app.js");
    await uploadBlobs(store, dir, withoutApp);

    expect(await verifyBlobs(store, entries)).toEqual({
      ok: false,
      missing: ["assets/app.js", "assets/copy-of-app.js"],
    });

    const wrongSize = withoutApp.map((e) => (e.path === "index.html" ? { ...e, size: e.size + 1 } : e));
    expect(await verifyBlobs(store, wrongSize, { concurrency: 2 })).toEqual({ ok: false, missing: ["index.html"] });
    expect(await verifyBlobs(store, [])).toEqual({ ok: true });
  });
});
