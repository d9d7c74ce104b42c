import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { packDirectory } from "@/lib/archive/pack-directory";
import { hashFile } from "@/lib/bundles/hash-stream";
import type { BlobStore } from "@/lib/bundles/store/blob-store";
import type { ReceivedArchive } from "@/lib/deployments/receive-archive";

// A "directory" project (the bundled examples) deploys a snapshot of that folder:
// packed deterministically, so an unchanged folder gives the same build SHA.
export async function packSourceDirectory(opts: { root: string; sourcePath: string; tmpDir: string; store: BlobStore }): Promise<ReceivedArchive> {
  const examples = path.resolve(opts.root, "examples");
  const dir = path.resolve(opts.root, opts.sourcePath);
  if (path.dirname(dir) !== examples) throw new Error(`Source directory ${opts.sourcePath} is not one of the examples.`);
  await mkdir(opts.tmpDir, { recursive: true });
  const file = path.join(opts.tmpDir, `pack-${randomUUID()}.tar.gz`);
  try {
    const { bytes } = await packDirectory(dir, file);
    const { sha256 } = await hashFile(file);
    await opts.store.put(sha256, file, { contentType: "application/gzip" });
    return { sha256, bytes };
  } finally {
    await rm(file, { force: true });
  }
}
