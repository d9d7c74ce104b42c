import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import { conflict, forbidden, notFound } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { role } from "@/lib/teams/team-input";

const input = z.object({ teamId: z.uuid(), userId: z.uuid(), role });

// Admins manage developers and viewers; only owners grant or take away ownership,
// and a team always keeps at least one owner.
export async function changeMemberRole({ ctx, input: raw }: { ctx: Ctx; input: unknown }) {
  const data = parseInput(input, raw);
  return ctx.db.$transaction(async (tx) => {
    const actorRole = await authorize(ctx, data.teamId, "member.changeRole", tx);
    const member = await tx.membership.findUnique({
      where: { teamId_userId: { teamId: data.teamId, userId: data.userId } },
    });
    if (!member) throw notFound("Member");
    if ((member.role === "owner" || data.role === "owner") && actorRole !== "owner") {
      throw forbidden("Only an owner can grant or remove the owner role.");
    }
    if (member.role === data.role) return member;
    if (member.role === "owner") {
      // Lock the team's owner rows so two concurrent demotions cannot both pass.
      const owners = await tx.$queryRaw<{ user_id: string }[]>`
        SELECT user_id FROM memberships WHERE team_id = ${data.teamId}::uuid AND role = 'owner' FOR UPDATE`;
      if (owners.length <= 1) throw conflict("A team needs at least one owner; make someone else owner first.");
    }
    const updated = await tx.membership.update({ where: { id: member.id }, data: { role: data.role } });
    await recordAudit(tx, ctx, {
      teamId: data.teamId,
      action: "member.changeRole",
      targetType: "user",
      targetId: data.userId,
      data: { from: member.role, to: data.role },
    });
    return updated;
  });
}
