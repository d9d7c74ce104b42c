import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { mapLimit } from "@/lib/bundles/map-limit";
import type { BlobStore } from "@/lib/bundles/store/blob-store";

export type VerifyBlobsResult = { ok: true } | { ok: false; missing: string[] };

// Checks that every blob of a manifest is in the store with the right size and
// content (each distinct blob once). `missing` lists, sorted, the paths whose
// blob is absent or wrong. Store errors (network, permissions) are thrown, not
// reported as missing.
export async function verifyBlobs(
  store: BlobStore,
  entries: readonly ManifestEntry[],
  opts: { concurrency?: number } = {},
): Promise<VerifyBlobsResult> {
  const byBlob = new Map<string, { sha256: string; size: number; paths: string[] }>();
  for (const e of entries) {
    const id = `${e.sha256}:${e.size}`;
    const blob = byBlob.get(id) ?? { sha256: e.sha256, size: e.size, paths: [] };
    blob.paths.push(e.path);
    byBlob.set(id, blob);
  }
  const blobs = [...byBlob.values()];
  const good = await mapLimit(blobs, opts.concurrency ?? 4, (b) => store.verify(b.sha256, b.size));
  const missing = blobs.flatMap((b, i) => (good[i] ? [] : b.paths)).sort();
  return missing.length === 0 ? { ok: true } : { ok: false, missing };
}
