import path from "node:path";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { mapLimit } from "@/lib/bundles/map-limit";
import type { BlobStore } from "@/lib/bundles/store/blob-store";

export type UploadBlobsOptions = {
  concurrency?: number;
  /** Called after each distinct blob is skipped or written. */
  onProgress?: (done: number, total: number) => void;
};

export type UploadBlobsResult = { written: number; skipped: number; bytesWritten: number };

// Puts each distinct blob of a manifest into the store once, reading it from
// the file in `dir`; blobs the store already has are skipped.
export async function uploadBlobs(
  store: BlobStore,
  dir: string,
  entries: readonly ManifestEntry[],
  opts: UploadBlobsOptions = {},
): Promise<UploadBlobsResult> {
  const root = path.resolve(dir);
  const distinct = new Map<string, ManifestEntry>();
  for (const e of entries) if (!distinct.has(e.sha256)) distinct.set(e.sha256, e);

  const result: UploadBlobsResult = { written: 0, skipped: 0, bytesWritten: 0 };
  let done = 0;
  const total = distinct.size;
  await mapLimit([...distinct.values()], opts.concurrency ?? 4, async (e) => {
    if (await store.has(e.sha256)) {
      result.skipped++;
    } else {
      await store.put(e.sha256, fileIn(root, e.path), { contentType: e.contentType });
      result.written++;
      result.bytesWritten += e.size;
    }
    opts.onProgress?.(++done, total);
  });
  return result;
}

// The manifest path as a file under root; refuses paths that could leave it.
function fileIn(root: string, rel: string) {
  const parts = rel.split("/");
  if (rel.startsWith("/") || parts.some((p) => p === "" || p === "." || p === ".." || p.includes("\\"))) {
    throw new Error(`Manifest path ${JSON.stringify(rel)} is not a plain relative path.`);
  }
  return path.join(root, ...parts);
}
