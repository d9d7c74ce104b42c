import { systemCtx } from "@/lib/auth/ctx";
import type { Db, Tx } from "@/lib/db/client";
import type { Rollout } from "@/lib/generated/prisma/client";
import { LogHistogram } from "@/lib/metrics/log-histogram";
import { readWindow, type WindowTotals } from "@/lib/metrics/read-window";
import { analyzeStage, type StageVerdict } from "@/lib/rollouts/analyze-stage";
import { failureReason, inconclusiveReason, passReason, pausedReason } from "@/lib/rollouts/describe-verdict";
import { readStoredSettings, type StoredRolloutSettings } from "@/lib/rollouts/rollout-settings";
import { advanceRollout, completeRollout, lockRollout, pauseRolloutWrite, stopRollout, tryLockRoute } from "@/lib/rollouts/rollout-writes";
import { ROUTE_TX } from "@/lib/routes/lock-route";

// The rollout controller. Every worker process calls tickRollouts about once a
// second (lib/worker/main.ts); each running rollout is handled in its own
// transaction that starts with
//     SELECT … FROM rollouts WHERE id = $1 AND status = 'running' FOR UPDATE SKIP LOCKED
// (lockRollout with runningOnly and skipLocked)
// so exactly one worker acts on a rollout at a time (the others skip it for
// this tick), and a worker killed mid-tick loses its lock with its connection.
// Nothing lives in memory: the stage, its start and the inconclusive windows so
// far are read from the rollout row and its analyses, so the next tick of any
// worker resumes where the last committed one left the rollout.
//
// Each tick reads both arms' metrics since the stage started (readWindow, the
// per-second buckets the routers flush) and asks analyzeStage, an anytime-valid
// sequential test, for a verdict. The rollout's total false-rollback budget
// TOTAL_ALPHA is split evenly over its stages (alpha = 0.01 / stages.length,
// a union bound: the chance that any stage of a healthy canary is rolled back
// is at most 1%), and within a stage the test stays valid however often it
// looks. Verdicts:
// - running: nothing is written;
// - fail: rolled back (the route's canary slot emptied in one UPDATE, the
//   deployment failed with the numbers in words, an analysis row kept);
// - pass: an analysis row, then the next stage's weight (one UPDATE), or after
//   the last stage the canary goes live and the previous one is superseded;
// - inconclusive (the window ended with too few requests): an analysis row and
//   the stage is held for another window, from the same start; after
//   maxInconclusiveWindows the rollout is paused for a person. Never a
//   rollback, never an advance.
//
// At the 100% stage no traffic reaches the baseline, so the canary is compared
// with the baseline's requests over the previous stage's window (its last
// observation under real traffic).

export const TOTAL_ALPHA = 0.01;
export const stageAlpha = (stages: number) => TOTAL_ALPHA / stages;

export type TickAction = "skipped" | "busy" | "watching" | "extended" | "paused" | "advanced" | "succeeded" | "rolled_back" | "orphaned" | "error";
export type TickOutcome = { rolloutId: string; action: TickAction; detail?: string };

export type TickOptions = {
  now?: () => Date;
  /** Only the rollouts of these projects (tests share one database). */
  projectIds?: string[];
  /** Runs in each rollout's transaction after its writes, before the commit (tests throw from it to kill a tick mid-way). */
  beforeCommit?: (outcome: TickOutcome) => Promise<void> | void;
};

// Thrown to roll a tick back when the route is locked by a publish, promote or
// manual control: the rollout is left as it was for the next tick.
class RouteBusy extends Error {}

export async function tickRollouts(db: Db, opts: TickOptions = {}): Promise<TickOutcome[]> {
  const rows = opts.projectIds
    ? await db.$queryRaw<{ id: string }[]>`
        SELECT id::text FROM rollouts WHERE status = 'running' AND project_id = ANY(${opts.projectIds}::uuid[]) ORDER BY started_at`
    : await db.$queryRaw<{ id: string }[]>`SELECT id::text FROM rollouts WHERE status = 'running' ORDER BY started_at`;
  const outcomes: TickOutcome[] = [];
  for (const { id } of rows) {
    try {
      outcomes.push(
        await db.$transaction(async (tx) => {
          const outcome = await tickOne(db, tx, id, opts);
          await opts.beforeCommit?.(outcome);
          return outcome;
        }, ROUTE_TX),
      );
    } catch (e) {
      if (e instanceof RouteBusy) outcomes.push({ rolloutId: id, action: "busy" });
      else outcomes.push({ rolloutId: id, action: "error", detail: e instanceof Error ? e.message : String(e) });
    }
  }
  return outcomes;
}

async function tickOne(db: Db, tx: Tx, id: string, opts: TickOptions): Promise<TickOutcome> {
  const rollout = await lockRollout(tx, id, { runningOnly: true, skipLocked: true });
  if (!rollout) return { rolloutId: id, action: "skipped" };
  const ctx = systemCtx(db, "rollout-controller");
  const lockRoute = async () => {
    const route = await tryLockRoute(tx, rollout.routeId);
    if (!route) throw new RouteBusy();
    return route;
  };

  const routeNow = await tx.route.findUniqueOrThrow({ where: { id: rollout.routeId } });
  if (routeNow.canaryDeploymentId !== rollout.canaryDeploymentId) {
    // Something outside the rollout took its canary off the route: end it, move nothing.
    const route = await lockRoute();
    const reason = "The route no longer serves this canary.";
    await stopRollout(tx, ctx, { rollout, route, status: "aborted", deploymentTo: "canceled", reason, routeWrite: false, action: "rollout.abort" });
    return { rolloutId: id, action: "orphaned", detail: reason };
  }

  const settings = readStoredSettings(rollout.settings);
  const now = opts.now?.() ?? new Date();
  const weight = rollout.stages[rollout.stageIndex];
  const windowMs = settings.observationWindowSec * 1000;
  const held = await tx.rolloutAnalysis.count({
    where: { rolloutId: id, stageIndex: rollout.stageIndex, windowStart: rollout.stageStartedAt, verdict: "inconclusive" },
  });
  const canary = await readWindow(tx, rollout.canaryDeploymentId, rollout.stageStartedAt, now);
  const baselineRange = await baselineWindow(tx, rollout, settings, now);
  const baseline = rollout.baselineDeploymentId ? await readWindow(tx, rollout.baselineDeploymentId, ...baselineRange) : emptyArm();
  const verdict = analyzeStage({
    canary,
    baseline,
    elapsedMs: now.getTime() - rollout.stageStartedAt.getTime(),
    // Each inconclusive window holds the stage for one more window from the same start.
    windowMs: windowMs * (held + 1),
    minSamples: settings.minSamples,
    errorRateThreshold: settings.autoRollback.errorRateThreshold,
    latencyP95Threshold: settings.autoRollback.latencyP95Threshold,
    latencyMinDeltaMs: settings.autoRollback.latencyMinDeltaMs,
    alpha: stageAlpha(rollout.stages.length),
  });
  const arms = { canary, baseline };
  const baselineNote = baselineRange[0].getTime() === rollout.stageStartedAt.getTime() ? "" : " (baseline: its previous stage's window, as it serves nothing at 100%)";
  const record = (reason: string) => recordAnalysis(tx, rollout, weight, now, arms, verdict, `${reason}${baselineNote}; ${verdict.reason}`);

  switch (verdict.verdict) {
    case "running":
      return { rolloutId: id, action: "watching" };
    case "fail": {
      const route = await lockRoute();
      const reason = failureReason(verdict, weight, settings.autoRollback);
      await record(reason);
      await stopRollout(tx, ctx, { rollout, route, status: "rolled_back", deploymentTo: "failed", reason, action: "rollout.rollback" });
      return { rolloutId: id, action: "rolled_back", detail: reason };
    }
    case "pass": {
      const route = await lockRoute();
      await record(passReason(verdict, weight, arms));
      if (rollout.stageIndex + 1 < rollout.stages.length) {
        await advanceRollout(tx, ctx, { rollout, route, now });
        return { rolloutId: id, action: "advanced", detail: `${weight}% → ${rollout.stages[rollout.stageIndex + 1]}%` };
      }
      const reason = `Passed all ${rollout.stages.length} stages (${rollout.stages.map((s) => `${s}%`).join(" → ")}).`;
      await completeRollout(tx, ctx, { rollout, route, reason, action: "rollout.succeed" });
      return { rolloutId: id, action: "succeeded", detail: reason };
    }
    case "inconclusive": {
      const windows = held + 1;
      await record(inconclusiveReason(weight, arms, settings.minSamples, windows, settings.maxInconclusiveWindows));
      if (windows < settings.maxInconclusiveWindows) return { rolloutId: id, action: "extended", detail: `window ${windows} of ${settings.maxInconclusiveWindows}` };
      const reason = pausedReason(rollout.stageIndex + 1, weight, arms, settings.minSamples, windows);
      await pauseRolloutWrite(tx, ctx, rollout, reason, { weight });
      return { rolloutId: id, action: "paused", detail: reason };
    }
  }
}

const emptyArm = (): WindowTotals => ({ requests: 0, errors: 0, warmup: 0, histogram: new LogHistogram() });

async function baselineWindow(tx: Tx, rollout: Rollout, settings: StoredRolloutSettings, now: Date): Promise<[Date, Date]> {
  if (rollout.stages[rollout.stageIndex] < 100) return [rollout.stageStartedAt, now];
  const previous = await tx.rolloutAnalysis.findFirst({
    where: { rolloutId: rollout.id, stageIndex: rollout.stageIndex - 1, verdict: "pass" },
    orderBy: { id: "desc" },
    select: { windowStart: true, windowEnd: true },
  });
  if (previous) return [previous.windowStart, previous.windowEnd];
  // A single 100% stage: the window of the same length before it started, when the baseline served everything.
  const start = rollout.stageStartedAt.getTime();
  return [new Date(start - settings.observationWindowSec * 1000), rollout.stageStartedAt];
}

async function recordAnalysis(tx: Tx, rollout: Rollout, weight: number, now: Date, arms: { canary: WindowTotals; baseline: WindowTotals }, v: StageVerdict, reason: string) {
  if (v.verdict === "running") return;
  await tx.rolloutAnalysis.create({
    data: {
      rolloutId: rollout.id,
      stageIndex: rollout.stageIndex,
      weight,
      windowStart: rollout.stageStartedAt,
      windowEnd: now,
      canaryRequests: arms.canary.requests,
      canaryErrors: arms.canary.errors,
      canaryP95Ms: v.canaryP95Ms,
      baselineRequests: arms.baseline.requests,
      baselineErrors: arms.baseline.errors,
      baselineP95Ms: v.baselineP95Ms,
      verdict: v.verdict,
      reason: reason.slice(0, 2000),
      notes: v.notes.map((n) => n.slice(0, 500)),
    },
  });
}
