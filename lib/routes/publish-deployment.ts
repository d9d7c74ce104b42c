import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import { transition } from "@/lib/deployments/lifecycle";
import type { Prisma } from "@/lib/generated/prisma/client";
import { rolloutOfDeployment, stageLabel } from "@/lib/rollouts/rollout-settings";
import { replaceActiveRollout } from "@/lib/rollouts/rollout-writes";
import { lockRoute, notifyRouteChanged, ROUTE_TX } from "@/lib/routes/lock-route";

export type Published = { status: "live" } | { status: "canary"; weight: number; rolloutId: string };

// Publishes a fully uploaded, verified deployment, in one transaction under
// the route's row lock, with one route UPDATE and a NOTIFY (delivered on
// commit):
// - when the production route already serves a live deployment and the
//   deployment's rollout settings are not "skip", it becomes the route's
//   `canary` at the first stage's weight, and a Rollout against the live one
//   (the baseline) starts; the controller (lib/rollouts/tick-rollouts.ts) takes
//   it from there;
// - otherwise (the first deployment, "skip", a preview branch) it goes live at
//   once and the one it replaces becomes superseded.
// A rollout still going on the route (an older deploy's canary) is aborted
// first, in the same transaction. Returns null, changing nothing, if the
// deployment is no longer uploading (canceled meanwhile) or its bundle is not
// verified.
export async function publishDeployment(ctx: Ctx, deploymentId: string): Promise<Published | null> {
  return ctx.db.$transaction(async (tx) => {
    const d = await tx.deployment.findUnique({
      where: { id: deploymentId },
      include: { project: { select: { id: true, slug: true, teamId: true, rolloutSettings: true } }, bundle: { select: { verifiedAt: true } } },
    });
    if (!d || d.status !== "uploading" || !d.bundle?.verifiedAt) return null;
    const route = await lockRoute(tx, d.project, d.environment, d.branch);
    const baseline = route.liveDeploymentId && route.liveDeploymentId !== deploymentId ? route.liveDeploymentId : null;
    const { settings, from } = rolloutOfDeployment(d.buildSettings, d.project.rolloutSettings);
    // Preview branches show the latest push to whoever opens them; splitting them would hide it.
    const rollout = route.kind === "production" && baseline && settings !== "skip" ? settings : null;
    const replaced = `Replaced by a newer deployment ${deploymentId}.`;

    if (!rollout) {
      if (!(await transition(tx, { deploymentId, from: ["uploading"], to: "live", actor: ctx.actor }))) return null;
      const canceled = await replaceActiveRollout(tx, ctx, route, replaced);
      if (baseline) {
        await transition(tx, { deploymentId: baseline, from: ["live"], to: "superseded", actor: ctx.actor, reason: `Replaced by ${deploymentId}.` });
      }
      await tx.route.update({
        where: { id: route.id },
        data: { liveDeploymentId: deploymentId, canaryDeploymentId: null, canaryWeight: 0, version: { increment: 1 } },
      });
      await notifyRouteChanged(tx, route.name);
      await recordAudit(tx, ctx, {
        teamId: d.project.teamId,
        action: "deployment.publish",
        targetType: "route",
        targetId: route.id,
        data: { route: route.name, live: deploymentId, previous: baseline, ...(canceled ? { canceledCanary: canceled } : {}) },
      });
      return { status: "live" as const };
    }

    const weight = rollout.stages[0];
    const now = new Date();
    const moved = await transition(tx, {
      deploymentId,
      from: ["uploading"],
      to: "canary",
      actor: ctx.actor,
      reason: `Canary at ${weight}% of traffic (${stageLabel(rollout.stages, 0)}) against ${baseline}.`,
      data: { readyAt: now },
    });
    if (!moved) return null;
    const canceled = await replaceActiveRollout(tx, ctx, route, replaced);
    await tx.route.update({ where: { id: route.id }, data: { canaryDeploymentId: deploymentId, canaryWeight: weight, version: { increment: 1 } } });
    await notifyRouteChanged(tx, route.name);
    const created = await tx.rollout.create({
      data: {
        projectId: d.project.id,
        routeId: route.id,
        canaryDeploymentId: deploymentId,
        baselineDeploymentId: baseline,
        status: "running",
        stages: rollout.stages,
        stageIndex: 0,
        settings: { ...rollout, from } as unknown as Prisma.InputJsonValue,
        startedAt: now,
        stageStartedAt: now,
      },
    });
    await recordAudit(tx, ctx, {
      teamId: d.project.teamId,
      action: "deployment.publish",
      targetType: "route",
      targetId: route.id,
      data: { route: route.name, canary: deploymentId, weight, live: baseline, rollout: created.id, settingsFrom: from, ...(canceled ? { canceledCanary: canceled } : {}) },
    });
    return { status: "canary" as const, weight, rolloutId: created.id };
  }, ROUTE_TX);
}
