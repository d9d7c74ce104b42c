import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ArchiveError } from "@/lib/archive/archive-error";
import { inspectArchive } from "@/lib/archive/inspect-archive";
import type { BlobStore } from "@/lib/bundles/store/blob-store";
import { invalid, tooLarge } from "@/lib/errors/app-error";

export type ReceivedArchive = { sha256: string; bytes: number };

// Streams an uploaded .tar.gz to a temp file (never whole into memory), hashing
// it and stopping at the size limit, checks every entry, then stores it as a
// blob named by its sha256 — which becomes the deployment's build SHA.
// Anything wrong: a clear 4xx, and nothing is stored.
export async function receiveArchive(opts: {
  body: ReadableStream<Uint8Array> | null;
  declaredBytes?: number | null;
  maxBytes: number;
  tmpDir: string;
  store: BlobStore;
}): Promise<ReceivedArchive> {
  const limitMb = Math.round(opts.maxBytes / (1 << 20));
  if (!opts.body) throw invalid("Upload the source as a .tar.gz request body.");
  if (opts.declaredBytes && opts.declaredBytes > opts.maxBytes) {
    throw tooLarge(`The archive is larger than the ${limitMb} MB limit.`);
  }
  await mkdir(opts.tmpDir, { recursive: true });
  const file = path.join(opts.tmpDir, `upload-${randomUUID()}.tar.gz`);
  try {
    const hash = createHash("sha256");
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > opts.maxBytes) return done(tooLarge(`The archive is larger than the ${limitMb} MB limit.`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(opts.body as import("node:stream/web").ReadableStream), meter, createWriteStream(file, { mode: 0o600 }));
    if ((await stat(file)).size === 0) throw invalid("The uploaded archive is empty.");
    try {
      await inspectArchive(file);
    } catch (e) {
      if (e instanceof ArchiveError) throw invalid(e.message, { archive: e.code });
      throw e;
    }
    const sha256 = hash.digest("hex");
    await opts.store.put(sha256, file, { contentType: "application/gzip" });
    return { sha256, bytes };
  } finally {
    await rm(file, { force: true });
  }
}
