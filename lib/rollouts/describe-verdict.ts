import type { StageVerdict } from "@/lib/rollouts/analyze-stage";

// The reasons a person reads on the deployment page and in the rollback
// banner: the numbers that decided, in words. analyzeStage's own reason (which
// test, with what evidence) is kept beside them in the analysis row.

export function percent(x: number | null): string {
  if (x === null) return "–";
  const p = x * 100;
  if (p === 0) return "0%";
  if (p < 0.1) return `${p.toFixed(2)}%`;
  return `${p.toFixed(1)}%`;
}

export function millis(x: number | null): string {
  if (x === null) return "–";
  return x < 10 ? `${x.toFixed(1)} ms` : `${Math.round(x)} ms`;
}

type Arms = { canary: { requests: number; errors: number }; baseline: { requests: number; errors: number } };

// "error rate 9.8% vs baseline 0.4% at stage 25%" or
// "P95 latency 912 ms vs baseline 301 ms (limit 1.5× and +25 ms) at stage 5%".
export function failureReason(v: StageVerdict, weight: number, limit: { latencyP95Threshold: number; latencyMinDeltaMs: number }): string {
  if (v.failed === "latency") {
    const floor = limit.latencyMinDeltaMs > 0 ? ` and +${limit.latencyMinDeltaMs} ms` : "";
    return `P95 latency ${millis(v.canaryP95Ms)} vs baseline ${millis(v.baselineP95Ms)} (limit ${limit.latencyP95Threshold}×${floor}) at stage ${weight}%`;
  }
  return `error rate ${percent(v.canaryErrorRate)} vs baseline ${percent(v.baselineErrorRate)} at stage ${weight}%`;
}

export function passReason(v: StageVerdict, weight: number, a: Arms): string {
  return (
    `passed stage ${weight}%: error rate ${percent(v.canaryErrorRate)} vs baseline ${percent(v.baselineErrorRate)}, ` +
    `P95 latency ${millis(v.canaryP95Ms)} vs ${millis(v.baselineP95Ms)} over ${a.canary.requests} and ${a.baseline.requests} requests`
  );
}

export function inconclusiveReason(weight: number, a: Arms, minSamples: number, window: number, maxWindows: number): string {
  return (
    `not enough traffic at stage ${weight}% (window ${window} of ${maxWindows}): canary ${a.canary.requests}, ` +
    `baseline ${a.baseline.requests} requests, ${minSamples} needed on each side`
  );
}

export function pausedReason(stageNumber: number, weight: number, a: Arms, minSamples: number, windows: number): string {
  return (
    `not enough traffic to judge stage ${stageNumber} (${weight}%) after ${windows} observation window${windows === 1 ? "" : "s"} ` +
    `(canary ${a.canary.requests}, baseline ${a.baseline.requests} requests, ${minSamples} needed on each side); waiting for a person`
  );
}
