import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import type { Action } from "@/lib/auth/roles";
import { notFound } from "@/lib/errors/app-error";
import { z } from "zod";

const deploymentId = z.uuid();

// A deployment the actor may see (or act on, with `action`), else "not found":
// people outside the team learn nothing about it.
export async function loadDeployment(ctx: Ctx, id: string, action: Action = "project.read") {
  if (!deploymentId.safeParse(id).success) throw notFound("Deployment");
  const deployment = await ctx.db.deployment.findUnique({
    where: { id },
    include: { project: { select: { id: true, slug: true, name: true, teamId: true } } },
  });
  if (!deployment) throw notFound("Deployment");
  const role = await authorize(ctx, deployment.project.teamId, action).catch((e) => {
    throw e.code === "not_found" ? notFound("Deployment") : e;
  });
  return { deployment, role };
}
