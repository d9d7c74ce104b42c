import { authedRoute } from "@/lib/http/route";
import { promoteRollout } from "@/lib/rollouts/promote-rollout";

export const POST = authedRoute<{ id: string }>(({ ctx, params }) => promoteRollout({ ctx, id: params.id }));
