import type { BuildContext } from "@/lib/build/build-context";
import { StageFailure } from "@/lib/build/build-context";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { uploadBlobs } from "@/lib/bundles/upload-blobs";
import { verifyBlobs } from "@/lib/bundles/verify-blobs";

// Writes only the blobs the store lacks, then checks every blob of the manifest
// is present with the right content before the bundle is marked verified —
// nothing routes to a bundle without that mark.
export async function uploadBundle(ctx: BuildContext, bundle: { outputDir: string; entries: ManifestEntry[]; digest: string }) {
  const { store, db } = ctx.deps;
  const result = await uploadBlobs(store, bundle.outputDir, bundle.entries);
  ctx.log.system(`Uploaded ${result.written} new blob(s) (${result.bytesWritten} bytes); ${result.skipped} already stored`);
  const verified = await verifyBlobs(store, bundle.entries);
  if (!verified.ok) {
    throw new StageFailure(`The store is missing or has corrupt blobs for ${verified.missing.slice(0, 3).join(", ")}${verified.missing.length > 3 ? ", …" : ""}.`);
  }
  await db.bundle.update({ where: { digest: bundle.digest }, data: { verifiedAt: new Date() } });
  return `${result.written} new, ${result.skipped} reused`;
}
