import type { BlobStore } from "@/lib/bundles/store/blob-store";
import { ByteLru } from "@/lib/router/static/lru";

// Where serveFile gets a file's bytes.
export interface FileSource {
  read(sha256: string): Promise<Buffer>;
  /** The bytes if they are already in memory (lets the router answer without a promise). */
  peek?(sha256: string): Buffer | undefined;
}

export type BlobSourceOptions = { maxCachedBytes: number; maxFileBytes: number };

export type BlobSource = FileSource & {
  /** Bytes and entries currently cached (for metrics and tests). */
  stats(): { cachedBytes: number; cachedFiles: number; loads: number };
};

// Reads blobs from a store, keeping recently used contents in a byte-bounded
// LRU. Files over maxFileBytes are read but never cached; concurrent reads of
// the same blob share a single load.
export function createBlobSource(store: BlobStore, opts: BlobSourceOptions): BlobSource {
  const cache = new ByteLru<Buffer>(opts.maxCachedBytes, (b) => b.length);
  const inflight = new Map<string, Promise<Buffer>>();
  let loads = 0;

  const load = async (sha256: string) => {
    loads++;
    const stream = await store.get(sha256);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks);
  };

  return {
    peek: (sha256) => cache.get(sha256),
    read(sha256) {
      const hit = cache.get(sha256);
      if (hit) return Promise.resolve(hit);
      const pending = inflight.get(sha256);
      if (pending) return pending;
      const promise = load(sha256)
        .then((buf) => {
          if (buf.length <= opts.maxFileBytes) cache.set(sha256, buf);
          return buf;
        })
        .finally(() => inflight.delete(sha256));
      inflight.set(sha256, promise);
      return promise;
    },
    stats: () => ({ cachedBytes: cache.bytes, cachedFiles: cache.size, loads }),
  };
}
