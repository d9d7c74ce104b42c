import { listBranches } from "@/lib/deployments/list-branches";
import { authedRoute } from "@/lib/http/route";

export const GET = authedRoute<{ slug: string }>(({ ctx, params }) => listBranches({ ctx, slug: params.slug }));
