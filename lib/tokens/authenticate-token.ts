import type { Ctx } from "@/lib/auth/ctx";
import { hashToken } from "@/lib/auth/hash-token";
import type { Db } from "@/lib/db/client";
import { unauthorized } from "@/lib/errors/app-error";
import { tokenShape } from "@/lib/tokens/token-input";

const TOUCH_EVERY_MS = 60_000;

// The ctx of a request carrying `Authorization: Bearer slw_…`. Revoked, expired,
// unknown tokens, and tokens whose creator has left the team, all get the same 401.
export async function tokenCtx(db: Db, bearer: string): Promise<Ctx> {
  const refused = unauthorized("The API token is invalid, expired or revoked.");
  if (!tokenShape.test(bearer)) throw refused;
  const token = await db.apiToken.findUnique({ where: { tokenHash: hashToken(bearer) } });
  const now = new Date();
  if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now)) throw refused;
  const member = await db.membership.findUnique({ where: { teamId_userId: { teamId: token.teamId, userId: token.userId } } });
  if (!member) throw refused;
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: now } });
  }
  return { db, actor: { kind: "token", tokenId: token.id, userId: token.userId, teamId: token.teamId, role: token.role } };
}
