import type { Ctx } from "@/lib/auth/ctx";
import { loadDeployment } from "@/lib/deployments/load-deployment";

// The files of the deployment's bundle (path, size, sha256, content type).
export async function getManifest({ ctx, id }: { ctx: Ctx; id: string }) {
  const { deployment } = await loadDeployment(ctx, id);
  if (!deployment.bundleDigest) return { digest: null, fileCount: 0, totalBytes: 0, files: [] };
  const [bundle, entries] = await Promise.all([
    ctx.db.bundle.findUniqueOrThrow({ where: { digest: deployment.bundleDigest } }),
    ctx.db.manifestEntry.findMany({ where: { bundleDigest: deployment.bundleDigest }, orderBy: { path: "asc" } }),
  ]);
  return {
    digest: bundle.digest,
    fileCount: bundle.fileCount,
    totalBytes: Number(bundle.totalBytes),
    files: entries.map((e) => ({ path: e.path, size: Number(e.size), sha256: e.sha256, contentType: e.contentType })),
  };
}
