import { authedRoute } from "@/lib/http/route";
import { removeDrain } from "@/lib/drains/remove-drain";

// Stops a log drain.
export const DELETE = authedRoute<{ id: string }>(({ ctx, params }) => removeDrain({ ctx, id: params.id }));
