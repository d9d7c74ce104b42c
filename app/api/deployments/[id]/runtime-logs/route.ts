import { authedRoute } from "@/lib/http/route";
import { listLogs } from "@/lib/logs/list-logs";

// One deployment's runtime logs (its requests and its code's output; the build log is /logs).
export const GET = authedRoute<{ id: string }>(({ req, ctx, params }) =>
  listLogs({ ctx, scope: { deploymentId: params.id }, input: Object.fromEntries(new URL(req.url).searchParams) }),
);
