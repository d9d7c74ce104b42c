import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import type { Tx } from "@/lib/db/client";
import { transition } from "@/lib/deployments/lifecycle";
import { branchRouteName, productionRouteName } from "@/lib/routes/route-names";

export const ROUTES_CHANNEL = "slipway_routes";

// Publishes a fully uploaded, verified deployment: in one transaction the route
// row's live pointer moves to it (one UPDATE), the deployment becomes live, the
// one it replaces becomes superseded, and routers are told by NOTIFY (delivered
// on commit). Returns false, changing nothing, if the deployment is no longer
// uploading (canceled meanwhile) or its bundle is not verified.
export async function publishDeployment(ctx: Ctx, deploymentId: string): Promise<boolean> {
  return ctx.db.$transaction(async (tx) => {
    const d = await tx.deployment.findUnique({
      where: { id: deploymentId },
      include: { project: { select: { id: true, slug: true, teamId: true } }, bundle: { select: { verifiedAt: true } } },
    });
    if (!d || d.status !== "uploading" || !d.bundle?.verifiedAt) return false;
    const route = await lockRoute(tx, d.project, d.environment === "production" ? null : d.branch);
    if (!(await transition(tx, { deploymentId, from: ["uploading"], to: "live", actor: ctx.actor }))) return false;
    const previous = route.liveDeploymentId;
    if (previous && previous !== deploymentId) {
      await transition(tx, { deploymentId: previous, from: ["live"], to: "superseded", actor: ctx.actor, reason: `Replaced by ${deploymentId}.` });
    }
    await tx.route.update({ where: { id: route.id }, data: { liveDeploymentId: deploymentId, version: { increment: 1 } } });
    await tx.$executeRaw`SELECT pg_notify(${ROUTES_CHANNEL}, ${JSON.stringify({ route: route.name })})`;
    await recordAudit(tx, ctx, {
      teamId: d.project.teamId,
      action: "deployment.publish",
      targetType: "route",
      targetId: route.id,
      data: { route: route.name, live: deploymentId, previous },
    });
    return true;
  });
}

// The route row, created on first use for a branch, and locked for this
// transaction so concurrent publishes of one route apply one after the other.
async function lockRoute(tx: Tx, project: { id: string; slug: string }, branch: string | null) {
  const name = branch === null ? productionRouteName(project.slug) : branchRouteName(project.slug, branch);
  await tx.route.upsert({
    where: { name },
    create: { name, kind: branch === null ? "production" : "branch", projectId: project.id, branch },
    update: {},
  });
  const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM routes WHERE name = ${name} FOR UPDATE`;
  return tx.route.findUniqueOrThrow({ where: { id: row.id } });
}
