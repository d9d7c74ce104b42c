import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";

export async function listMembers({ ctx, teamId }: { ctx: Ctx; teamId: string }) {
  const role = await authorize(ctx, teamId, "member.read");
  const [members, invitations] = await Promise.all([
    ctx.db.membership.findMany({
      where: { teamId },
      orderBy: { createdAt: "asc" },
      select: { role: true, createdAt: true, user: { select: { id: true, email: true, name: true } } },
    }),
    ctx.db.invitation.findMany({
      where: { teamId, acceptedAt: null, expiresAt: { gt: new Date() } },
      orderBy: { createdAt: "desc" },
      select: { id: true, email: true, role: true, expiresAt: true, createdAt: true },
    }),
  ]);
  return { role, members, invitations };
}
