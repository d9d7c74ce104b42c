import { authedRoute } from "@/lib/http/route";
import { listLogs } from "@/lib/logs/list-logs";

// A project's runtime logs (every deployment's), filtered and keyset-paged.
export const GET = authedRoute<{ slug: string }>(({ req, ctx, params }) =>
  listLogs({ ctx, scope: { slug: params.slug }, input: Object.fromEntries(new URL(req.url).searchParams) }),
);
