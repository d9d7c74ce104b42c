import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import { controlRollout, requireStatus } from "@/lib/rollouts/load-rollout";
import { stageLabel } from "@/lib/rollouts/rollout-settings";
import { actorName } from "@/lib/rollouts/rollout-writes";

// Holds a running rollout at its stage: the canary keeps its weight, the
// controller stops judging it (no advance, no automatic rollback) until a
// person resumes, aborts or promotes it.
export async function pauseRollout({ ctx, id }: { ctx: Ctx; id: string }) {
  return controlRollout(ctx, id, async (tx, rollout, route) => {
    requireStatus(rollout, ["running"], "paused");
    const reason = `Paused by ${await actorName(tx, ctx)} at ${stageLabel(rollout.stages, rollout.stageIndex)}.`;
    await tx.rollout.update({ where: { id }, data: { status: "paused", reason } });
    const { teamId } = await tx.project.findUniqueOrThrow({ where: { id: rollout.projectId }, select: { teamId: true } });
    await recordAudit(tx, ctx, { teamId, action: "rollout.pause", targetType: "rollout", targetId: id, data: { route: route.name, stage: rollout.stageIndex, reason } });
  });
}
