import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import { tokenSelect, toTokenView } from "@/lib/tokens/token-input";

export async function listApiTokens({ ctx, teamId }: { ctx: Ctx; teamId: string }) {
  await authorize(ctx, teamId, "token.read");
  const rows = await ctx.db.apiToken.findMany({ where: { teamId }, orderBy: { createdAt: "desc" }, select: tokenSelect });
  return { tokens: rows.map(toTokenView) };
}
