import type { Ctx } from "@/lib/auth/ctx";
import { controlRollout, requireStatus } from "@/lib/rollouts/load-rollout";
import { stageLabel } from "@/lib/rollouts/rollout-settings";
import { actorName, stopRollout } from "@/lib/rollouts/rollout-writes";

// Rolls a rollout back by hand: the canary leaves the route in one write (all
// traffic to the live deployment), the rollout ends `aborted` and the canary
// deployment `canceled` (not `failed`: a person stopped it, no test found it
// worse), with "Aborted by <name>" as the reason.
export async function abortRollout({ ctx, id }: { ctx: Ctx; id: string }) {
  return controlRollout(ctx, id, async (tx, rollout, route) => {
    requireStatus(rollout, ["running", "paused"], "aborted");
    const reason = `Aborted by ${await actorName(tx, ctx)} at ${stageLabel(rollout.stages, rollout.stageIndex)}.`;
    await stopRollout(tx, ctx, { rollout, route, status: "aborted", deploymentTo: "canceled", reason, action: "rollout.abort" });
  });
}
