import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import { summarySelect, withAuthors } from "@/lib/deployments/deployment-summary";
import { transition } from "@/lib/deployments/lifecycle";
import { loadDeployment } from "@/lib/deployments/load-deployment";
import { conflict } from "@/lib/errors/app-error";
import type { DeploymentStatus } from "@/lib/generated/prisma/enums";
import { stageLabel } from "@/lib/rollouts/rollout-settings";
import { actorName, completeRollout, lockActiveRollout, replaceActiveRollout } from "@/lib/rollouts/rollout-writes";
import { lockRoute, notifyRouteChanged, ROUTE_TX } from "@/lib/routes/lock-route";
import { loadConfig } from "@/lib/config/env";
import { awaitRuntime, isServer, RuntimeNotReady } from "@/lib/runtime/await-runtime";
import { describeMigrationsSince, migrationsSince } from "@/lib/routes/migrations-since";
import { parseInput } from "@/lib/errors/parse-input";
import { z } from "zod";

const promoteInput = z.object({ confirmMigrations: z.boolean({ error: "confirmMigrations must be true or false." }).optional() });

// Promote (and rollback, the same action): any live or superseded deployment
// with a verified bundle becomes live on its route, with no rebuild; promoting
// a canary is its rollout's "promote now", and promoting anything else while a
// rollout runs aborts the rollout first (its canary canceled). One
// transaction: the route's live pointer moves (one UPDATE), the deployment it
// replaces becomes superseded, events and audit are written, routers notified.
// Concurrent promotes of one route queue on the route's row lock.
//
// A server deployment's instances are started (or kept) and health-checked
// first: the route moves only once they are ready, so no request meets a
// server that is not (lib/runtime/).
//
// A deployment built before app migrations that have since been applied to
// its environment's database (lib/routes/migrations-since.ts) is promoted
// only with `confirmMigrations`: without it, a 409 names them.
export async function promoteDeployment({ ctx, id, input = {} }: { ctx: Ctx; id: string; input?: unknown }) {
  const { deployment } = await loadDeployment(ctx, id, "deployment.promote");
  const { confirmMigrations } = parseInput(promoteInput, input);
  const later = await migrationsSince(ctx.db, deployment);
  if (later.length > 0 && !confirmMigrations) {
    throw conflict(`${describeMigrationsSince(later)} Promote it again confirming that (confirmMigrations: true, or --confirm-migrations).`);
  }
  if (isServer(deployment.buildSettings)) {
    const target = await ctx.db.deployment.findUniqueOrThrow({ where: { id }, include: { bundle: { select: { verifiedAt: true } } } });
    const refusal = promoteRefusal(target);
    if (refusal) throw conflict(refusal);
    try {
      await awaitRuntime(ctx.db, id, { timeoutMs: loadConfig().RUNTIME_START_TIMEOUT_SEC * 1000 });
    } catch (e) {
      if (e instanceof RuntimeNotReady) throw conflict(`${e.message} The route was not changed.`);
      throw e;
    }
  }
  await ctx.db.$transaction(async (tx) => {
    const route = await lockRoute(tx, deployment.project, deployment.environment, deployment.branch);
    const target = await tx.deployment.findUniqueOrThrow({ where: { id }, include: { bundle: { select: { verifiedAt: true } } } });
    const refusal = promoteRefusal(target);
    if (refusal) throw conflict(refusal);
    const previous = route.liveDeploymentId;
    if (target.status === "canary") {
      // Promoting the canary itself is the rollout's "promote now".
      const rollout = await lockActiveRollout(tx, route.id);
      if (!rollout || rollout.canaryDeploymentId !== id) throw conflict("This deployment is not the canary of a rollout in progress.");
      const reason = `Promoted by ${await actorName(tx, ctx)} at ${stageLabel(rollout.stages, rollout.stageIndex)}.`;
      await completeRollout(tx, ctx, { rollout, route, reason, action: "rollout.promote" });
      return;
    }
    if (previous === id && !route.canaryDeploymentId) return;
    // A rollout in progress is aborted first (its canary canceled), and the
    // route's canary slot cleared in the same single UPDATE as the live pointer
    // (promoting the live one itself then only takes the canary out).
    const canceled = await replaceActiveRollout(tx, ctx, route, `Replaced by promoting ${id}.`);
    if (previous !== id) {
      if (previous) {
        await transition(tx, { deploymentId: previous, from: ["live"], to: "superseded", actor: ctx.actor, reason: `Promoted ${id}.` });
      }
      await transition(tx, { deploymentId: id, from: ["superseded", "live"], to: "live", actor: ctx.actor, reason: "Promoted." });
    }
    await tx.route.update({
      where: { id: route.id },
      data: { liveDeploymentId: id, ...(route.canaryDeploymentId ? { canaryDeploymentId: null, canaryWeight: 0 } : {}), version: { increment: 1 } },
    });
    await notifyRouteChanged(tx, route.name);
    await recordAudit(tx, ctx, {
      teamId: deployment.project.teamId,
      action: "deployment.promote",
      targetType: "route",
      targetId: route.id,
      data: { route: route.name, live: id, previous, ...(canceled ? { canceledCanary: canceled } : {}) },
    });
  }, ROUTE_TX);
  const row = await ctx.db.deployment.findUniqueOrThrow({ where: { id }, select: summarySelect });
  const [summary] = await withAuthors(ctx.db, [row]);
  return { deployment: summary };
}

// Why a deployment cannot be promoted, in words, or null when it can. Shared
// with previewPromote, so the dialog refuses exactly what the promote would.
export function promoteRefusal(d: { status: DeploymentStatus; bundle: { verifiedAt: Date | null } | null }): string | null {
  if (d.status !== "live" && d.status !== "superseded" && d.status !== "canary") {
    return `Only a deployment that has been live can be promoted; this one is ${d.status}.`;
  }
  if (!d.bundle?.verifiedAt) return "This deployment's bundle is not verified in the store, so it cannot be served.";
  return null;
}
