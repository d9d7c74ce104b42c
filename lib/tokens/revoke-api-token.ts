import { recordAudit } from "@/lib/audit/record-audit";
import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import { notFound } from "@/lib/errors/app-error";
import { z } from "zod";

const isUuid = (s: string) => z.uuid().safeParse(s).success;

export async function revokeApiToken({ ctx, teamId, tokenId }: { ctx: Ctx; teamId: string; tokenId: string }) {
  if (!isUuid(teamId) || !isUuid(tokenId)) throw notFound("Token");
  return ctx.db.$transaction(async (tx) => {
    await authorize(ctx, teamId, "token.revoke", tx);
    const { count } = await tx.apiToken.updateMany({ where: { id: tokenId, teamId, revokedAt: null }, data: { revokedAt: new Date() } });
    if (count === 0) throw notFound("Token");
    await recordAudit(tx, ctx, { teamId, action: "token.revoke", targetType: "api_token", targetId: tokenId });
    return { ok: true };
  });
}
