import { authedRoute } from "@/lib/http/route";
import { abortRollout } from "@/lib/rollouts/abort-rollout";

export const POST = authedRoute<{ id: string }>(({ ctx, params }) => abortRollout({ ctx, id: params.id }));
