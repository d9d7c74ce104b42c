import { cancelDeployment } from "@/lib/deployments/cancel-deployment";
import { authedRoute } from "@/lib/http/route";

export const POST = authedRoute<{ id: string }>(({ ctx, params }) => cancelDeployment({ ctx, id: params.id }));
