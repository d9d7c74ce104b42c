import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import { notFound } from "@/lib/errors/app-error";

// Stops a drain: nothing more is sent to it.
export async function removeDrain({ ctx, id }: { ctx: Ctx; id: string }): Promise<{ removed: true }> {
  if (!z.uuid().safeParse(id).success) throw notFound("Log drain");
  return ctx.db.$transaction(async (tx) => {
    const drain = await tx.logDrain.findUnique({ where: { id }, include: { project: { select: { teamId: true, slug: true } } } });
    if (!drain) throw notFound("Log drain");
    await authorize(ctx, drain.project.teamId, "project.update", tx).catch((e) => {
      throw e.code === "not_found" ? notFound("Log drain") : e;
    });
    await tx.logDrain.delete({ where: { id } });
    await recordAudit(tx, ctx, { teamId: drain.project.teamId, action: "drain.remove", targetType: "log_drain", targetId: id, data: { project: drain.project.slug, url: drain.url } });
    return { removed: true as const };
  });
}
