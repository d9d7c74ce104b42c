import type { Ctx } from "@/lib/auth/ctx";
import { conflict } from "@/lib/errors/app-error";
import { controlRollout, requireStatus } from "@/lib/rollouts/load-rollout";
import { auditRollout } from "@/lib/rollouts/rollout-writes";

// Lets the controller judge a paused rollout again. The stage's observation
// starts over from now (with a fresh count of inconclusive windows): whatever
// made a person or the controller pause it, the verdict is about what the
// canary does from here.
export async function resumeRollout({ ctx, id }: { ctx: Ctx; id: string }) {
  return controlRollout(ctx, id, async (tx, rollout, route) => {
    requireStatus(rollout, ["paused"], "resumed");
    if (route.canaryDeploymentId !== rollout.canaryDeploymentId) throw conflict("The route no longer serves this rollout's canary.");
    await tx.rollout.update({ where: { id }, data: { status: "running", reason: null, stageStartedAt: new Date() } });
    await auditRollout(tx, ctx, rollout, "rollout.resume", { route: route.name, stage: rollout.stageIndex });
  });
}
