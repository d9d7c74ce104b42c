import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import { transition } from "@/lib/deployments/lifecycle";
import { lockRoute, notifyRouteChanged, ROUTE_TX } from "@/lib/routes/lock-route";

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
    const route = await lockRoute(tx, d.project, d.environment, d.branch);
    if (!(await transition(tx, { deploymentId, from: ["uploading"], to: "live", actor: ctx.actor }))) return false;
    const previous = route.liveDeploymentId;
    if (previous && previous !== deploymentId) {
      await transition(tx, { deploymentId: previous, from: ["live"], to: "superseded", actor: ctx.actor, reason: `Replaced by ${deploymentId}.` });
    }
    await tx.route.update({ where: { id: route.id }, data: { liveDeploymentId: deploymentId, version: { increment: 1 } } });
    await notifyRouteChanged(tx, route.name);
    await recordAudit(tx, ctx, {
      teamId: d.project.teamId,
      action: "deployment.publish",
      targetType: "route",
      targetId: route.id,
      data: { route: route.name, live: deploymentId, previous },
    });
    return true;
  }, ROUTE_TX);
}
