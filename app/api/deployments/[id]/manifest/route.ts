import { getManifest } from "@/lib/deployments/get-manifest";
import { authedRoute } from "@/lib/http/route";

export const GET = authedRoute<{ id: string }>(({ ctx, params }) => getManifest({ ctx, id: params.id }));
