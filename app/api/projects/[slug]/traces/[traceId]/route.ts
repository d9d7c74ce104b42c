import { authedRoute } from "@/lib/http/route";
import { getTrace } from "@/lib/logs/get-trace";

// One trace of a project: its request lines and what its function printed meanwhile.
export const GET = authedRoute<{ slug: string; traceId: string }>(({ ctx, params }) => getTrace({ ctx, slug: params.slug, input: { traceId: params.traceId } }));
