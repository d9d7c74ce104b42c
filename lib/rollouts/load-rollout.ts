import { z } from "zod";
import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import type { Action } from "@/lib/auth/roles";
import type { Tx } from "@/lib/db/client";
import { conflict, notFound } from "@/lib/errors/app-error";
import type { Rollout, Route } from "@/lib/generated/prisma/client";
import { lockRollout } from "@/lib/rollouts/rollout-writes";
import { rolloutView } from "@/lib/rollouts/rollout-view";
import { lockRoute, ROUTE_TX } from "@/lib/routes/lock-route";

const rolloutId = z.uuid();

// A rollout the actor may see (or act on, with `action`), else "not found":
// people outside the team learn nothing about it.
export async function loadRollout(ctx: Ctx, id: string, action: Action = "project.read") {
  if (!rolloutId.safeParse(id).success) throw notFound("Rollout");
  const rollout = await ctx.db.rollout.findUnique({
    where: { id },
    include: {
      project: { select: { id: true, slug: true, teamId: true } },
      canary: { select: { environment: true, branch: true } },
    },
  });
  if (!rollout) throw notFound("Rollout");
  const role = await authorize(ctx, rollout.project.teamId, action).catch((e) => {
    throw e.code === "not_found" ? notFound("Rollout") : e;
  });
  return { rollout, role };
}

// The frame of every manual control (pause, resume, abort, promote now): the
// actor needs "rollout.control"; in one transaction the route is locked first
// (lockRoute, as publish and promote do), then the rollout row, so concurrent
// controls, publishes, promotes and controller ticks apply one after the other,
// and `act` sees the rollout as it is now. Returns the rollout as the API shows it.
export async function controlRollout(
  ctx: Ctx,
  id: string,
  act: (tx: Tx, rollout: Rollout, route: Route) => Promise<void>,
) {
  const { rollout: found } = await loadRollout(ctx, id, "rollout.control");
  const rollout = await ctx.db.$transaction(async (tx) => {
    const route = await lockRoute(tx, found.project, found.canary.environment, found.canary.branch);
    const current = await lockRollout(tx, id);
    if (!current || current.routeId !== route.id) throw notFound("Rollout");
    await act(tx, current, route);
    return tx.rollout.findUniqueOrThrow({ where: { id } });
  }, ROUTE_TX);
  return { rollout: await rolloutView(ctx.db, rollout) };
}

export function requireStatus(rollout: Rollout, allowed: readonly Rollout["status"][], verb: string) {
  if (allowed.includes(rollout.status)) return;
  const state = { running: "running", paused: "paused", succeeded: "finished: the canary went live", rolled_back: "rolled back", aborted: "aborted" }[rollout.status];
  throw conflict(`This rollout is ${state}; only a ${allowed.join(" or ")} rollout can be ${verb}.`);
}
