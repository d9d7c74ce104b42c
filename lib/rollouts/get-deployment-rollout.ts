import { z } from "zod";
import type { Ctx } from "@/lib/auth/ctx";
import { can } from "@/lib/auth/roles";
import { loadDeployment } from "@/lib/deployments/load-deployment";
import { parseInput } from "@/lib/errors/parse-input";
import { readSeries, type SeriesPoint } from "@/lib/metrics/read-window";
import { rolloutView } from "@/lib/rollouts/rollout-view";

export const MAX_POINTS = 300;

const input = z.object({
  // Only points from this time on (the console polls for what is new).
  since: z.iso.datetime({ offset: true, error: "since must be an ISO date-time." }).optional(),
});

type Arm = { requests: number; errors: number; errorRate: number | null; p95Ms: number | null };

// The rollout of a deployment (the latest one it was the canary of) with the
// charts' series: canary vs baseline requests, errors, error rate and P95 per
// step, from the rollout's start to now (or its end), at the smallest whole
// number of seconds that keeps the whole rollout within MAX_POINTS points. Steps
// are aligned to the epoch, so a poll with `since` returns the same points a
// full read would.
export async function getDeploymentRollout({ ctx, id, input: raw = {} }: { ctx: Ctx; id: string; input?: unknown }) {
  const { since } = parseInput(input, raw);
  const { deployment, role } = await loadDeployment(ctx, id);
  const rollout = await ctx.db.rollout.findFirst({ where: { canaryDeploymentId: deployment.id }, orderBy: { startedAt: "desc" } });
  if (!rollout) return { rollout: null, series: [], canControl: false };

  const end = rollout.finishedAt ?? new Date();
  const durationSec = Math.max(1, (end.getTime() - rollout.startedAt.getTime()) / 1000);
  const stepSec = Math.max(1, Math.ceil(durationSec / MAX_POINTS));
  const stepMs = stepSec * 1000;
  const startMs = Math.max(rollout.startedAt.getTime(), since ? Date.parse(since) : 0);
  const from = new Date(Math.floor(startMs / stepMs) * stepMs);
  const ids = [rollout.canaryDeploymentId, ...(rollout.baselineDeploymentId ? [rollout.baselineDeploymentId] : [])];
  const points = from < end ? await readSeries(ctx.db, ids, from, end, stepSec) : [];

  const byKey = new Map<string, SeriesPoint>(points.map((p) => [`${p.deploymentId}@${Date.parse(p.t)}`, p]));
  const arm = (deploymentId: string | null, t: number): Arm => {
    const p = deploymentId ? byKey.get(`${deploymentId}@${t}`) : undefined;
    if (!p) return { requests: 0, errors: 0, errorRate: null, p95Ms: null };
    return { requests: p.requests, errors: p.errors, errorRate: p.requests > 0 ? p.errors / p.requests : null, p95Ms: p.p95Ms };
  };
  const series = [];
  for (let t = from.getTime(); t < end.getTime(); t += stepMs) {
    series.push({ t: new Date(t).toISOString(), canary: arm(rollout.canaryDeploymentId, t), baseline: arm(rollout.baselineDeploymentId, t) });
  }
  return {
    rollout: await rolloutView(ctx.db, rollout),
    series,
    stepSec,
    canControl: can(role, "rollout.control") && (rollout.status === "running" || rollout.status === "paused"),
  };
}
