import { afterEach, describe, expect, it } from "vitest";
import { BlobNotFoundError } from "@/lib/bundles/store/blob-store";
import { cleanupTempDirs } from "@/lib/bundles/testing/temp-dir";
import { createBlobSource } from "@/lib/router/static/blob-source";
import { CompressedCache } from "@/lib/router/static/compressed-cache";
import { ByteLru } from "@/lib/router/static/lru";
import { makeBundle } from "@/lib/router/static/testing";

afterEach(cleanupTempDirs);

describe("ByteLru", () => {
  it("evicts least recently used values to stay within its byte budget", () => {
    const lru = new ByteLru<Buffer>(10, (b) => b.length);
    lru.set("a", Buffer.alloc(4));
    lru.set("b", Buffer.alloc(4));
    lru.get("a"); // a is now the most recent
    lru.set("c", Buffer.alloc(4));
    expect(lru.has("a")).toBe(true);
    expect(lru.has("b")).toBe(false);
    expect(lru.has("c")).toBe(true);
    expect(lru.bytes).toBe(8);
    expect(lru.set("huge", Buffer.alloc(11))).toBe(false);
    expect(lru.bytes).toBe(8);
    lru.set("a", Buffer.alloc(1)); // replacing a key adjusts the total
    expect(lru.bytes).toBe(5);
  });
});

describe("ByteLru under a flood of one-time keys", () => {
  it("keeps a value that is asked for between the inserts, and stays within its budget", () => {
    const lru = new ByteLru<Buffer>(100, (b) => b.length);
    lru.set("popular", Buffer.alloc(10));
    for (let i = 0; i < 1000; i++) {
      lru.set(`once-${i}`, Buffer.alloc(10));
      expect(lru.get("popular")).toBeDefined();
      expect(lru.bytes).toBeLessThanOrEqual(100);
    }
    expect(lru.size).toBe(10);
    expect(lru.has("once-0")).toBe(false);
    expect(lru.has("once-999")).toBe(true);
  });
});

describe("createBlobSource", () => {
  it("reads blobs, caches them, and bounds the cache by total bytes", async () => {
    const files = { a: "a".repeat(100), b: "b".repeat(100), c: "c".repeat(100) };
    const { store, entry } = await makeBundle(files);
    const source = createBlobSource(store, { maxCachedBytes: 250, maxFileBytes: 1000 });
    const [a, b, c] = ["a", "b", "c"].map((p) => entry(p).sha256);

    expect((await source.read(a)).toString()).toBe(files.a);
    expect((await source.read(a)).toString()).toBe(files.a);
    expect(source.stats().loads).toBe(1);

    await source.read(b);
    await source.read(a); // a most recent, b least
    await source.read(c); // evicts b
    expect(source.stats()).toEqual({ cachedBytes: 200, cachedFiles: 2, loads: 3 });
    await source.read(a);
    await source.read(c);
    expect(source.stats().loads).toBe(3);
    expect((await source.read(b)).toString()).toBe(files.b);
    expect(source.stats().loads).toBe(4);
    expect(source.stats().cachedBytes).toBeLessThanOrEqual(250);
  });

  it("does not cache files over maxFileBytes", async () => {
    const { store, entry } = await makeBundle({ big: "x".repeat(500) });
    const source = createBlobSource(store, { maxCachedBytes: 10_000, maxFileBytes: 499 });
    await source.read(entry("big").sha256);
    await source.read(entry("big").sha256);
    expect(source.stats()).toEqual({ cachedBytes: 0, cachedFiles: 0, loads: 2 });
  });

  it("shares one load between concurrent reads of the same blob", async () => {
    const { store, entry } = await makeBundle({ a: "z".repeat(64 * 1024) });
    const source = createBlobSource(store, { maxCachedBytes: 0, maxFileBytes: 0 });
    const results = await Promise.all(Array.from({ length: 10 }, () => source.read(entry("a").sha256)));
    expect(source.stats().loads).toBe(1);
    for (const r of results) expect(r.length).toBe(64 * 1024);
  });

  it("rejects a missing blob and does not remember the failure", async () => {
    const { store } = await makeBundle({});
    const source = createBlobSource(store, { maxCachedBytes: 1000, maxFileBytes: 1000 });
    const missing = "f".repeat(64);
    await expect(source.read(missing)).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(source.read(missing)).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(source.stats().loads).toBe(2);
  });
});

describe("CompressedCache", () => {
  it("compresses once per (sha256, encoding) and bounds its bytes", async () => {
    const cache = new CompressedCache({ maxBytes: 100 });
    const data = Buffer.from("hello ".repeat(1000));
    let loads = 0;
    const load = async () => {
      loads++;
      return data;
    };
    const [x, y] = await Promise.all([cache.get("1", "br", load), cache.get("1", "br", load)]);
    expect(x).toBe(y);
    await cache.get("1", "br", load);
    expect(loads).toBe(1);
    expect(cache.compressions).toBe(1);
    await cache.get("1", "gzip", load);
    expect(cache.compressions).toBe(2);
    for (let i = 2; i < 50; i++) await cache.get(String(i), "br", load);
    expect(cache.bytes).toBeLessThanOrEqual(100);
    expect(cache.size).toBeLessThan(50);
  });
});
