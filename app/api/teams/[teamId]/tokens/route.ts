import { authedRoute, readJson } from "@/lib/http/route";
import { createApiToken } from "@/lib/tokens/create-api-token";
import { listApiTokens } from "@/lib/tokens/list-api-tokens";

export const GET = authedRoute<{ teamId: string }>(({ ctx, params }) => listApiTokens({ ctx, teamId: params.teamId }));

export const POST = authedRoute<{ teamId: string }>(async ({ req, ctx, params }) => {
  const body = (await readJson(req)) as Record<string, unknown>;
  return Response.json(await createApiToken({ ctx, input: { ...body, teamId: params.teamId } }), { status: 201 });
});
