import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import { summarySelect, withAuthors } from "@/lib/deployments/deployment-summary";
import { CANCELABLE, transition } from "@/lib/deployments/lifecycle";
import { loadDeployment } from "@/lib/deployments/load-deployment";
import { conflict } from "@/lib/errors/app-error";

// Cancels a deployment that has not gone live. The status changes at once; the
// worker building it sees that on its next heartbeat and kills the build's
// whole process group. A queued one never starts.
export async function cancelDeployment({ ctx, id }: { ctx: Ctx; id: string }) {
  const { deployment } = await loadDeployment(ctx, id, "deployment.cancel");
  await ctx.db.$transaction(async (tx) => {
    const moved = await transition(tx, { deploymentId: id, from: CANCELABLE, to: "canceled", actor: ctx.actor, reason: "Canceled." });
    if (!moved) {
      const now = await tx.deployment.findUniqueOrThrow({ where: { id }, select: { status: true } });
      throw conflict(`The deployment is ${now.status}; only a deployment that is not live yet can be canceled.`);
    }
    await tx.deploymentStage.updateMany({ where: { deploymentId: id, status: "running" }, data: { status: "canceled", detail: "Canceled.", finishedAt: new Date() } });
    await recordAudit(tx, ctx, { teamId: deployment.project.teamId, action: "deployment.cancel", targetType: "deployment", targetId: id });
  });
  const row = await ctx.db.deployment.findUniqueOrThrow({ where: { id }, select: summarySelect });
  const [summary] = await withAuthors(ctx.db, [row]);
  return { deployment: summary };
}
