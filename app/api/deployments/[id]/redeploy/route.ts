import { redeployDeployment } from "@/lib/deployments/redeploy-deployment";
import { authedRoute } from "@/lib/http/route";

// POST: build the deployment's source again with the project's current variables.
export const POST = authedRoute<{ id: string }>(async ({ ctx, params }) => Response.json(await redeployDeployment({ ctx, id: params.id }), { status: 201 }));
