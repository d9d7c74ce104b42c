import { describe, expect, it } from "vitest";
import { DEFAULT_ROLLOUT, parseRolloutChoice, readStoredSettings, resolveRollout, rolloutOfDeployment } from "@/lib/rollouts/rollout-settings";

const message = (raw: unknown) => {
  const r = parseRolloutChoice(raw, "canary");
  if (r.ok) throw new Error(`expected a refusal for ${JSON.stringify(raw)}`);
  return r.message;
};

describe("rollout settings", () => {
  it("accepts full settings, partial settings (the rest from the defaults) and skip", () => {
    expect(parseRolloutChoice("skip", "canary")).toEqual({ ok: true, value: "skip" });
    expect(parseRolloutChoice({}, "canary")).toEqual({ ok: true, value: DEFAULT_ROLLOUT });
    expect(parseRolloutChoice({ stages: [10, 100], autoRollback: { errorRateThreshold: 0.05 } }, "canary")).toEqual({
      ok: true,
      value: { ...DEFAULT_ROLLOUT, stages: [10, 100], autoRollback: { errorRateThreshold: 0.05, latencyP95Threshold: 1.5, latencyMinDeltaMs: 25 } },
    });
    expect(parseRolloutChoice({ stages: [100], observationWindowSec: 1, minSamples: 1, maxInconclusiveWindows: 1 }, "canary").ok).toBe(true);
  });

  it("accepts synthetic checks and refuses paths that are not plain request paths", () => {
    expect(parseRolloutChoice({ synthetic: { paths: ["/", "/api/health?deep=1"] } }, "canary")).toEqual({
      ok: true,
      value: { ...DEFAULT_ROLLOUT, synthetic: { paths: ["/", "/api/health?deep=1"], requestsPerSec: 5 } },
    });
    expect(message({ synthetic: { paths: [] } })).toBe("canary.synthetic.paths must list at least one path");
    expect(message({ synthetic: { paths: ["api/health"] } })).toMatch(/^canary\.synthetic\.paths\.0 must be a path starting with "\/"/);
    for (const bad of ["//evil.example/", "http://evil.example/", "/a b", "/a\u0000", "/caf\u00e9"]) {
      expect(message({ synthetic: { paths: ["/", bad] } })).toMatch(/^canary\.synthetic\.paths\.1 must be a path starting with "\/"/);
    }
    expect(message({ synthetic: { paths: ["/"], requestsPerSec: 0 } })).toBe("canary.synthetic.requestsPerSec must be at least 1");
    expect(message({ synthetic: { paths: ["/"], requestsPerSec: 500 } })).toBe("canary.synthetic.requestsPerSec must be at most 50 (per version)");
    expect(message({ synthetic: { paths: ["/"], rate: 5 } })).toMatch(/^canary\.synthetic has an unknown|^canary\.synthetic must be an object/);
  });

  it("refuses bad settings with a message naming the field", () => {
    expect(message({ stages: [5, 50, 25, 100] })).toBe("canary.stages must increase strictly (50 is followed by 25)");
    expect(message({ stages: [5, 5, 100] })).toBe("canary.stages must increase strictly (5 is followed by 5)");
    expect(message({ stages: [5, 25, 50] })).toBe("canary.stages must end at 100 (the last stage is 50)");
    expect(message({ stages: [] })).toBe("canary.stages must list at least one stage, ending at 100");
    expect(message({ stages: [0, 100] })).toBe("canary.stages.0 must be from 1 to 100");
    expect(message({ stages: [5, 150] })).toBe("canary.stages.1 must be from 1 to 100");
    expect(message({ stages: [2.5, 100] })).toBe("canary.stages.0 must be a whole percentage from 1 to 100");
    expect(message({ stages: "5,100" })).toBe("canary.stages must be a list of percentages, e.g. [5, 25, 50, 100]");
    expect(message({ observationWindowSec: 0 })).toBe("canary.observationWindowSec must be at least 1 second");
    expect(message({ minSamples: 0 })).toBe("canary.minSamples must be at least 1");
    expect(message({ maxInconclusiveWindows: 0 })).toBe("canary.maxInconclusiveWindows must be at least 1");
    expect(message({ autoRollback: { errorRateThreshold: 0 } })).toBe("canary.autoRollback.errorRateThreshold must be positive, e.g. 0.02 for 2 percentage points");
    expect(message({ autoRollback: { errorRateThreshold: -1 } })).toMatch(/^canary\.autoRollback\.errorRateThreshold must be positive/);
    expect(message({ autoRollback: { latencyP95Threshold: -2 } })).toMatch(/^canary\.autoRollback\.latencyP95Threshold must be positive/);
    expect(message({ autoRollback: { latencyP95Threshold: 0.5 } })).toMatch(/^canary\.autoRollback\.latencyP95Threshold must be at least 1/);
    expect(message({ stage: [5, 100] })).toBe(
      'canary has an unknown setting "stage" (known: stages, observationWindowSec, minSamples, autoRollback, maxInconclusiveWindows, synthetic)',
    );
    expect(message({ autoRollback: 0.02 })).toBe("canary.autoRollback must be an object with errorRateThreshold, latencyP95Threshold and latencyMinDeltaMs");
    expect(message({ autoRollback: { latencyMinDeltaMs: -1 } })).toBe("canary.autoRollback.latencyMinDeltaMs must be 0 or more milliseconds (0 judges by the ratio alone)");
    expect(message({ autoRollback: { latencyMinDeltaMs: "25" } })).toBe("canary.autoRollback.latencyMinDeltaMs must be a number of milliseconds, e.g. 25");
    expect(message({ autoRollback: { latencyMinDeltaMs: 60_001 } })).toBe("canary.autoRollback.latencyMinDeltaMs must be at most 60000 ms");
    expect(message("always")).toBe('canary must be an object like { "stages": [5, 25, 50, 100], … } or "skip"');
    expect(message(5)).toBe('canary must be an object like { "stages": [5, 25, 50, 100], … } or "skip"');
  });

  it("resolves slipway.json over the project over the default, and says which", () => {
    expect(resolveRollout("skip", { stages: [50, 100] })).toEqual({ settings: "skip", from: "slipway.json" });
    expect(resolveRollout(undefined, { stages: [50, 100] })).toEqual({ settings: { ...DEFAULT_ROLLOUT, stages: [50, 100] }, from: "project" });
    expect(resolveRollout(undefined, null)).toEqual({ settings: DEFAULT_ROLLOUT, from: "default" });
    expect(resolveRollout(undefined, { stages: "nonsense" })).toEqual({ settings: DEFAULT_ROLLOUT, from: "default" });
    // A deployment built before rollouts existed: its project's setting applies.
    expect(rolloutOfDeployment({ installCommand: null }, "skip")).toEqual({ settings: "skip", from: "project" });
    expect(rolloutOfDeployment({ canary: { ...DEFAULT_ROLLOUT, stages: [1, 100] }, from: { canary: "slipway.json" } }, "skip")).toEqual({
      settings: { ...DEFAULT_ROLLOUT, stages: [1, 100] },
      from: "slipway.json",
    });
    expect(readStoredSettings({ ...DEFAULT_ROLLOUT, from: "project" })).toEqual({ ...DEFAULT_ROLLOUT, from: "project" });
  });
});
