import type { Ctx } from "@/lib/auth/ctx";

// The actor's teams and role in each: the console uses it to show only the
// controls the role allows (the verbs still check).
export async function listMyTeams({ ctx }: { ctx: Ctx }) {
  if (ctx.actor.kind === "system") return [];
  const rows = await ctx.db.membership.findMany({
    where: { userId: ctx.actor.userId, ...(ctx.actor.kind === "token" ? { teamId: ctx.actor.teamId } : {}) },
    orderBy: { createdAt: "asc" },
    select: { role: true, team: { select: { id: true, name: true, slug: true } } },
  });
  return rows.map((r) => ({ ...r.team, role: r.role }));
}
