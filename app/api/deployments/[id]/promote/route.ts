import { authedRoute } from "@/lib/http/route";
import { promoteDeployment } from "@/lib/routes/promote-deployment";

export const POST = authedRoute<{ id: string }>(({ ctx, params }) => promoteDeployment({ ctx, id: params.id }));
