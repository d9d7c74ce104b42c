import { authedRoute } from "@/lib/http/route";
import { getDeploymentRollout } from "@/lib/rollouts/get-deployment-rollout";

// The deployment's canary rollout with the charts' series; `?since=<ISO>` limits the series.
export const GET = authedRoute<{ id: string }>(({ req, ctx, params }) =>
  getDeploymentRollout({ ctx, id: params.id, input: Object.fromEntries(new URL(req.url).searchParams) }),
);
