import { authedRoute } from "@/lib/http/route";
import { resumeRollout } from "@/lib/rollouts/resume-rollout";

export const POST = authedRoute<{ id: string }>(({ ctx, params }) => resumeRollout({ ctx, id: params.id }));
