import { authedRoute } from "@/lib/http/route";
import { getProject } from "@/lib/projects/get-project";

export const GET = authedRoute<{ slug: string }>(({ ctx, params }) => getProject({ ctx, slug: params.slug }));
