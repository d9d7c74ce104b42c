import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { db as defaultDb, type Db } from "@/lib/db/client";
import { invalid, notFound } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { hashToken } from "@/lib/auth/hash-token";
import { password } from "@/lib/teams/team-input";

const input = z.object({
  token: z.string().min(10).max(200),
  name: z.string().trim().min(1, "Name is required.").max(80),
  password,
});

// The one verb a signed-out person may call: the invitation token is the credential.
// A new email gets an account; an existing account must prove its password.
export async function acceptInvitation({ input: raw, db = defaultDb() }: { input: unknown; db?: Db }) {
  const data = parseInput(input, raw);
  return db.$transaction(async (tx) => {
    const tokenHash = hashToken(data.token);
    const now = new Date();
    // Claim the invitation before anything else: a concurrent accept of the same
    // token waits on this row, then finds it taken, so a token works exactly once.
    const claimed = await tx.invitation.updateMany({
      where: { tokenHash, acceptedAt: null, expiresAt: { gt: now } },
      data: { acceptedAt: now },
    });
    if (claimed.count !== 1) throw notFound("Invitation");
    const invitation = await tx.invitation.findUniqueOrThrow({ where: { tokenHash } });
    let user = await tx.user.findUnique({ where: { email: invitation.email } });
    if (user && !(await verifyPassword(data.password, user.passwordHash))) {
      throw invalid("An account with this email exists; enter its password to join.");
    }
    user ??= await tx.user.create({
      data: { email: invitation.email, name: data.name, passwordHash: await hashPassword(data.password) },
    });
    await tx.membership.upsert({
      where: { teamId_userId: { teamId: invitation.teamId, userId: user.id } },
      create: { teamId: invitation.teamId, userId: user.id, role: invitation.role },
      update: {},
    });
    await recordAudit(tx, { db, actor: { kind: "user", userId: user.id } }, {
      teamId: invitation.teamId,
      action: "member.join",
      targetType: "user",
      targetId: user.id,
      data: { role: invitation.role },
    });
    return { userId: user.id, email: user.email, teamId: invitation.teamId };
  });
}
