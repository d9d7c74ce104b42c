import type { Ctx } from "@/lib/auth/ctx";
import { can } from "@/lib/auth/roles";
import { toSummary, withAuthors, withCanaryWeights } from "@/lib/deployments/deployment-summary";
import { CANCELABLE } from "@/lib/deployments/lifecycle";
import { loadDeployment } from "@/lib/deployments/load-deployment";
import { routeNameFor } from "@/lib/routes/route-names";
import { appUrl } from "@/lib/routes/app-url";
import { appsHost } from "@/lib/routes/apps-host";

// Everything the deployment page shows: summary, bundle, settings used, the
// stage timeline and the op log.
export async function getDeployment({ ctx, id }: { ctx: Ctx; id: string }) {
  const { deployment: d, role } = await loadDeployment(ctx, id);
  const [stages, events, bundle, lastLine] = await Promise.all([
    ctx.db.deploymentStage.findMany({ where: { deploymentId: id }, orderBy: { position: "asc" } }),
    ctx.db.deploymentEvent.findMany({ where: { deploymentId: id }, orderBy: { id: "asc" } }),
    d.bundleDigest
      ? ctx.db.bundle.findUnique({ where: { digest: d.bundleDigest }, select: { digest: true, fileCount: true, totalBytes: true, verifiedAt: true } })
      : null,
    ctx.db.buildLogLine.findFirst({ where: { deploymentId: id }, orderBy: { seq: "desc" }, select: { seq: true } }),
  ]);
  const [summary] = await withCanaryWeights(ctx.db, await withAuthors(ctx.db, [toSummary(d)]));
  const actors = await withAuthors(
    ctx.db,
    events.map((e) => ({ createdByKind: e.actorKind, createdById: e.actorId })),
  );
  return {
    deployment: {
      ...summary,
      buildSettings: d.buildSettings,
      project: { slug: d.project.slug, name: d.project.name },
      // The host label of the route it publishes to (production or its branch), and that route's URL.
      routeName: routeNameFor(d.project.slug, d.environment, d.branch),
      url: appUrl(routeNameFor(d.project.slug, d.environment, d.branch), await appsHost(ctx.db)),
      bundle: bundle ? { digest: bundle.digest, fileCount: bundle.fileCount, totalBytes: Number(bundle.totalBytes), verified: !!bundle.verifiedAt } : null,
    },
    stages: stages.map((s) => ({ name: s.name, position: s.position, status: s.status, detail: s.detail, startedAt: s.startedAt, finishedAt: s.finishedAt })),
    events: events.map((e, i) => ({
      id: e.id.toString(),
      fromStatus: e.fromStatus,
      toStatus: e.toStatus,
      actorKind: e.actorKind,
      actorName: e.actorKind === "system" ? "Slipway" : (actors[i].author?.name ?? null),
      reason: e.reason,
      createdAt: e.createdAt,
    })),
    canCancel: CANCELABLE.includes(d.status) && can(role, "deployment.cancel"),
    canDeploy: can(role, "deployment.create"),
    canPromote: can(role, "deployment.promote"),
    logLineCount: lastLine?.seq ?? 0,
  };
}
