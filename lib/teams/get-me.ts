import type { Ctx } from "@/lib/auth/ctx";
import { unauthorized } from "@/lib/errors/app-error";
import { listMyTeams } from "@/lib/teams/list-my-teams";

export async function getMe({ ctx }: { ctx: Ctx }) {
  if (ctx.actor.kind === "system") throw unauthorized();
  const user = await ctx.db.user.findUniqueOrThrow({
    where: { id: ctx.actor.userId },
    select: { id: true, email: true, name: true },
  });
  return { user, teams: await listMyTeams({ ctx }) };
}
