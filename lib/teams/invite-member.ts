import { randomBytes } from "node:crypto";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { authorize } from "@/lib/auth/authorize";
import { hashToken } from "@/lib/auth/hash-token";
import type { Ctx } from "@/lib/auth/ctx";
import { actingUserId } from "@/lib/auth/ctx";
import { conflict, forbidden } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { email, role } from "@/lib/teams/team-input";

const input = z.object({ teamId: z.uuid(), email, role });

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

// Creates an invitation link. The token is returned once and stored only as a hash.
export async function inviteMember({ ctx, input: raw }: { ctx: Ctx; input: unknown }) {
  const data = parseInput(input, raw);
  const token = randomBytes(24).toString("base64url");
  return ctx.db.$transaction(async (tx) => {
    const actorRole = await authorize(ctx, data.teamId, "member.invite", tx);
    if (data.role === "owner" && actorRole !== "owner") throw forbidden("Only an owner can invite another owner.");
    const existing = await tx.membership.findFirst({ where: { teamId: data.teamId, user: { email: data.email } } });
    if (existing) throw conflict(`${data.email} is already a member of this team.`);
    const invitation = await tx.invitation.create({
      data: {
        teamId: data.teamId,
        email: data.email,
        role: data.role,
        tokenHash: hashToken(token),
        invitedById: actingUserId(ctx.actor),
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      },
    });
    await recordAudit(tx, ctx, {
      teamId: data.teamId,
      action: "member.invite",
      targetType: "invitation",
      targetId: invitation.id,
      data: { email: data.email, role: data.role },
    });
    return { id: invitation.id, email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt, token };
  });
}
