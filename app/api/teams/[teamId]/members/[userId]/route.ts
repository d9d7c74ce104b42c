import { authedRoute, readJson } from "@/lib/http/route";
import { changeMemberRole } from "@/lib/teams/change-member-role";

export const PATCH = authedRoute<{ teamId: string; userId: string }>(async ({ req, ctx, params }) => {
  const body = (await readJson(req)) as Record<string, unknown>;
  return { member: await changeMemberRole({ ctx, input: { ...body, ...params } }) };
});
