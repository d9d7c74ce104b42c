import { describe, expect, it } from "vitest";
import type { StageVerdict } from "@/lib/rollouts/analyze-stage";
import { failureReason, millis, percent } from "@/lib/rollouts/describe-verdict";

const verdict = (v: Partial<StageVerdict>): StageVerdict => ({
  verdict: "fail",
  reason: "",
  canaryErrorRate: null,
  baselineErrorRate: null,
  canaryP95Ms: null,
  baselineP95Ms: null,
  failed: null,
  notes: [],
  ...v,
});

const limit = { latencyP95Threshold: 1.5, latencyMinDeltaMs: 25 };

describe("verdicts in words", () => {
  it("says what regressed, by how much, and at which stage", () => {
    expect(failureReason(verdict({ failed: "error_rate", canaryErrorRate: 0.098, baselineErrorRate: 0.004 }), 25, limit)).toBe(
      "error rate 9.8% vs baseline 0.4% at stage 25%",
    );
    expect(failureReason(verdict({ failed: "latency", canaryP95Ms: 912.4, baselineP95Ms: 301.2 }), 5, limit)).toBe(
      "P95 latency 912 ms vs baseline 301 ms (limit 1.5× and +25 ms) at stage 5%",
    );
    expect(failureReason(verdict({ failed: "latency", canaryP95Ms: 4.2, baselineP95Ms: 2 }), 5, { ...limit, latencyMinDeltaMs: 0 })).toBe(
      "P95 latency 4.2 ms vs baseline 2.0 ms (limit 1.5×) at stage 5%",
    );
  });

  it("formats small rates and fast requests readably", () => {
    expect(percent(0)).toBe("0%");
    expect(percent(0.0005)).toBe("0.05%");
    expect(percent(0.2)).toBe("20.0%");
    expect(percent(null)).toBe("–");
    expect(millis(3.14159)).toBe("3.1 ms");
    expect(millis(null)).toBe("–");
  });
});
