import { authedRoute, readJson } from "@/lib/http/route";
import { inviteMember } from "@/lib/teams/invite-member";

export const POST = authedRoute<{ teamId: string }>(async ({ req, ctx, params }) => {
  const body = (await readJson(req)) as Record<string, unknown>;
  const invitation = await inviteMember({ ctx, input: { ...body, teamId: params.teamId } });
  return Response.json({ invitation }, { status: 201 });
});
