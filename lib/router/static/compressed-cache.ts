import { promisify } from "node:util";
import zlib from "node:zlib";
import { ByteLru } from "@/lib/router/static/lru";

export type Encoding = "br" | "gzip";

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

// Max quality is slow on big inputs; each (sha256, encoding) is compressed
// only once, so spend it where it is cheap.
const BROTLI_MAX_QUALITY_BYTES = 1024 * 1024;

export function compress(data: Buffer, encoding: Encoding): Promise<Buffer> {
  if (encoding === "gzip") return gzip(data, { level: 9 });
  return brotli(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: data.length <= BROTLI_MAX_QUALITY_BYTES ? 11 : 5,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
}

export type CompressedCacheOptions = { maxBytes: number };

// Compressed bodies keyed by (sha256, encoding) in a byte-bounded LRU.
// Concurrent requests for the same key share a single compression.
export class CompressedCache {
  private readonly lru: ByteLru<Buffer>;
  private readonly inflight = new Map<string, Promise<Buffer>>();
  compressions = 0;

  constructor(opts: CompressedCacheOptions) {
    this.lru = new ByteLru<Buffer>(opts.maxBytes, (b) => b.length);
  }

  get bytes() {
    return this.lru.bytes;
  }

  get size() {
    return this.lru.size;
  }

  peek(sha256: string, encoding: Encoding): Buffer | undefined {
    return this.lru.get(`${sha256}:${encoding}`);
  }

  get(sha256: string, encoding: Encoding, load: () => Promise<Buffer>): Promise<Buffer> {
    const key = `${sha256}:${encoding}`;
    const hit = this.lru.get(key);
    if (hit) return Promise.resolve(hit);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const promise = (async () => {
      const data = await load();
      this.compressions++;
      const out = await compress(data, encoding);
      this.lru.set(key, out);
      return out;
    })().finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }
}

export function createCompressedCache(opts: CompressedCacheOptions) {
  return new CompressedCache(opts);
}
