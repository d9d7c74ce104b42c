import { authedRoute } from "@/lib/http/route";
import { revokeApiToken } from "@/lib/tokens/revoke-api-token";

export const DELETE = authedRoute<{ teamId: string; tokenId: string }>(({ ctx, params }) =>
  revokeApiToken({ ctx, teamId: params.teamId, tokenId: params.tokenId }),
);
