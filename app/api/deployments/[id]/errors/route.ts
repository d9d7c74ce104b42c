import { authedRoute } from "@/lib/http/route";
import { listErrors } from "@/lib/logs/list-errors";

// A deployment's errors, grouped by message and stack.
export const GET = authedRoute<{ id: string }>(({ ctx, params }) => listErrors({ ctx, id: params.id }));
