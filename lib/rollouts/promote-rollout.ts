import type { Ctx } from "@/lib/auth/ctx";
import { conflict } from "@/lib/errors/app-error";
import { controlRollout, requireStatus } from "@/lib/rollouts/load-rollout";
import { stageLabel } from "@/lib/rollouts/rollout-settings";
import { actorName, completeRollout } from "@/lib/rollouts/rollout-writes";

// Promote now: skips the remaining stages. The canary goes live as if the last
// stage had passed: the live deployment becomes superseded and the route's live
// pointer moves to the canary in one write.
export async function promoteRollout({ ctx, id }: { ctx: Ctx; id: string }) {
  return controlRollout(ctx, id, async (tx, rollout, route) => {
    requireStatus(rollout, ["running", "paused"], "promoted");
    if (route.canaryDeploymentId !== rollout.canaryDeploymentId) throw conflict("The route no longer serves this rollout's canary.");
    const reason = `Promoted by ${await actorName(tx, ctx)} at ${stageLabel(rollout.stages, rollout.stageIndex)}.`;
    await completeRollout(tx, ctx, { rollout, route, reason, action: "rollout.promote" });
  });
}
