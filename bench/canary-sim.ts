// Canary analysis, simulated: the real analyzeStage and LogHistogram on synthetic
// traffic with a virtual clock (no servers, no database), one look per virtual
// second on the stage's cumulative data, as the controller does. Figures for
// issue 5's acceptance points:
//   A/A false rollbacks        identical versions, realistic noise, all stages
//   good version               share of A/A rollouts that pass every stage
//   low-traffic detection      5% stage at 100 req/s, canary errors 0.5% → 10%
//   bad version / slow version 20% 500s / P95 3x, at the first stage
//   null boundary              canary exactly at both thresholds: fail rate vs α,
//                              and what a naive per-look z-test would do
// Traffic: Poisson arrivals at 100 req/s (±15% slow swell), split by the stage's
// weight; latency lognormal body + 3% Pareto tail (shape 1.5), with a per-second
// jitter both arms share; 1% baseline errors plus shared incidents (now and then
// 5 s at 8% errors on both arms). Times are virtual seconds from the stage's first
// request to the look that fails; the live system adds ≤ 1 s for the router's
// flush and ≤ 1 s for the controller's tick.
//
// At weight 100 no traffic reaches the baseline, so, as the controller does
// (lib/rollouts/tick-rollouts.ts), the canary is compared with the baseline's
// requests from the previous stage's window.
//
// Cold start (issue 16; the lines above have none, as the first version of
// this simulation had none, which is why it missed the failure): the canary's
// function host is a new process. At stage 1 it starts on the canary's first
// request and takes COLD.startMs (sandbox, node, ~300 ms module load); requests
// arriving meanwhile wait for it. Then V8 warms up: a request's CPU time
// (capped at the app's cpuMs; waiting on I/O does not get slower) takes 2× for
// 10 s, back to 1× over the next 20 s. The baseline's host has served for
// minutes. Later stages keep the same host. A/A rollouts are judged
//   before  every request in the histogram, no absolute floor (latencyMinDeltaMs 0);
//   now     requests that arrived before the host was ready (the router marks
//           them warm-up) counted for errors but not latency, floor 25 ms;
// for two apps: a fast function (the issue's: ~1 ms, all CPU) and the 80 ms
// app of the lines above (5 ms of it CPU).
import { median } from "@/bench/lib/stats";
import { LogHistogram } from "@/lib/metrics/log-histogram";
import { analyzeStage, type Arm, type StageInput } from "@/lib/rollouts/analyze-stage";
import { latencySampler, normal, poisson, seededRandom } from "@/lib/rollouts/testing/random";

const ROLLOUTS = Number(process.env.CANARY_SIM_ROLLOUTS ?? 400);
const DETECTION_RUNS = Number(process.env.CANARY_SIM_RUNS ?? 50);
const BOUNDARY_RUNS = Number(process.env.CANARY_SIM_BOUNDARY_RUNS ?? 400);
const TOTAL_RPS = 100;
const STAGES = [5, 25, 50, 100];
const TOTAL_ALPHA = 0.01;
const SETTINGS = { minSamples: 100, errorRateThreshold: 0.02, latencyP95Threshold: 1.5, latencyMinDeltaMs: 25, alpha: TOTAL_ALPHA / STAGES.length };

// A new host's cold start (see the header).
const COLD = { startMs: 450, jitFactor: 2, jitFullSec: 10, jitFadeSec: 20 };
type App = { name: string; medianMs: number; cpuMs: number };
const APPS: App[] = [
  { name: "fast function (1 ms, all CPU)", medianMs: 1, cpuMs: Infinity },
  { name: "80 ms app (5 ms CPU)", medianMs: 80, cpuMs: 5 },
];
type Judged = "before" | "now";
// The canary's host is new: how it is modelled, and whether its warm-up requests are left out of latency.
type ColdCanary = { app: App; excludeWarmup: boolean };

const jitFactor = (ageSec: number) =>
  ageSec < COLD.jitFullSec ? COLD.jitFactor : Math.max(1, COLD.jitFactor - ((COLD.jitFactor - 1) * (ageSec - COLD.jitFullSec)) / COLD.jitFadeSec);

type Version = { errorRate: number; latencyScale: number };
const BASELINE: Version = { errorRate: 0.01, latencyScale: 1 };

type StageResult = { verdict: "pass" | "fail" | "inconclusive"; atSec: number; failed: string | null; naiveFailed: boolean; baseline: Arm };

let looks = 0;
let lookMs = 0;

const emptyArm = (): Arm => ({ requests: 0, errors: 0, histogram: new LogHistogram() });

// One stage: traffic second by second, a look after each second.
function simulateStage(
  rand: () => number,
  opts: {
    weight: number;
    windowSec: number;
    canary: Version;
    baseline: Version;
    alpha?: number;
    frozenBaseline?: Arm;
    medianMs?: number;
    latencyMinDeltaMs?: number;
    /** The canary's host starts cold in this stage. */
    cold?: ColdCanary;
  },
): StageResult {
  const canary = emptyArm();
  // The baseline of the previous stage at 100%: read, never added to.
  const baseline = opts.frozenBaseline ?? emptyArm();
  const body = latencySampler(rand, opts.medianMs ?? 80);
  // When the canary's cold host is ready (seconds since the stage started): set by its first request.
  let readyAt: number | null = null;
  const phase = rand() * 2 * Math.PI;
  let incidentLeft = 0;
  let naiveFailed = false;
  const alpha = opts.alpha ?? SETTINGS.alpha;
  for (let s = 1; ; s++) {
    if (incidentLeft > 0) incidentLeft--;
    else if (rand() < 1 / 600) incidentLeft = 5;
    const errorBoost = incidentLeft > 0 ? 0.08 : 0;
    const jitter = Math.exp(0.1 * normal(rand));
    const arrivals = poisson(rand, TOTAL_RPS * (1 + 0.15 * Math.sin(phase + (2 * Math.PI * s) / 120)));
    for (let i = 0; i < arrivals; i++) {
      const toCanary = rand() * 100 < opts.weight;
      const arm = toCanary ? canary : baseline;
      const v = toCanary ? opts.canary : opts.baseline;
      arm.requests++;
      if (rand() < Math.max(v.errorRate, errorBoost)) arm.errors++;
      let latency = body() * v.latencyScale * jitter;
      if (toCanary && opts.cold) {
        const at = s - 1 + rand();
        readyAt ??= at + COLD.startMs / 1000;
        if (at < readyAt) {
          latency += (readyAt - at) * 1000;
          if (opts.cold.excludeWarmup) {
            arm.warmup = (arm.warmup ?? 0) + 1;
            continue;
          }
        } else {
          latency += Math.min(latency, opts.cold.app.cpuMs) * (jitFactor(at - readyAt) - 1);
        }
      }
      arm.histogram.record(latency);
    }
    const input: StageInput = {
      ...SETTINGS,
      latencyMinDeltaMs: opts.latencyMinDeltaMs ?? SETTINGS.latencyMinDeltaMs,
      alpha,
      canary,
      baseline,
      elapsedMs: s * 1000,
      windowMs: opts.windowSec * 1000,
    };
    const t0 = performance.now();
    const v = analyzeStage(input);
    lookMs += performance.now() - t0;
    looks++;
    naiveFailed ||= naiveZTestFails(input);
    if (v.verdict !== "running") return { verdict: v.verdict, atSec: s, failed: v.failed, naiveFailed, baseline };
  }
}

// For contrast only: a fixed-sample one-sided z-test of p_c - p_b > δ applied at
// every look, which is what repeated looks without a sequential method do.
function naiveZTestFails({ canary: c, baseline: b, errorRateThreshold: delta, alpha }: StageInput): boolean {
  if (c.requests < 20 || b.requests < 20) return false;
  const pc = c.errors / c.requests;
  const pb = b.errors / b.requests;
  const se = Math.sqrt((pc * (1 - pc)) / c.requests + (pb * (1 - pb)) / b.requests);
  return se > 0 && (pc - pb - delta) / se > zQuantile(1 - alpha);
}

// Inverse normal CDF by bisection on erf (precision is not critical here).
function zQuantile(p: number): number {
  const cdf = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

type RolloutResult = { outcome: "promoted" | "rolled_back" | "held"; stageIndex: number };

// `cold`: the canary's host is new at the first stage (and stays up for the next ones).
function simulateRollout(rand: () => number, canary: Version, windowSec: number, cold?: { app: App; judged: Judged }): RolloutResult {
  let previousBaseline: Arm | undefined;
  const shape = cold
    ? { medianMs: cold.app.medianMs, latencyMinDeltaMs: cold.judged === "before" ? 0 : SETTINGS.latencyMinDeltaMs }
    : {};
  for (let i = 0; i < STAGES.length; i++) {
    const frozenBaseline = STAGES[i] >= 100 ? (previousBaseline ?? emptyArm()) : undefined;
    const coldCanary = cold && i === 0 ? { app: cold.app, excludeWarmup: cold.judged === "now" } : undefined;
    const r = simulateStage(rand, { weight: STAGES[i], windowSec, canary, baseline: BASELINE, frozenBaseline, ...shape, cold: coldCanary });
    if (r.verdict === "fail") return { outcome: "rolled_back", stageIndex: i };
    if (r.verdict === "inconclusive") return { outcome: "held", stageIndex: i };
    previousBaseline = r.baseline;
  }
  return { outcome: "promoted", stageIndex: STAGES.length - 1 };
}

type Detection = { times: number[]; missed: number; wrongTest: number };

function detect(seed: number, canary: Version, baseline: Version, windowSec: number, expected: string): Detection {
  const rand = seededRandom(seed);
  const times: number[] = [];
  let missed = 0;
  let wrongTest = 0;
  for (let run = 0; run < DETECTION_RUNS; run++) {
    const r = simulateStage(rand, { weight: STAGES[0], windowSec, canary, baseline });
    if (r.verdict !== "fail") missed++;
    else {
      times.push(r.atSec);
      if (r.failed !== expected) wrongTest++;
    }
  }
  return { times, missed, wrongTest };
}

const verdictOf = (ok: boolean) => (ok ? "PASS" : "FAIL");
const pctOf = (n: number, d: number) => `${((100 * n) / d).toFixed(2)}%`;

function reportDetection(label: string, d: Detection, targetSec: number, targetText: string) {
  const med = d.times.length ? median(d.times) : NaN;
  const max = d.times.length ? Math.max(...d.times) : NaN;
  const ok = d.missed === 0 && med <= targetSec;
  console.log(
    `${label.padEnd(34)} median ${med.toFixed(0)} s, max ${max.toFixed(0)} s over ${DETECTION_RUNS} runs; missed ${d.missed}` +
      `${d.wrongTest ? `, other test first ${d.wrongTest}` : ""}  (target ${targetText})  ${verdictOf(ok)}`,
  );
}

export async function canarySimBench() {
  const t0 = performance.now();
  console.log(
    `  analyzeStage + LogHistogram, virtual clock; ${TOTAL_RPS} req/s, stages ${STAGES.join("/")}, ` +
      `α ${TOTAL_ALPHA} total = ${SETTINGS.alpha} per stage, thresholds +${SETTINGS.errorRateThreshold * 100} pp / ${SETTINGS.latencyP95Threshold}x P95, minSamples ${SETTINGS.minSamples}`,
  );

  // A/A: identical versions through every stage, 60 s windows.
  const aaRand = seededRandom(1);
  const aa = Array.from({ length: ROLLOUTS }, () => simulateRollout(aaRand, BASELINE, 60));
  const rolledBack = aa.filter((r) => r.outcome === "rolled_back").length;
  const held = aa.filter((r) => r.outcome === "held").length;
  const promoted = aa.filter((r) => r.outcome === "promoted").length;
  console.log(
    `A/A false rollbacks                ${rolledBack}/${ROLLOUTS} = ${pctOf(rolledBack, ROLLOUTS)}` +
      `${rolledBack ? ` (at stages ${STAGES.map((w, i) => `${w}%: ${aa.filter((r) => r.outcome === "rolled_back" && r.stageIndex === i).length}`).join(", ")})` : ""}` +
      `  (target <= 1%)  ${verdictOf(rolledBack / ROLLOUTS <= 0.01)}`,
  );
  console.log(
    `good version passes every stage    ${promoted}/${ROLLOUTS} = ${pctOf(promoted, ROLLOUTS)}; held inconclusive ${held}  (target >= 99%)  ${verdictOf(promoted / ROLLOUTS >= 0.99)}`,
  );

  // A/A with the canary's cold start, judged as before issue 16 and now.
  console.log(
    `  cold start: host ready ${COLD.startMs} ms after the canary's first request (those requests wait), ` +
      `then CPU time ${COLD.jitFactor}x for ${COLD.jitFullSec} s, back to 1x over ${COLD.jitFadeSec} s`,
  );
  APPS.forEach((app, a) => {
    for (const judged of ["before", "now"] as const) {
      const rand = seededRandom(10 + a);
      const runs = Array.from({ length: ROLLOUTS }, () => simulateRollout(rand, BASELINE, 60, { app, judged }));
      const back = runs.filter((r) => r.outcome === "rolled_back").length;
      const how = judged === "before" ? "before: warm-up counted, no floor" : `now: warm-up left out, ${SETTINGS.latencyMinDeltaMs} ms floor`;
      const target = judged === "now" ? `  (target <= 1%)  ${verdictOf(back / ROLLOUTS <= 0.01)}` : "";
      console.log(`A/A cold start, ${app.name.padEnd(30)} ${how.padEnd(36)} false rollbacks ${back}/${ROLLOUTS} = ${pctOf(back, ROLLOUTS)}${target}`);
    }
  });

  // A good version with changes inside the thresholds (+0.5 pp errors, latency 1.2x).
  const nearRand = seededRandom(2);
  const near = Array.from({ length: DETECTION_RUNS * 2 }, () => simulateRollout(nearRand, { errorRate: 0.015, latencyScale: 1.2 }, 60));
  const nearPromoted = near.filter((r) => r.outcome === "promoted").length;
  console.log(
    `within thresholds (+0.5 pp, 1.2x)  promoted ${nearPromoted}/${near.length} = ${pctOf(nearPromoted, near.length)}  (target >= 99%)  ${verdictOf(nearPromoted / near.length >= 0.99)}`,
  );

  // Low traffic: 5% of 100 req/s, errors 0.5% on the previous version, 10% on the new one.
  reportDetection(
    "low-traffic detection (0.5%→10%)",
    detect(3, { errorRate: 0.1, latencyScale: 1 }, { errorRate: 0.005, latencyScale: 1 }, 300, "error_rate"),
    60,
    "median <= 60 s",
  );
  reportDetection("bad version (20% 500s)", detect(4, { errorRate: 0.2, latencyScale: 1 }, BASELINE, 60, "error_rate"), 60, "<= window 60 s");
  reportDetection("slow version (P95 3x)", detect(5, { errorRate: 0.01, latencyScale: 3 }, BASELINE, 60, "latency"), 60, "<= window 60 s");

  // Worst case of the null: the canary sits exactly at both thresholds; a 25% stage,
  // 60 looks; α 0.05 so that failures are frequent enough to count.
  const bRand = seededRandom(6);
  const alpha = 0.05;
  let fails = 0;
  let naive = 0;
  for (let run = 0; run < BOUNDARY_RUNS; run++) {
    const r = simulateStage(bRand, {
      weight: 25,
      windowSec: 60,
      canary: { errorRate: 0.01 + SETTINGS.errorRateThreshold, latencyScale: SETTINGS.latencyP95Threshold },
      baseline: BASELINE,
      alpha,
    });
    if (r.verdict === "fail") fails++;
    if (r.naiveFailed) naive++;
  }
  console.log(
    `null boundary, α ${alpha}, 60 looks    sequential fails ${pctOf(fails, BOUNDARY_RUNS)} of ${BOUNDARY_RUNS}  (target <= ${alpha * 100}%)  ${verdictOf(fails / BOUNDARY_RUNS <= alpha)}; ` +
      `naive z-test at every look ${pctOf(naive, BOUNDARY_RUNS)} (error rate only)`,
  );

  const perLookUs = (1000 * lookMs) / looks;
  console.log(`per-look cost of analyzeStage      ${perLookUs.toFixed(1)} µs over ${looks} looks  (target <= 1000 µs)  ${verdictOf(perLookUs <= 1000)}`);
  console.log(`  simulation took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
