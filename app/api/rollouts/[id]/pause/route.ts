import { authedRoute } from "@/lib/http/route";
import { pauseRollout } from "@/lib/rollouts/pause-rollout";

export const POST = authedRoute<{ id: string }>(({ ctx, params }) => pauseRollout({ ctx, id: params.id }));
