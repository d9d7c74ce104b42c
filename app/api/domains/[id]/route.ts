import { removeDomain } from "@/lib/domains/remove-domain";
import { authedRoute } from "@/lib/http/route";

export const DELETE = authedRoute<{ id: string }>(({ ctx, params }) => removeDomain({ ctx, id: params.id }));
