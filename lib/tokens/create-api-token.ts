import { randomBytes } from "node:crypto";
import { recordAudit } from "@/lib/audit/record-audit";
import { authorize } from "@/lib/auth/authorize";
import { actingUserId, type Ctx } from "@/lib/auth/ctx";
import { hashToken } from "@/lib/auth/hash-token";
import { atLeast } from "@/lib/auth/roles";
import { forbidden } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { createTokenInput, TOKEN_PREFIX, tokenSelect, toTokenView } from "@/lib/tokens/token-input";

// An API token for the CLI and scripts: it acts for its creator in one team,
// never above the role it was given nor above the creator's current role. The
// secret is returned once; only its hash is stored.
export async function createApiToken({ ctx, input }: { ctx: Ctx; input: unknown }) {
  const data = parseInput(createTokenInput, input);
  const userId = actingUserId(ctx.actor);
  if (!userId || ctx.actor.kind === "token") throw forbidden("API tokens are created by a signed-in person.");
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return ctx.db.$transaction(async (tx) => {
    const actorRole = await authorize(ctx, data.teamId, "token.create", tx);
    if (!atLeast(actorRole, data.role)) throw forbidden(`A token cannot have more access than you (${actorRole}).`);
    const row = await tx.apiToken.create({
      data: {
        teamId: data.teamId,
        userId,
        name: data.name,
        role: data.role,
        prefix: token.slice(0, TOKEN_PREFIX.length + 6),
        tokenHash: hashToken(token),
        expiresAt: data.expiresInDays ? new Date(Date.now() + data.expiresInDays * 86_400_000) : null,
      },
      select: tokenSelect,
    });
    await recordAudit(tx, ctx, {
      teamId: data.teamId,
      action: "token.create",
      targetType: "api_token",
      targetId: row.id,
      data: { name: data.name, role: data.role, expiresInDays: data.expiresInDays },
    });
    return { token, apiToken: toTokenView(row) };
  });
}
