import type { Db, Tx } from "@/lib/db/client";
import type { Rollout } from "@/lib/generated/prisma/client";
import { readStoredSettings } from "@/lib/rollouts/rollout-settings";

// A rollout as the API returns it (GET /api/deployments/:id/rollout and the
// control verbs): its state, settings and where they came from, every verdict
// with its numbers, and when each stage began (for the charts' markers).
export async function rolloutView(db: Db | Tx, rollout: Rollout) {
  const analyses = await db.rolloutAnalysis.findMany({ where: { rolloutId: rollout.id }, orderBy: { id: "asc" } });
  const { from, ...settings } = readStoredSettings(rollout.settings);
  const active = rollout.status === "running" || rollout.status === "paused";
  const stageBoundaries = [
    { stageIndex: 0, weight: rollout.stages[0], at: rollout.startedAt.toISOString() },
    ...analyses
      .filter((a) => a.verdict === "pass" && a.stageIndex + 1 < rollout.stages.length)
      .map((a) => ({ stageIndex: a.stageIndex + 1, weight: rollout.stages[a.stageIndex + 1], at: a.windowEnd.toISOString() })),
  ];
  return {
    id: rollout.id,
    status: rollout.status,
    stages: rollout.stages,
    stageIndex: rollout.stageIndex,
    // The canary's share of traffic now: its stage's while it runs or is paused, all once it went live, none after a rollback.
    weight: active ? rollout.stages[rollout.stageIndex] : rollout.status === "succeeded" ? 100 : 0,
    settings,
    settingsFrom: from,
    reason: rollout.reason,
    startedAt: rollout.startedAt.toISOString(),
    stageStartedAt: rollout.stageStartedAt.toISOString(),
    finishedAt: rollout.finishedAt?.toISOString() ?? null,
    baselineDeploymentId: rollout.baselineDeploymentId,
    canaryDeploymentId: rollout.canaryDeploymentId,
    analyses: analyses.map((a) => ({
      stageIndex: a.stageIndex,
      weight: a.weight,
      windowStart: a.windowStart.toISOString(),
      windowEnd: a.windowEnd.toISOString(),
      canaryRequests: a.canaryRequests,
      canaryErrors: a.canaryErrors,
      canaryP95Ms: a.canaryP95Ms,
      baselineRequests: a.baselineRequests,
      baselineErrors: a.baselineErrors,
      baselineP95Ms: a.baselineP95Ms,
      verdict: a.verdict,
      reason: a.reason,
      notes: a.notes,
      createdAt: a.createdAt.toISOString(),
    })),
    stageBoundaries,
  };
}

export type RolloutView = Awaited<ReturnType<typeof rolloutView>>;
