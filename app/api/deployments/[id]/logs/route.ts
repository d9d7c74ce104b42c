import { getBuildLog } from "@/lib/deployments/get-build-log";
import { authedRoute } from "@/lib/http/route";

export const GET = authedRoute<{ id: string }>(({ req, ctx, params }) =>
  getBuildLog({ ctx, id: params.id, input: Object.fromEntries(new URL(req.url).searchParams) }),
);
