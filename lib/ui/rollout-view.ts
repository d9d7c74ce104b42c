// What the console's rollout view derives from GET /api/deployments/:id/rollout
// (pure, no DOM): each stage's state, the current observation window, the chart
// rows with their thresholds, and the formatters for rates and latencies.
// The shapes are structural, so this file depends on no component.

export type RolloutPhase = "running" | "paused" | "succeeded" | "rolled_back" | "aborted";

type Analysis = { stageIndex: number; windowStart: string; windowEnd: string; verdict: "pass" | "fail" | "inconclusive" };
type Boundary = { stageIndex: number; weight: number; at: string };
type Arm = { requests: number; errors: number; errorRate: number | null; p95Ms: number | null };
type Point = { t: string; canary: Arm; baseline: Arm };

type RolloutShape<A extends Analysis = Analysis> = {
  status: RolloutPhase;
  stages: number[];
  stageIndex: number;
  stageStartedAt: string;
  settings: { observationWindowSec: number };
  analyses: A[];
  stageBoundaries: Boundary[];
};

export const isActive = (status: RolloutPhase) => status === "running" || status === "paused";

type Polled<P extends Point> = { rollout: { id: string } | null; series: P[]; stepSec?: number };

// The console polls with `since` = its last point, so the server reads only the
// newest buckets; the answer replaces that last (possibly partial) point and
// adds the new ones. Null when the two cannot be joined (another rollout, or the
// step grew as the rollout got longer): then the whole series is read again.
export function appendPolled<P extends Point, V extends Polled<P>>(prev: V, next: V): V | null {
  if (!prev.rollout || !next.rollout || prev.rollout.id !== next.rollout.id || prev.stepSec !== next.stepSec) return null;
  const first = next.series[0]?.t;
  const kept = first === undefined ? prev.series : prev.series.filter((p) => p.t < first);
  return { ...next, series: [...kept, ...next.series] };
}

// done: passed (or passed over by a promote once entered); current: being observed
// now (running or paused); pending: still to come; failed: where the automatic
// rollback happened; stopped: where it was aborted; skipped: never reached
// because the rollout ended before (promote now, rollback, abort).
export type StageState = "done" | "current" | "pending" | "failed" | "stopped" | "skipped";

export type StageView<A extends Analysis = Analysis> = {
  index: number;
  weight: number;
  state: StageState;
  // Every verdict of the stage, oldest first (several when windows were inconclusive).
  analyses: A[];
  // When the stage started, if it did.
  startedAt: string | null;
};

export function stageViews<A extends Analysis>(r: RolloutShape<A>): StageView<A>[] {
  const startedAt = new Map<number, string>();
  for (const b of r.stageBoundaries) if (!startedAt.has(b.stageIndex)) startedAt.set(b.stageIndex, b.at);
  // Without boundaries (none recorded), the stages up to the current one were entered.
  const entered = (i: number) => (r.stageBoundaries.length > 0 ? startedAt.has(i) : i <= r.stageIndex);
  return r.stages.map((weight, index) => {
    let state: StageState;
    const before = index < r.stageIndex;
    const here = index === r.stageIndex;
    switch (r.status) {
      case "running":
      case "paused":
        state = before ? "done" : here ? "current" : "pending";
        break;
      case "succeeded":
        // It serves all traffic now; stages a promote jumped over were never entered.
        state = entered(index) || index === r.stages.length - 1 ? "done" : "skipped";
        break;
      case "rolled_back":
        state = before ? "done" : here ? "failed" : "skipped";
        break;
      case "aborted":
        state = before ? "done" : here ? "stopped" : "skipped";
        break;
    }
    return {
      index,
      weight,
      state,
      analyses: r.analyses.filter((a) => a.stageIndex === index),
      startedAt: startedAt.get(index) ?? (here ? r.stageStartedAt : null),
    };
  });
}

// The observation window the current stage is in, as the controller counts it:
// from the stage's start (reset by a resume), one window long, and one window
// longer for each inconclusive verdict since that start (the stage is held and
// judged again over the whole time). Null unless the rollout is running (a
// paused one waits for a person, not a clock).
export function currentWindow(r: RolloutShape, nowMs: number): { startMs: number; endMs: number; leftMs: number } | null {
  if (r.status !== "running") return null;
  const windowMs = r.settings.observationWindowSec * 1000;
  const startMs = Date.parse(r.stageStartedAt);
  if (Number.isNaN(startMs)) return null;
  const held = r.analyses.filter(
    (a) => a.stageIndex === r.stageIndex && a.verdict === "inconclusive" && Date.parse(a.windowStart) === startMs,
  ).length;
  const endMs = startMs + windowMs * (held + 1);
  return { startMs, endMs, leftMs: Math.max(0, endMs - nowMs) };
}

export type Totals = { requests: number; errors: number };

// Requests and errors of each arm in the series from `sinceMs` on (the current
// stage so far; the analysis judges the same cumulative window).
export function totalsSince(series: readonly Point[], sinceMs: number): { canary: Totals; baseline: Totals } {
  const canary = { requests: 0, errors: 0 };
  const baseline = { requests: 0, errors: 0 };
  for (const p of series) {
    if (Date.parse(p.t) < sinceMs) continue;
    canary.requests += p.canary.requests;
    canary.errors += p.canary.errors;
    baseline.requests += p.baseline.requests;
    baseline.errors += p.baseline.errors;
  }
  return { canary, baseline };
}

// One x position of the charts. Rates are in percent (0–100) so the axes need no
// scaling; null leaves a gap (no traffic in that step).
export type ChartRow = {
  t: number;
  canaryErrorPct: number | null;
  baselineErrorPct: number | null;
  // The baseline's error rate so far in the stage + errorRateThreshold: the line the
  // canary's rate must stay under (what the analysis tests, cumulatively per stage).
  errorLimitPct: number | null;
  canaryP95Ms: number | null;
  baselineP95Ms: number | null;
  // The baseline's P95 of the step × latencyP95Threshold, or + latencyMinDeltaMs
  // where that is higher (the analysis needs both).
  latencyLimitMs: number | null;
};

export type Thresholds = { errorRateThreshold: number; latencyP95Threshold: number; latencyMinDeltaMs: number };

const pct = (arm: Arm) => (arm.requests > 0 && arm.errorRate !== null ? arm.errorRate * 100 : null);

export function chartRows(series: readonly Point[], boundaries: readonly Boundary[], thresholds: Thresholds): ChartRow[] {
  const starts = boundaries.map((b) => Date.parse(b.at)).filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
  let stage = -1;
  let requests = 0;
  let errors = 0;
  const rows: ChartRow[] = [];
  for (const p of series) {
    const t = Date.parse(p.t);
    if (Number.isNaN(t)) continue;
    // A new stage starts its own cumulative baseline, as its analysis does.
    let s = stage;
    while (s + 1 < starts.length && starts[s + 1] <= t) s++;
    if (s !== stage) {
      stage = s;
      requests = 0;
      errors = 0;
    }
    requests += p.baseline.requests;
    errors += p.baseline.errors;
    rows.push({
      t,
      canaryErrorPct: pct(p.canary),
      baselineErrorPct: pct(p.baseline),
      errorLimitPct: requests > 0 ? Math.min(100, (errors / requests + thresholds.errorRateThreshold) * 100) : null,
      canaryP95Ms: p.canary.requests > 0 ? p.canary.p95Ms : null,
      baselineP95Ms: p.baseline.requests > 0 ? p.baseline.p95Ms : null,
      latencyLimitMs:
        p.baseline.requests > 0 && p.baseline.p95Ms !== null
          ? Math.max(p.baseline.p95Ms * thresholds.latencyP95Threshold, p.baseline.p95Ms + thresholds.latencyMinDeltaMs)
          : null,
    });
  }
  return rows;
}

export const hasTraffic = (series: readonly Point[]) => series.some((p) => p.canary.requests + p.baseline.requests > 0);

const trim = (value: number, digits: number) => String(Number(value.toFixed(digits)));

// 0.098 → "9.8%", 0.004 → "0.4%", 0.0004 → "0.04%", 0.25 → "25%".
export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return "—";
  const p = rate * 100;
  if (p === 0) return "0%";
  if (Math.abs(p) < 0.1) return `${trim(p, 2)}%`;
  if (Math.abs(p) < 10) return `${trim(p, 1)}%`;
  return `${Math.round(p)}%`;
}

// The error-rate threshold is a difference of rates: 0.02 → "2 percentage points".
export function formatPoints(rate: number): string {
  const p = trim(rate * 100, 2);
  return `${p} percentage ${p === "1" ? "point" : "points"}`;
}

// 4.23 → "4.2 ms", 120.4 → "120 ms", 1250 → "1.25 s", 12_400 → "12 s".
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 10) return `${trim(ms, 1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${trim(ms / 1000, 2)} s`;
  return `${Math.round(ms / 1000)} s`;
}

// Time on the charts' axis, from the rollout's start: "0:00", "4:05", "1:02:03".
export function formatOffset(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

// Seconds as a window length: 300 → "5 minutes", 90 → "90 seconds", 3600 → "1 hour".
export function formatWindow(sec: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (sec % 3600 === 0) return unit(sec / 3600, "hour");
  if (sec % 60 === 0 && sec >= 120) return unit(sec / 60, "minute");
  return unit(sec, "second");
}
