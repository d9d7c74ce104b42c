import type { Ctx } from "@/lib/auth/ctx";
import { controlRollout, requireStatus } from "@/lib/rollouts/load-rollout";
import { stageLabel } from "@/lib/rollouts/rollout-settings";
import { actorName, pauseRolloutWrite } from "@/lib/rollouts/rollout-writes";

// Holds a running rollout at its stage: the canary keeps its weight, the
// controller stops judging it (no advance, no automatic rollback) until a
// person resumes, aborts or promotes it.
export async function pauseRollout({ ctx, id }: { ctx: Ctx; id: string }) {
  return controlRollout(ctx, id, async (tx, rollout, route) => {
    requireStatus(rollout, ["running"], "paused");
    const reason = `Paused by ${await actorName(tx, ctx)} at ${stageLabel(rollout.stages, rollout.stageIndex)}.`;
    await pauseRolloutWrite(tx, ctx, rollout, reason, { route: route.name });
  });
}
