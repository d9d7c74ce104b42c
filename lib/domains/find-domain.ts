import { z } from "zod";
import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import type { Action } from "@/lib/auth/roles";
import type { Tx } from "@/lib/db/client";
import { notFound } from "@/lib/errors/app-error";

const isUuid = (s: string) => z.uuid().safeParse(s).success;

// One domain by id, checked against `action` in its project's team. Someone
// outside the team learns nothing: the domain is "not found" to them.
export async function findDomain({ ctx, id, action, tx = ctx.db }: { ctx: Ctx; id: string; action: Action; tx?: Tx }) {
  if (!isUuid(id)) throw notFound("Domain");
  const domain = await tx.domain.findUnique({ where: { id }, include: { project: { select: { teamId: true, slug: true } } } });
  if (!domain) throw notFound("Domain");
  await authorize(ctx, domain.project.teamId, action, tx).catch((e) => {
    throw e.code === "not_found" ? notFound("Domain") : e;
  });
  return domain;
}
