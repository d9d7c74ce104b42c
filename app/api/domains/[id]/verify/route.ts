import { verifyDomain } from "@/lib/domains/verify-domain";
import { authedRoute } from "@/lib/http/route";

// Looks up the domain's TXT record now; the answer says whether it is verified and, if not, why.
export const POST = authedRoute<{ id: string }>(({ ctx, params }) => verifyDomain({ ctx, id: params.id }));
