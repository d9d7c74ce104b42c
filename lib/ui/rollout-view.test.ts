import { describe, expect, it } from "vitest";
import {
  appendPolled,
  chartRows,
  currentWindow,
  formatMs,
  formatOffset,
  formatPoints,
  formatRate,
  formatWindow,
  hasTraffic,
  stageViews,
  totalsSince,
  type RolloutPhase,
} from "@/lib/ui/rollout-view";

const T0 = Date.parse("2025-01-01T00:00:00.000Z");
const iso = (sec: number) => new Date(T0 + sec * 1000).toISOString();

function rollout(status: RolloutPhase, stageIndex: number, extra: Partial<Parameters<typeof stageViews>[0]> = {}) {
  return {
    status,
    stages: [5, 25, 50, 100],
    stageIndex,
    stageStartedAt: iso(stageIndex * 60),
    settings: { observationWindowSec: 60 },
    analyses: [] as Array<{ stageIndex: number; windowStart: string; windowEnd: string; verdict: "pass" | "fail" | "inconclusive" }>,
    stageBoundaries: Array.from({ length: stageIndex + 1 }, (_, i) => ({ stageIndex: i, weight: [5, 25, 50, 100][i], at: iso(i * 60) })),
    ...extra,
  };
}

const arm = (requests: number, errors: number, p95Ms: number | null = 100) => ({
  requests,
  errors,
  errorRate: requests ? errors / requests : null,
  p95Ms: requests ? p95Ms : null,
});

describe("stageViews", () => {
  it("marks stages done, current and pending while running or paused", () => {
    expect(stageViews(rollout("running", 1)).map((s) => s.state)).toEqual(["done", "current", "pending", "pending"]);
    expect(stageViews(rollout("paused", 0)).map((s) => s.state)).toEqual(["current", "pending", "pending", "pending"]);
  });

  it("marks where a rollback or an abort happened and what it never reached", () => {
    expect(stageViews(rollout("rolled_back", 1)).map((s) => s.state)).toEqual(["done", "failed", "skipped", "skipped"]);
    expect(stageViews(rollout("aborted", 2)).map((s) => s.state)).toEqual(["done", "done", "stopped", "skipped"]);
  });

  it("shows the stages a promote skipped", () => {
    const r = rollout("succeeded", 3, {
      stageBoundaries: [
        { stageIndex: 0, weight: 5, at: iso(0) },
        { stageIndex: 1, weight: 25, at: iso(60) },
        { stageIndex: 3, weight: 100, at: iso(90) },
      ],
    });
    expect(stageViews(r).map((s) => s.state)).toEqual(["done", "done", "skipped", "done"]);
    // A promote at 25% (no boundary for 100%): the last stage still serves all traffic.
    const promoted = rollout("succeeded", 1);
    expect(stageViews(promoted).map((s) => s.state)).toEqual(["done", "done", "skipped", "done"]);
    expect(stageViews(rollout("succeeded", 3)).map((s) => s.state)).toEqual(["done", "done", "done", "done"]);
  });

  it("groups the verdicts by stage, oldest first, with each stage's start", () => {
    const analyses = [
      { stageIndex: 0, windowStart: iso(0), windowEnd: iso(60), verdict: "inconclusive" as const },
      { stageIndex: 0, windowStart: iso(0), windowEnd: iso(120), verdict: "pass" as const },
      { stageIndex: 1, windowStart: iso(120), windowEnd: iso(180), verdict: "fail" as const },
    ];
    const views = stageViews(rollout("rolled_back", 1, { analyses }));
    expect(views[0].analyses.map((a) => a.verdict)).toEqual(["inconclusive", "pass"]);
    expect(views[1].analyses.map((a) => a.verdict)).toEqual(["fail"]);
    expect(views[1].startedAt).toBe(iso(60));
    expect(views[2].startedAt).toBeNull();
  });
});

describe("currentWindow", () => {
  it("counts down the stage's window, and the next one after an inconclusive verdict", () => {
    const r = rollout("running", 1);
    expect(currentWindow(r, T0 + 80_000)).toEqual({ startMs: T0 + 60_000, endMs: T0 + 120_000, leftMs: 40_000 });
    expect(currentWindow(r, T0 + 500_000)?.leftMs).toBe(0);
    // Held for a second window from the same start after an inconclusive verdict.
    const held = rollout("running", 1, { analyses: [{ stageIndex: 1, windowStart: iso(60), windowEnd: iso(121), verdict: "inconclusive" }] });
    expect(currentWindow(held, T0 + 130_000)).toEqual({ startMs: T0 + 60_000, endMs: T0 + 180_000, leftMs: 50_000 });
    // A resume restarts the stage: verdicts from before it no longer count.
    const resumed = { ...held, stageStartedAt: iso(200) };
    expect(currentWindow(resumed, T0 + 210_000)?.endMs).toBe(T0 + 260_000);
  });

  it("has no clock unless running", () => {
    expect(currentWindow(rollout("paused", 1), T0)).toBeNull();
    expect(currentWindow(rollout("succeeded", 3), T0)).toBeNull();
  });
});

describe("chartRows", () => {
  const thresholds = { errorRateThreshold: 0.02, latencyP95Threshold: 1.5, latencyMinDeltaMs: 25 };
  const boundaries = [
    { stageIndex: 0, weight: 5, at: iso(0) },
    { stageIndex: 1, weight: 25, at: iso(20) },
  ];

  it("puts rates in percent, gaps where an arm had no traffic, and the latency limit on the baseline's P95", () => {
    const rows = chartRows(
      [
        { t: iso(0), canary: arm(0, 0), baseline: arm(100, 1, 80) },
        { t: iso(10), canary: arm(10, 1, 300), baseline: arm(100, 0, 100) },
      ],
      boundaries,
      thresholds,
    );
    expect(rows[0]).toMatchObject({ t: T0, canaryErrorPct: null, baselineErrorPct: 1, canaryP95Ms: null, latencyLimitMs: 120 });
    expect(rows[1]).toMatchObject({ canaryErrorPct: 10, baselineErrorPct: 0, canaryP95Ms: 300, latencyLimitMs: 150 });
  });

  it("draws the latency limit at the floor where the ratio is below it (a fast path)", () => {
    const rows = chartRows([{ t: iso(0), canary: arm(10, 0, 4), baseline: arm(100, 0, 2) }], boundaries, thresholds);
    expect(rows[0].latencyLimitMs).toBe(27);
    const ratioOnly = chartRows([{ t: iso(0), canary: arm(10, 0, 4), baseline: arm(100, 0, 2) }], boundaries, { ...thresholds, latencyMinDeltaMs: 0 });
    expect(ratioOnly[0].latencyLimitMs).toBe(3);
  });

  it("draws the error limit from the baseline's rate so far in each stage", () => {
    const rows = chartRows(
      [
        { t: iso(0), canary: arm(5, 0), baseline: arm(100, 2) },
        { t: iso(10), canary: arm(5, 0), baseline: arm(100, 0) },
        { t: iso(20), canary: arm(25, 0), baseline: arm(100, 10) },
        { t: iso(30), canary: arm(0, 0), baseline: arm(0, 0) },
      ],
      boundaries,
      thresholds,
    );
    expect(rows.map((r) => r.errorLimitPct && Number(r.errorLimitPct.toFixed(6)))).toEqual([4, 3, 12, 12]);
  });

  it("leaves the limits out before the baseline has traffic", () => {
    const [row] = chartRows([{ t: iso(0), canary: arm(3, 0), baseline: arm(0, 0) }], boundaries, thresholds);
    expect(row.errorLimitPct).toBeNull();
    expect(row.latencyLimitMs).toBeNull();
  });
});

describe("totalsSince and hasTraffic", () => {
  const series = [
    { t: iso(0), canary: arm(5, 1), baseline: arm(95, 1) },
    { t: iso(10), canary: arm(6, 2), baseline: arm(94, 0) },
  ];
  it("sums each arm from a time on", () => {
    expect(totalsSince(series, T0 + 5000)).toEqual({ canary: { requests: 6, errors: 2 }, baseline: { requests: 94, errors: 0 } });
    expect(totalsSince(series, T0).canary.requests).toBe(11);
  });
  it("says whether any request arrived", () => {
    expect(hasTraffic(series)).toBe(true);
    expect(hasTraffic([{ t: iso(0), canary: arm(0, 0), baseline: arm(0, 0) }])).toBe(false);
    expect(hasTraffic([])).toBe(false);
  });
});

describe("formatters", () => {
  it("formats rates, points, latencies, offsets and windows", () => {
    expect([0.098, 0.004, 0.0004, 0.25, 0, null].map(formatRate)).toEqual(["9.8%", "0.4%", "0.04%", "25%", "0%", "—"]);
    expect(formatPoints(0.02)).toBe("2 percentage points");
    expect(formatPoints(0.01)).toBe("1 percentage point");
    expect(formatPoints(0.005)).toBe("0.5 percentage points");
    expect([4.23, 120.4, 1250, 12_400, null].map(formatMs)).toEqual(["4.2 ms", "120 ms", "1.25 s", "12 s", "—"]);
    expect([0, 245_000, 3_723_000].map(formatOffset)).toEqual(["0:00", "4:05", "1:02:03"]);
    expect([300, 90, 3600, 60, 1].map(formatWindow)).toEqual(["5 minutes", "90 seconds", "1 hour", "60 seconds", "1 second"]);
  });
});

describe("appendPolled", () => {
  const arm = (requests: number) => ({ requests, errors: 0, errorRate: requests ? 0 : null, p95Ms: null });
  const pt = (t: string, n: number) => ({ t, canary: arm(n), baseline: arm(n) });
  const view = (id: string, stepSec: number, series: ReturnType<typeof pt>[]) => ({ rollout: { id }, series, stepSec, canControl: true });

  it("replaces the last, partial point and adds the new ones", () => {
    const prev = view("r", 1, [pt("2026-01-01T00:00:00.000Z", 5), pt("2026-01-01T00:00:01.000Z", 2)]);
    const next = view("r", 1, [pt("2026-01-01T00:00:01.000Z", 6), pt("2026-01-01T00:00:02.000Z", 3)]);
    expect(appendPolled(prev, next)?.series.map((p) => [p.t.slice(17, 19), p.canary.requests])).toEqual([["00", 5], ["01", 6], ["02", 3]]);
  });

  it("asks for a full read when the step or the rollout changed", () => {
    const prev = view("r", 1, [pt("2026-01-01T00:00:00.000Z", 5)]);
    expect(appendPolled(prev, view("r", 2, []))).toBeNull();
    expect(appendPolled(prev, view("other", 1, []))).toBeNull();
  });
});

