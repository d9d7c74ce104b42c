import { listAuditEvents } from "@/lib/audit/list-audit-events";
import { authedRoute } from "@/lib/http/route";

// GET /api/teams/:teamId/audit?actor=&action=&actionPrefix=&targetType=&targetId=&from=&to=&limit=&cursor=
export const GET = authedRoute<{ teamId: string }>(({ req, ctx, params }) => {
  // An empty field in the query string means no filter.
  const query = Object.fromEntries([...new URL(req.url).searchParams].filter(([, v]) => v !== ""));
  return listAuditEvents({ ctx, input: { ...query, teamId: params.teamId } });
});
