import { describe, expect, it } from "vitest";
import { LogHistogram } from "@/lib/metrics/log-histogram";
import { analyzeStage, baselineP95UpperBound, type Arm, type StageInput } from "@/lib/rollouts/analyze-stage";
import { latencySampler, seededRandom } from "@/lib/rollouts/testing/random";

type ArmSpec = { errorRate: number; latency: () => number };

function addTraffic(arm: Arm, rand: () => number, n: number, spec: ArmSpec) {
  for (let i = 0; i < n; i++) {
    arm.requests++;
    if (rand() < spec.errorRate) arm.errors++;
    arm.histogram.record(spec.latency());
  }
}

const emptyArm = (): Arm => ({ requests: 0, errors: 0, histogram: new LogHistogram() });

function stage(rand: () => number, canaryN: number, baselineN: number, canary: ArmSpec, baseline: ArmSpec) {
  const c = emptyArm();
  const b = emptyArm();
  addTraffic(c, rand, canaryN, canary);
  addTraffic(b, rand, baselineN, baseline);
  return { canary: c, baseline: b };
}

const settings = { minSamples: 100, errorRateThreshold: 0.02, latencyP95Threshold: 1.5, latencyMinDeltaMs: 25, alpha: 0.01 / 4, windowMs: 60_000 };
const input = (arms: { canary: Arm; baseline: Arm }, elapsedMs: number, over: Partial<StageInput> = {}): StageInput => ({
  ...settings,
  ...arms,
  elapsedMs,
  ...over,
});

describe("analyzeStage", () => {
  it("fails a clear error regression early in the window", () => {
    const rand = seededRandom(1);
    const lat = latencySampler(rand, 80);
    const arms = stage(rand, 100, 1900, { errorRate: 0.2, latency: lat }, { errorRate: 0.01, latency: lat });
    const v = analyzeStage(input(arms, 20_000));
    expect(v.verdict).toBe("fail");
    expect(v.failed).toBe("error_rate");
    expect(v.canaryErrorRate).toBeGreaterThan(0.1);
    expect(v.baselineErrorRate).toBeLessThan(0.03);
    expect(v.reason).toMatch(/^error rate \d+\.\d+% \(\d+\/100\) vs baseline/);
  });

  it("fails a clear latency regression (P95 3x)", () => {
    const rand = seededRandom(2);
    const lat = latencySampler(rand, 80);
    // A minute of a 5% stage at 100 req/s.
    const arms = stage(rand, 300, 5700, { errorRate: 0.01, latency: () => 3 * lat() }, { errorRate: 0.01, latency: lat });
    const v = analyzeStage(input(arms, 60_000, { windowMs: 300_000 }));
    expect(v.verdict).toBe("fail");
    expect(v.failed).toBe("latency");
    expect(v.canaryP95Ms! / v.baselineP95Ms!).toBeGreaterThan(2);
    expect(v.reason).toMatch(/^P95 \d+ ms vs baseline \d+ ms: /);
  });

  it("passes identical arms once the window is over, and runs before", () => {
    const rand = seededRandom(3);
    const lat = latencySampler(rand, 80);
    const same = { errorRate: 0.01, latency: lat };
    const arms = stage(rand, 3000, 57_000, same, same);
    expect(analyzeStage(input(arms, 59_000)).verdict).toBe("running");
    const v = analyzeStage(input(arms, 60_000));
    expect(v.verdict).toBe("pass");
    expect(v.failed).toBeNull();
    expect(v.reason).toMatch(/^no regression: /);
  });

  it("is inconclusive with too few samples at the window end, never a fail", () => {
    const rand = seededRandom(4);
    const lat = latencySampler(rand, 80);
    // Ten requests, all errors: below the floor for any fail.
    const arms = stage(rand, 10, 190, { errorRate: 1, latency: () => 10 * lat() }, { errorRate: 0.01, latency: lat });
    expect(analyzeStage(input(arms, 30_000)).verdict).toBe("running");
    const v = analyzeStage(input(arms, 60_000));
    expect(v.verdict).toBe("inconclusive");
    expect(v.reason).toMatch(/too few requests/);
    // Enough canary requests but a thin baseline is inconclusive too.
    const thin = stage(rand, 150, 50, { errorRate: 0.01, latency: lat }, { errorRate: 0.01, latency: lat });
    expect(analyzeStage(input(thin, 60_000)).verdict).toBe("inconclusive");
  });

  it("reports nulls for empty arms", () => {
    const v = analyzeStage(input({ canary: emptyArm(), baseline: emptyArm() }, 1000));
    expect(v).toMatchObject({ verdict: "running", canaryErrorRate: null, baselineErrorRate: null, canaryP95Ms: null, baselineP95Ms: null, failed: null });
    expect(analyzeStage(input({ canary: emptyArm(), baseline: emptyArm() }, 60_000)).verdict).toBe("inconclusive");
  });

  it("honours the error-rate threshold: +1 pp under a 2 pp threshold never fails, +5 pp does", () => {
    const rand = seededRandom(5);
    const lat = latencySampler(rand, 80);
    const base = { errorRate: 0.01, latency: lat };
    const small = { canary: emptyArm(), baseline: emptyArm() };
    const big = { canary: emptyArm(), baseline: emptyArm() };
    let smallFailed = false;
    let bigFailedAt = -1;
    // 40 looks, 5,000 requests per arm between looks: 200,000 per arm in the end.
    for (let look = 1; look <= 40; look++) {
      addTraffic(small.canary, rand, 5000, { errorRate: 0.02, latency: lat });
      addTraffic(small.baseline, rand, 5000, base);
      addTraffic(big.canary, rand, 5000, { errorRate: 0.06, latency: lat });
      addTraffic(big.baseline, rand, 5000, base);
      if (analyzeStage(input(small, look * 1000)).verdict === "fail") smallFailed = true;
      if (bigFailedAt < 0 && analyzeStage(input(big, look * 1000)).failed === "error_rate") bigFailedAt = look;
    }
    expect(smallFailed).toBe(false);
    expect(bigFailedAt).toBe(1);
    expect(analyzeStage(input(small, 60_000)).verdict).toBe("pass");
  });

  it("honours the latency threshold: P95 1.3x under 1.5x never fails, 2x does", () => {
    const rand = seededRandom(6);
    const lat = latencySampler(rand, 80);
    const base = { errorRate: 0.01, latency: lat };
    const within = stage(rand, 50_000, 50_000, { errorRate: 0.01, latency: () => 1.3 * lat() }, base);
    expect(analyzeStage(input(within, 60_000)).verdict).toBe("pass");
    const beyond = stage(rand, 20_000, 20_000, { errorRate: 0.01, latency: () => 2 * lat() }, base);
    expect(analyzeStage(input(beyond, 10_000)).failed).toBe("latency");
  });

  it("bounds the baseline P95 from above, close to it with many requests", () => {
    const rand = seededRandom(8);
    const h = new LogHistogram();
    const lat = latencySampler(rand, 80);
    for (let i = 0; i < 100; i++) h.record(lat());
    expect(baselineP95UpperBound(h, 0.001)).toBeNull(); // too few to bound
    for (let i = 0; i < 100_000; i++) h.record(lat());
    const p95 = h.quantile(0.95)!;
    const bound = baselineP95UpperBound(h, 0.001)!;
    expect(bound).toBeGreaterThan(p95);
    expect(bound).toBeLessThan(1.1 * p95);
  });

  it("keeps false fails under α across repeated looks at the null boundary", () => {
    // Canary exactly at both limits (error rate p_b + δ, latency 1.5x, so P95 = 1.5 x
    // baseline P95), looked at every second for a minute, with α = 0.2 to see failures.
    const rand = seededRandom(9);
    const lat = latencySampler(rand, 80);
    const runs = 150;
    let fails = 0;
    for (let r = 0; r < runs; r++) {
      const arms = { canary: emptyArm(), baseline: emptyArm() };
      for (let s = 1; s <= 60; s++) {
        addTraffic(arms.canary, rand, 25, { errorRate: 0.03, latency: () => 1.5 * lat() });
        addTraffic(arms.baseline, rand, 75, { errorRate: 0.01, latency: lat });
        if (analyzeStage(input(arms, s * 1000, { alpha: 0.2 })).verdict === "fail") {
          fails++;
          break;
        }
      }
    }
    expect(fails / runs).toBeLessThanOrEqual(0.2);
  });

  describe("the absolute floor (latencyMinDeltaMs)", () => {
    // A fast path: P95 around 2 ms, as a function answering from memory.
    const fast = (rand: () => number) => latencySampler(rand, 1);

    it("forgives a canary twice as slow on a 2 ms path (a 2 ms difference), and says so", () => {
      const rand = seededRandom(11);
      const lat = fast(rand);
      const arms = stage(rand, 20_000, 20_000, { errorRate: 0.01, latency: () => 2 * lat() }, { errorRate: 0.01, latency: lat });
      const v = analyzeStage(input(arms, 60_000));
      expect(v.canaryP95Ms! / v.baselineP95Ms!).toBeGreaterThan(1.8);
      expect(v.verdict).toBe("pass");
      expect(v.notes.join("\n")).toMatch(/^P95 \+\d+\.\d ms \(\d+\.\d ms vs \d+\.\d ms, \d\.\d×\): above 1\.5× but below the 25 ms floor, not a regression$/m);
      // The same arms without the floor: the ratio alone rolls identical-looking code back.
      expect(analyzeStage(input(arms, 60_000, { latencyMinDeltaMs: 0 })).failed).toBe("latency");
    });

    it("still fails +50 ms on the same path, naming the floor as the limit", () => {
      const rand = seededRandom(12);
      const lat = fast(rand);
      const arms = stage(rand, 200, 2000, { errorRate: 0.01, latency: () => lat() + 50 }, { errorRate: 0.01, latency: lat });
      const v = analyzeStage(input(arms, 5_000));
      expect(v.failed).toBe("latency");
      expect(v.reason).toMatch(/slower than \d+ ms \(\d+\.\d ms, the baseline P95's upper bound, \+ the 25 ms floor\)/);
    });

    it("fails +200% on a 30 ms path, where the ratio is the limit", () => {
      const rand = seededRandom(13);
      const lat = latencySampler(rand, 30);
      const arms = stage(rand, 200, 2000, { errorRate: 0.01, latency: () => 3 * lat() }, { errorRate: 0.01, latency: lat });
      const v = analyzeStage(input(arms, 5_000));
      expect(v.failed).toBe("latency");
      expect(v.reason).toMatch(/\(1\.5 × \d+ ms, the baseline P95's upper bound\)/);
    });

    it("keeps false fails under α at the floor's boundary (canary exactly 25 ms slower)", () => {
      const rand = seededRandom(14);
      const lat = fast(rand);
      const runs = 150;
      let fails = 0;
      for (let r = 0; r < runs; r++) {
        const arms = { canary: emptyArm(), baseline: emptyArm() };
        for (let s = 1; s <= 60; s++) {
          addTraffic(arms.canary, rand, 25, { errorRate: 0.01, latency: () => lat() + 25 });
          addTraffic(arms.baseline, rand, 75, { errorRate: 0.01, latency: lat });
          if (analyzeStage(input(arms, s * 1000, { alpha: 0.2 })).verdict === "fail") {
            fails++;
            break;
          }
        }
      }
      expect(fails / runs).toBeLessThanOrEqual(0.2);
    });
  });

  it("notes the warm-up requests latency left out, and counts their errors", () => {
    const rand = seededRandom(15);
    const lat = latencySampler(rand, 80);
    const arms = stage(rand, 2000, 2000, { errorRate: 0.01, latency: lat }, { errorRate: 0.01, latency: lat });
    // 200 canary requests waited for the new host and all failed: they are not in the histogram, but are errors.
    arms.canary.requests += 200;
    arms.canary.errors += 200;
    arms.canary.warmup = 200;
    arms.baseline.warmup = 3;
    const v = analyzeStage(input(arms, 60_000));
    expect(v.notes).toContain("latency leaves out 200 canary and 3 baseline requests served while a new host was starting (they still count for the error rate)");
    expect(v.failed).toBe("error_rate");
    expect(analyzeStage(input(stage(rand, 2000, 2000, { errorRate: 0.01, latency: lat }, { errorRate: 0.01, latency: lat }), 60_000)).notes).toEqual([]);
  });

  it("keeps watching past the window a canary that looks worse than a limit but is not proven so, for one more window", () => {
    const rand = seededRandom(16);
    const lat = latencySampler(rand, 80);
    const arms = stage(rand, 0, 2000, { errorRate: 0, latency: lat }, { errorRate: 0.01, latency: lat });
    // 3 errors in 40 requests: 7.5%, above the baseline's bound + 2 points, far from proof.
    addTraffic(arms.canary, seededRandom(17), 40, { errorRate: 0, latency: lat });
    arms.canary.errors = 3;
    const at = (elapsedMs: number) => analyzeStage(input(arms, elapsedMs, { minSamples: 20 }));
    expect(at(59_000).verdict).toBe("running");
    const held = at(60_000);
    expect(held.verdict).toBe("running");
    expect(held.reason).toMatch(/^watching past the window: the canary looks worse than a limit but is not proven so yet/);
    expect(at(120_000).verdict).toBe("pass");
    // The same window with a clean canary passes at its end.
    arms.canary.errors = 0;
    expect(at(60_000).verdict).toBe("pass");
  });
});
