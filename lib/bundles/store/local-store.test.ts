import { createHash } from "node:crypto";
import { chmod, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BlobIntegrityError, BlobNotFoundError } from "@/lib/bundles/store/blob-store";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import { readAll } from "@/lib/bundles/testing/read-all";
import { cleanupTempDirs, makeTempDir } from "@/lib/bundles/testing/temp-dir";

const sha = (content: string | Buffer) => createHash("sha256").update(content).digest("hex");

afterEach(cleanupTempDirs);

async function setup(content: string | Buffer = "hello, blob") {
  const root = await makeTempDir("store");
  const src = await makeTempDir("src");
  const file = path.join(src, "file.bin");
  await writeFile(file, content);
  return { root, file, store: createLocalStore(root), sha256: sha(content) };
}

describe("createLocalStore", () => {
  it("puts a blob read-only at blobs/ab/<sha256>, then has/size/get/verify it", async () => {
    const { root, file, store, sha256 } = await setup();
    expect(store.kind).toBe("local");
    expect(await store.has(sha256)).toBe(false);
    expect(await store.size(sha256)).toBeNull();
    expect(await store.verify(sha256, 11)).toBe(false);

    await store.put(sha256, file);

    const final = path.join(root, "blobs", sha256.slice(0, 2), sha256);
    expect(await readFile(final, "utf8")).toBe("hello, blob");
    expect((await stat(final)).mode & 0o777).toBe(0o400);
    expect(await store.has(sha256)).toBe(true);
    expect(await store.size(sha256)).toBe(11);
    expect((await readAll(await store.get(sha256))).toString()).toBe("hello, blob");
    expect(await store.verify(sha256, 11)).toBe(true);
    expect(await store.verify(sha256, 12)).toBe(false);
    expect(await readdir(path.join(root, "tmp"))).toEqual([]);
  });

  it("gives group and others no access to blobs or directories, whatever the umask, and narrows an old open store", async () => {
    const { root, file, store, sha256 } = await setup();
    await chmod(root, 0o755);
    const umask = process.umask(0);
    try {
      await store.put(sha256, file);
    } finally {
      process.umask(umask);
    }
    const shard = path.join(root, "blobs", sha256.slice(0, 2));
    for (const dir of [root, path.join(root, "blobs"), path.join(root, "tmp"), shard]) {
      expect({ dir, mode: (await stat(dir)).mode & 0o777 }).toEqual({ dir, mode: 0o700 });
    }
    expect((await stat(path.join(shard, sha256))).mode & 0o077).toBe(0);
  });

  it("stores a multi-chunk file and the empty file", async () => {
    const big = Buffer.alloc(2 * 1024 * 1024 + 3, 7);
    const { file, store, sha256 } = await setup(big);
    await store.put(sha256, file);
    expect(await store.verify(sha256, big.length)).toBe(true);
    expect((await readAll(await store.get(sha256))).equals(big)).toBe(true);

    const empty = await setup("");
    await empty.store.put(empty.sha256, empty.file);
    expect(await empty.store.verify(empty.sha256, 0)).toBe(true);
  });

  it("refuses content whose sha256 differs from the name and leaves nothing behind", async () => {
    const { root, file, store } = await setup("actual content");
    const claimed = sha("other content");

    const put = store.put(claimed, file);
    await expect(put).rejects.toBeInstanceOf(BlobIntegrityError);
    await expect(put).rejects.toThrow(`hashes to ${sha("actual content")}`);

    expect(await store.has(claimed)).toBe(false);
    await expect(stat(path.join(root, "blobs", claimed.slice(0, 2), claimed))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readdir(path.join(root, "tmp"))).toEqual([]);
  });

  it("fails a put from a missing file without leftovers", async () => {
    const { root, file, store, sha256 } = await setup();
    await expect(store.put(sha256, `${file}.missing`)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await store.has(sha256)).toBe(false);
    expect(await readdir(path.join(root, "tmp"))).toEqual([]);
  });

  it("fails verify for a blob corrupted or truncated on disk", async () => {
    const { root, file, store, sha256 } = await setup("0123456789");
    await store.put(sha256, file);
    const final = path.join(root, "blobs", sha256.slice(0, 2), sha256);

    await chmod(final, 0o644);
    await writeFile(final, "0123456780"); // same size, one byte differs
    expect(await store.has(sha256)).toBe(true);
    expect(await store.verify(sha256, 10)).toBe(false);

    await writeFile(final, "012345678");
    expect(await store.verify(sha256, 10)).toBe(false);
    expect(await store.verify(sha256, 9)).toBe(false);

    // A fresh put repairs it.
    await store.put(sha256, file);
    expect(await store.verify(sha256, 10)).toBe(true);
  });

  it("lets concurrent puts of the same blob all succeed", async () => {
    const content = Buffer.alloc(512 * 1024, "abc");
    const { root, file, store, sha256 } = await setup(content);
    await Promise.all(Array.from({ length: 6 }, () => store.put(sha256, file)));
    expect(await store.verify(sha256, content.length)).toBe(true);
    expect(await readdir(path.join(root, "tmp"))).toEqual([]);
    expect(await readdir(path.join(root, "blobs", sha256.slice(0, 2)))).toEqual([sha256]);
  });

  it("throws BlobNotFoundError from get for an absent blob", async () => {
    const { store } = await setup();
    const missing = sha("never stored");
    await expect(store.get(missing)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it.each(["../../etc/passwd", "A".repeat(64), "a".repeat(63), `${"a".repeat(64)}/x`, ""])(
    "rejects the blob name %j in every method",
    async (bad) => {
      const { file, store } = await setup();
      await expect(store.has(bad)).rejects.toThrow(TypeError);
      await expect(store.size(bad)).rejects.toThrow(TypeError);
      await expect(store.get(bad)).rejects.toThrow(TypeError);
      await expect(store.verify(bad, 1)).rejects.toThrow(TypeError);
      await expect(store.put(bad, file)).rejects.toThrow(TypeError);
    },
  );
});
