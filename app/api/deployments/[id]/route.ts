import { getDeployment } from "@/lib/deployments/get-deployment";
import { authedRoute } from "@/lib/http/route";

export const GET = authedRoute<{ id: string }>(({ ctx, params }) => getDeployment({ ctx, id: params.id }));
