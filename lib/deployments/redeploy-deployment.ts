import type { Ctx } from "@/lib/auth/ctx";
import { blobStore } from "@/lib/bundles/current-store";
import { queueDeployment } from "@/lib/deployments/create-deployment";
import { loadDeployment } from "@/lib/deployments/load-deployment";
import { invalid } from "@/lib/errors/app-error";

// Redeploy: a new deployment of exactly the source `id` was built from (its git
// commit, or the archive kept in the blob store under its sha256), for the same
// environment and branch. The build reads the project's variables as they are
// now, which is the point: "redeploy with current variables". Works for archive
// projects too, with no new upload.
export async function redeployDeployment({ ctx, id }: { ctx: Ctx; id: string }) {
  const { deployment: d } = await loadDeployment(ctx, id, "deployment.create");
  if (d.sourceKind === "git") {
    const project = await ctx.db.project.findUniqueOrThrow({ where: { id: d.projectId }, select: { sourceKind: true } });
    if (project.sourceKind !== "git") throw invalid("The project no longer deploys from a git repository, so this commit cannot be built again; deploy anew.");
  } else if (!(await blobStore().has(d.commitSha))) {
    throw invalid("This deployment's source archive is no longer stored; deploy the source again.");
  }
  return queueDeployment(ctx, {
    project: d.project,
    environment: d.environment,
    branch: d.branch,
    source: { kind: d.sourceKind, sha: d.commitSha, ref: d.sourceRef ?? d.branch },
    message: d.commitMessage,
    redeployOf: d.id,
  });
}
