import { listDeployments } from "@/lib/deployments/list-deployments";
import { authedRoute } from "@/lib/http/route";

export const GET = authedRoute<{ slug: string }>(({ req, ctx, params }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return listDeployments({ ctx, input: { ...query, slug: params.slug } });
});
