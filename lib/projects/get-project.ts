import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import type { Action } from "@/lib/auth/roles";
import type { Tx } from "@/lib/db/client";
import { notFound } from "@/lib/errors/app-error";

// One project by slug, with the actor's role in its team (for the page's
// controls), checked against `action`. Someone outside the team learns nothing:
// the project is "not found" to them.
export async function getProject({ ctx, slug, action = "project.read", tx = ctx.db }: { ctx: Ctx; slug: string; action?: Action; tx?: Tx }) {
  const project = await tx.project.findUnique({
    where: { slug },
    include: { team: { select: { id: true, name: true, slug: true } } },
    omit: { webhookSecretEnc: true },
  });
  if (!project) throw notFound("Project");
  const role = await authorize(ctx, project.teamId, action, tx).catch((e) => {
    throw e.code === "not_found" ? notFound("Project") : e;
  });
  return { project, role };
}
