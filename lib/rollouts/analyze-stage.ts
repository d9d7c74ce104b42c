// Judge one canary stage: canary vs baseline over the same window, on cumulative
// data since the stage started. Pure; the controller calls it about once a second.
//
// Method: anytime-valid sequential tests (mixture SPRT with the exact Bernoulli
// likelihood, see sequential.ts) combined with time-uniform confidence bounds on
// the baseline. Every statistic below is dominated by a nonnegative
// supermartingale under the null, so by Ville's inequality the chance that it
// EVER crosses 1/α is ≤ α: looking every second, for as long as the stage lasts
// (including a stage held past its window by "inconclusive"), spends no extra
// error budget. The stage's α is split by a union bound:
//
// Error rate, H0: p_canary ≤ p_baseline + errorRateThreshold (δ).
//   (0.1α) U = time-uniform upper bound on the baseline's error rate, so U ≥ p_b
//          at every look with probability ≥ 1 - 0.1α.
//   (0.4α) test the canary's errors against r = U + δ; fail when the evidence
//          reaches 1/(0.4α). While U ≥ p_b, r ≥ r* = p_b + δ, and every term of
//          the evidence against r is at most the same term against r*, which is
//          the supermartingale (sequential.ts); so the moving reference costs
//          nothing beyond its 0.1α.
// Latency, H0: canary P95 ≤ latencyP95Threshold (L) × baseline P95.
//   (0.1α) u = time-uniform upper bound on the baseline's P95 from its histogram:
//          the value above which at most k baseline requests lie, with k the
//          time-uniform lower bound on how many of n requests exceed the true P95
//          (each does with probability ≥ 5%); rounded up to the bucket's edge.
//   (0.4α) under H0 at most 5% of canary requests are slower than L × P95_b ≤
//          q = L·u; test the canary's share above q (histogram.countAbove, which
//          only undercounts) against 5%. A count above a higher threshold is
//          smaller, so the test is dominated by the one at the true L × P95_b.
//   The floor: q = max(L·u, u + D), D = latencyMinDeltaMs. A ratio alone makes
//          a 1 ms difference on a 2 ms P95 a regression; nobody notices it,
//          while every new process is that much slower for a while (module
//          load, JIT). With D the null is "canary P95 ≤ max(L × P95_b, P95_b +
//          D)", and q is still at least that bound, so the same argument holds.
//          D's default (25 ms) is below what a person notices on a page load
//          (~100 ms) and well above the noise of a fresh process on a fast path.
//
// Warm-up (why the canary's first requests are not in its histogram): a new
// deployment's function host is a new process. Its first requests wait for it
// to start and load the module; the baseline's host has been warm for minutes.
// Comparing the two would fail identical code. Kayenta's answer is a fresh
// baseline host started for the rollout; ours is cheaper and exact: the router
// marks every request that arrived before its host was ready, or before that
// host had answered that function once (lib/router/functions/function-pool.ts),
// and the router prestarts a canary's host as soon as the route names it. Those
// requests count for the error rate (a host that never starts still fails)
// but not for latency, on both arms alike; the verdict's notes say how many
// were left out. What remains is steady-state latency, as the test assumes.
//
// Assumptions: requests are independent, and each arm's error rate and latency
// distribution are stable over the stage. Drift that hits both arms alike (they
// are measured over the same seconds) largely cancels, but is outside the
// guarantee. Sticky cohorts make visitors, not requests, the unit of assignment;
// a visitor's requests are treated as independent, which is fine as long as no
// visitor dominates the traffic. No normal
// approximation: the likelihoods are exact, so small counts are safe. A fail also
// needs MIN_FAIL_SAMPLES requests in each arm, so a handful of requests never
// roll back. Cost per look: a few hundred logarithms and two histogram scans
// (tens of microseconds).
import { LogHistogram, RELATIVE_ACCURACY } from "@/lib/metrics/log-histogram";
import { millis as ms, percent as pct } from "@/lib/rollouts/describe-verdict";
import { countLowerBound, epsilonGrid, logEvidenceAbove, rateUpperBound } from "@/lib/rollouts/sequential";

/** `warmup`: requests served while a new host was starting (counted in requests and errors, not in the histogram). */
export type Arm = { requests: number; errors: number; histogram: LogHistogram; warmup?: number };
export type StageInput = {
  canary: Arm;
  baseline: Arm; // cumulative since the stage started (same window for both)
  elapsedMs: number;
  windowMs: number; // observation window of the stage
  minSamples: number; // per arm, before any pass
  errorRateThreshold: number; // e.g. 0.02 = canary may exceed baseline by 2 percentage points
  latencyP95Threshold: number; // e.g. 1.5 = canary P95 may be 1.5x baseline P95
  latencyMinDeltaMs: number; // ...and must also be this much slower in absolute terms, e.g. 25
  alpha: number; // false-rollback budget for this stage
};
export type StageVerdict = {
  verdict: "running" | "pass" | "fail" | "inconclusive";
  reason: string;
  canaryErrorRate: number | null;
  baselineErrorRate: number | null;
  canaryP95Ms: number | null;
  baselineP95Ms: number | null;
  failed: null | "error_rate" | "latency";
  /** What a person should know about a close call: a difference forgiven by the floor, warm-up left out. */
  notes: string[];
};

export const MIN_FAIL_SAMPLES = 20;
const TAIL = 0.05; // P95
const ALPHA_SHARE = { errorTest: 0.4, errorBaseline: 0.1, latencyTest: 0.4, latencyBaseline: 0.1 };
// Alternatives for every test: ε from 0.2% to 99%, a factor 1.5 apart (16 terms).
const GRID = epsilonGrid(0.002, 1.5);


type ErrorTest = { rejected: boolean; reference: number; baselineBound: number };

function errorRateTest(input: StageInput): ErrorTest {
  const { canary, baseline, errorRateThreshold: delta, alpha } = input;
  const U = rateUpperBound(baseline.errors, baseline.requests, alpha * ALPHA_SHARE.errorBaseline, GRID);
  const reference = U + delta;
  if (reference >= 1 || canary.errors / canary.requests <= reference) return { rejected: false, reference, baselineBound: U };
  const evidence = logEvidenceAbove(canary.errors, canary.requests, reference, GRID);
  return { rejected: evidence >= Math.log(1 / (alpha * ALPHA_SHARE.errorTest)), reference, baselineBound: U };
}

type LatencyTest = { rejected: boolean; thresholdMs: number; ratioMs: number; floorBinds: boolean; slower: number; n: number; bound: number };

// Upper bound on the baseline P95 (see the header), or null with too few requests.
export function baselineP95UpperBound(histogram: LogHistogram, alpha: number): number | null {
  const n = histogram.count;
  const k = countLowerBound(n, TAIL, alpha, GRID);
  if (k < 0) return null;
  // The value at rank n-1-k (0-based, ascending) has k values ranked above it;
  // the top of its bucket has at most k values above it.
  const rank = n - 1 - k;
  const v = histogram.quantile(n > 1 ? (rank + 0.5) / (n - 1) : 1);
  return v === null ? null : (v / (1 - RELATIVE_ACCURACY)) * (1 + 1e-9);
}

function latencyTest(input: StageInput): LatencyTest | null {
  const { canary, baseline, latencyP95Threshold, latencyMinDeltaMs, alpha } = input;
  const n = canary.histogram.count;
  if (n < MIN_FAIL_SAMPLES) return null;
  const u = baselineP95UpperBound(baseline.histogram, alpha * ALPHA_SHARE.latencyBaseline);
  if (u === null) return null;
  const ratioMs = latencyP95Threshold * u;
  const floorBinds = u + latencyMinDeltaMs > ratioMs;
  const thresholdMs = floorBinds ? u + latencyMinDeltaMs : ratioMs;
  const slower = canary.histogram.countAbove(thresholdMs);
  const base = { thresholdMs, ratioMs, floorBinds, slower, n, bound: u };
  if (slower / n <= TAIL) return { rejected: false, ...base };
  const evidence = logEvidenceAbove(slower, n, TAIL, GRID);
  return { rejected: evidence >= Math.log(1 / (alpha * ALPHA_SHARE.latencyTest)), ...base };
}

export function analyzeStage(input: StageInput): StageVerdict {
  const { canary, baseline, minSamples } = input;
  const numbers = {
    canaryErrorRate: canary.requests > 0 ? canary.errors / canary.requests : null,
    baselineErrorRate: baseline.requests > 0 ? baseline.errors / baseline.requests : null,
    canaryP95Ms: canary.histogram.quantile(0.95),
    baselineP95Ms: baseline.histogram.quantile(0.95),
  };
  const l = latencyTest(input);
  const notes = closeCallNotes(input, l);
  const verdict = (v: StageVerdict["verdict"], reason: string, failed: StageVerdict["failed"] = null): StageVerdict => ({
    verdict: v,
    reason,
    ...numbers,
    failed,
    notes,
  });

  const e = canary.requests >= MIN_FAIL_SAMPLES && baseline.requests >= MIN_FAIL_SAMPLES ? errorRateTest(input) : null;
  if (e) {
    if (e.rejected) {
      return verdict(
        "fail",
        `error rate ${pct(numbers.canaryErrorRate)} (${canary.errors}/${canary.requests}) vs baseline ${pct(numbers.baselineErrorRate)} ` +
          `(${baseline.errors}/${baseline.requests}): more than ${+(input.errorRateThreshold * 100).toFixed(2)} pp above the baseline with confidence (sequential test, α ${input.alpha})`,
        "error_rate",
      );
    }
  }
  if (l?.rejected) {
    const limit = l.floorBinds
      ? `${ms(l.bound)}, the baseline P95's upper bound, + the ${input.latencyMinDeltaMs} ms floor`
      : `${input.latencyP95Threshold} × ${ms(l.bound)}, the baseline P95's upper bound`;
    return verdict(
      "fail",
      `P95 ${ms(numbers.canaryP95Ms)} vs baseline ${ms(numbers.baselineP95Ms)}: ${pct(l.slower / l.n)} of canary requests ` +
        `slower than ${ms(l.thresholdMs)} (${limit}), expected ≤ 5% (sequential test, α ${input.alpha})`,
      "latency",
    );
  }

  const summary =
    `error rate ${pct(numbers.canaryErrorRate)} vs ${pct(numbers.baselineErrorRate)}, ` +
    `P95 ${ms(numbers.canaryP95Ms)} vs ${ms(numbers.baselineP95Ms)}, requests ${canary.requests} vs ${baseline.requests}`;
  if (input.elapsedMs < input.windowMs) return verdict("running", `observing: ${summary}`);
  // A canary that looks worse than a limit but is not yet proven so is not
  // passed at the window's end: the next stage would start its evidence over.
  // It is watched for up to one more window (the tests stay valid however long
  // they look), then passes if nothing was proven.
  const suspect = (e !== null && canary.errors / canary.requests > e.reference) || (l !== null && l.slower / l.n > TAIL);
  if (suspect && input.elapsedMs < 2 * input.windowMs) {
    return verdict("running", `watching past the window: the canary looks worse than a limit but is not proven so yet (${summary})`);
  }
  if (canary.requests < minSamples || baseline.requests < minSamples) {
    return verdict("inconclusive", `too few requests to judge (canary ${canary.requests}, baseline ${baseline.requests}, need ${minSamples} each)`);
  }
  return verdict("pass", `no regression: ${summary}`);
}

// Notes for a person: the canary was slower by the ratio but not by the floor
// (so not a regression), and how many warm-up requests latency left out.
function closeCallNotes(input: StageInput, l: LatencyTest | null): string[] {
  const notes: string[] = [];
  const c = input.canary.histogram.quantile(0.95);
  const b = input.baseline.histogram.quantile(0.95);
  if (l && !l.rejected && l.floorBinds && c !== null && b !== null && b > 0 && c > b * input.latencyP95Threshold) {
    notes.push(
      `P95 +${ms(c - b)} (${ms(c)} vs ${ms(b)}, ${(c / b).toFixed(1)}×): above ${input.latencyP95Threshold}× but below the ${input.latencyMinDeltaMs} ms floor, not a regression`,
    );
  }
  const cw = input.canary.warmup ?? 0;
  const bw = input.baseline.warmup ?? 0;
  if (cw > 0 || bw > 0) {
    notes.push(`latency leaves out ${cw} canary and ${bw} baseline requests served while a new host was starting (they still count for the error rate)`);
  }
  return notes;
}
