import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import { notFound } from "@/lib/errors/app-error";

// One project by slug, with the actor's role in its team (for the page's controls).
export async function getProject({ ctx, slug }: { ctx: Ctx; slug: string }) {
  const project = await ctx.db.project.findUnique({
    where: { slug },
    include: { team: { select: { id: true, name: true, slug: true } } },
    omit: { webhookSecretEnc: true },
  });
  if (!project) throw notFound("Project");
  const role = await authorize(ctx, project.teamId, "project.read").catch((e) => {
    if (e.code === "not_found") throw notFound("Project");
    throw e;
  });
  return { project, role };
}
