import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import type { Tx } from "@/lib/db/client";
import { transition } from "@/lib/deployments/lifecycle";
import { Prisma, type Rollout, type Route } from "@/lib/generated/prisma/client";
import { notifyRouteChanged } from "@/lib/routes/lock-route";

// The writes every way a rollout moves shares: publish (start, replace),
// promote (replace), the controller's ticks (advance, roll back, finish) and
// the manual controls (pause, resume, abort, promote now). Callers hold the
// route's row lock (lockRoute, or the controller's SKIP LOCKED try) and then
// the rollout's, always in that order, so two of them never deadlock. Each
// helper that moves traffic does it in ONE route UPDATE (version + 1) and
// NOTIFYs the routers, delivered on commit.

export const ACTIVE_ROLLOUT = ["running", "paused"] as const;

// The rollout in progress on a route, locked for the transaction (waits for a
// controller tick that holds it; ticks never wait on a route, so no cycle).
export async function lockActiveRollout(tx: Tx, routeId: string): Promise<Rollout | null> {
  const [row] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM rollouts WHERE route_id = ${routeId}::uuid AND status IN ('running', 'paused')
    ORDER BY started_at DESC LIMIT 1 FOR UPDATE`;
  return row ? tx.rollout.findUniqueOrThrow({ where: { id: row.id } }) : null;
}

// One rollout, locked for the transaction. `runningOnly` with `skipLocked` is
// the controller's try: null at once if it is not running or another holds it.
export async function lockRollout(tx: Tx, id: string, opts: { runningOnly?: boolean; skipLocked?: boolean } = {}): Promise<Rollout | null> {
  const running = opts.runningOnly ? Prisma.sql`AND status = 'running'` : Prisma.empty;
  const skip = opts.skipLocked ? Prisma.sql`SKIP LOCKED` : Prisma.empty;
  const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT id::text FROM rollouts WHERE id = ${id}::uuid ${running} FOR UPDATE ${skip}`;
  return row ? tx.rollout.findUniqueOrThrow({ where: { id: row.id } }) : null;
}

// The route's row lock if nobody else holds it; null (without waiting) if a
// publish, promote or manual control has it: the controller then leaves this
// rollout for its next tick instead of waiting while it holds the rollout.
export async function tryLockRoute(tx: Tx, routeId: string): Promise<Route | null> {
  const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT id::text FROM routes WHERE id = ${routeId}::uuid FOR UPDATE SKIP LOCKED`;
  return row ? tx.route.findUniqueOrThrow({ where: { id: row.id } }) : null;
}

// The audit row of a rollout change, in its project's team.
export async function auditRollout(tx: Tx, ctx: Ctx, rollout: Rollout, action: string, data: Prisma.InputJsonValue) {
  const { teamId } = await tx.project.findUniqueOrThrow({ where: { id: rollout.projectId }, select: { teamId: true } });
  await recordAudit(tx, ctx, { teamId, action, targetType: "rollout", targetId: rollout.id, data });
}

// Holds the rollout at its stage (a person asked, or the controller ran out of
// inconclusive windows): the canary keeps its weight, nothing is judged.
export async function pauseRolloutWrite(tx: Tx, ctx: Ctx, rollout: Rollout, reason: string, data: Record<string, Prisma.InputJsonValue>) {
  await tx.rollout.update({ where: { id: rollout.id }, data: { status: "paused", reason } });
  await auditRollout(tx, ctx, rollout, "rollout.pause", { ...data, stage: rollout.stageIndex, reason });
}

export type StopArgs = {
  rollout: Rollout;
  route: Route;
  /** rolled_back: the controller found a regression; aborted: a person, a newer deploy or a promote stopped it. */
  status: "rolled_back" | "aborted";
  /** The canary deployment's end: failed (it was found worse) or canceled (stopped, nothing proven against it). */
  deploymentTo: "failed" | "canceled";
  reason: string;
  /** Leave the route write to the caller, which folds "no canary" into its own single UPDATE. */
  routeWrite?: boolean;
  action: string;
};

// Takes the canary out of traffic and ends the rollout: the canary deployment
// becomes failed or canceled with the reason, the rollout records why and when.
export async function stopRollout(tx: Tx, ctx: Ctx, a: StopArgs) {
  const now = new Date();
  await transition(tx, {
    deploymentId: a.rollout.canaryDeploymentId,
    from: ["canary"],
    to: a.deploymentTo,
    actor: ctx.actor,
    reason: a.reason,
    data: { failureStage: "rollout", failureReason: a.reason },
  });
  await tx.rollout.update({ where: { id: a.rollout.id }, data: { status: a.status, reason: a.reason, finishedAt: now } });
  if (a.routeWrite !== false && a.route.canaryDeploymentId === a.rollout.canaryDeploymentId) {
    await tx.route.update({ where: { id: a.route.id }, data: { canaryDeploymentId: null, canaryWeight: 0, version: { increment: 1 } } });
    await notifyRouteChanged(tx, a.route.name);
  }
  await auditRollout(tx, ctx, a.rollout, a.action, {
    route: a.route.name,
    canary: a.rollout.canaryDeploymentId,
    baseline: a.rollout.baselineDeploymentId,
    stage: a.rollout.stageIndex,
    weight: a.rollout.stages[a.rollout.stageIndex],
    reason: a.reason,
  });
}

// The canary becomes live (the last stage passed, or a person promoted it
// now): the live one becomes superseded, the route's live pointer moves to the
// canary and the canary slot empties, in one UPDATE.
export async function completeRollout(tx: Tx, ctx: Ctx, a: { rollout: Rollout; route: Route; reason: string; action: string }) {
  const { rollout, route } = a;
  const canary = rollout.canaryDeploymentId;
  const previous = route.liveDeploymentId;
  if (previous && previous !== canary) {
    await transition(tx, { deploymentId: previous, from: ["live"], to: "superseded", actor: ctx.actor, reason: `Replaced by ${canary} after its rollout.` });
  }
  const moved = await transition(tx, { deploymentId: canary, from: ["canary"], to: "live", actor: ctx.actor, reason: a.reason });
  if (!moved) throw new Error(`Rollout ${rollout.id}: its canary ${canary} is no longer a canary.`);
  await tx.route.update({
    where: { id: route.id },
    data: { liveDeploymentId: canary, canaryDeploymentId: null, canaryWeight: 0, version: { increment: 1 } },
  });
  await notifyRouteChanged(tx, route.name);
  await tx.rollout.update({
    where: { id: rollout.id },
    data: { status: "succeeded", reason: a.reason, finishedAt: new Date() },
  });
  await auditRollout(tx, ctx, rollout, a.action, { route: route.name, live: canary, previous, stage: rollout.stageIndex, reason: a.reason });
}

// The next stage: the weight grows in one route UPDATE and the observation
// window starts again from now.
export async function advanceRollout(tx: Tx, ctx: Ctx, a: { rollout: Rollout; route: Route; now: Date }) {
  const { rollout, route } = a;
  const next = rollout.stageIndex + 1;
  const weight = rollout.stages[next];
  await tx.rollout.update({ where: { id: rollout.id }, data: { stageIndex: next, stageStartedAt: a.now } });
  await tx.route.update({ where: { id: route.id }, data: { canaryWeight: weight, version: { increment: 1 } } });
  await notifyRouteChanged(tx, route.name);
  await auditRollout(tx, ctx, rollout, "rollout.advance", { route: route.name, canary: rollout.canaryDeploymentId, stage: next, weight });
}

// A rollout on this route that is still going (an older deploy's canary) is
// ended first: canceled, not failed, since nothing was found wrong with it.
// The caller writes the route (clearing or replacing the canary) in its own
// single UPDATE. Also clears a canary pointer left without a rollout.
export async function replaceActiveRollout(tx: Tx, ctx: Ctx, route: Route, reason: string): Promise<string | null> {
  const active = await lockActiveRollout(tx, route.id);
  if (active) {
    await stopRollout(tx, ctx, { rollout: active, route, status: "aborted", deploymentTo: "canceled", reason, routeWrite: false, action: "rollout.abort" });
    return active.canaryDeploymentId;
  }
  if (route.canaryDeploymentId) {
    await transition(tx, { deploymentId: route.canaryDeploymentId, from: ["canary"], to: "canceled", actor: ctx.actor, reason, data: { failureStage: "rollout", failureReason: reason } });
    return route.canaryDeploymentId;
  }
  return null;
}

// Who did it, in words, for reasons like "Aborted by Ada Lovelace".
export async function actorName(tx: Tx, ctx: Ctx): Promise<string> {
  const { actor } = ctx;
  if (actor.kind === "system") return "Slipway";
  const user = await tx.user.findUnique({ where: { id: actor.userId }, select: { name: true, email: true } });
  const name = user?.name || user?.email || "someone";
  if (actor.kind === "token") {
    const token = await tx.apiToken.findUnique({ where: { id: actor.tokenId }, select: { name: true } });
    return token ? `${name} (token ${token.name})` : name;
  }
  return name;
}
