import { describe, expect, it } from "vitest";
import { DEFAULT_ROLLOUT, rolloutChoiceSchema, type RolloutChoice } from "@/lib/rollouts/rollout-settings";
import {
  formValuesFromSettings,
  isUnchanged,
  pointsFromRate,
  rateFromPoints,
  rolloutFieldErrors,
  settingsFromFormValues,
  type RolloutFormValues,
} from "@/lib/ui/rollout-settings-form";

const canary = (patch: Partial<RolloutFormValues> = {}): RolloutFormValues => ({
  ...formValuesFromSettings(null, DEFAULT_ROLLOUT),
  mode: "canary",
  ...patch,
});

describe("formValuesFromSettings", () => {
  it("shows the defaults for no setting and for skip, under the matching choice", () => {
    const none = formValuesFromSettings(null, DEFAULT_ROLLOUT);
    expect(none).toEqual({
      mode: "default",
      stages: "5, 25, 50, 100",
      observationWindowSec: "300",
      minSamples: "100",
      errorRatePoints: "2",
      latencyP95Threshold: "1.5",
      latencyMinDeltaMs: "25",
      maxInconclusiveWindows: "3",
      syntheticEnabled: false,
      syntheticPaths: "/",
      syntheticRequestsPerSec: "5",
    });
    expect(formValuesFromSettings("skip", DEFAULT_ROLLOUT)).toEqual({ ...none, mode: "skip" });
  });

  it("shows stored settings, synthetic checks one path a line", () => {
    const v = formValuesFromSettings(
      { ...DEFAULT_ROLLOUT, stages: [10, 100], synthetic: { paths: ["/", "/api/health"], requestsPerSec: 3 } },
      DEFAULT_ROLLOUT,
    );
    expect(v).toMatchObject({ mode: "canary", stages: "10, 100", syntheticEnabled: true, syntheticPaths: "/\n/api/health", syntheticRequestsPerSec: "3" });
  });
});

describe("settingsFromFormValues", () => {
  it("maps the choices: defaults to null, skip to \"skip\"", () => {
    expect(settingsFromFormValues(canary({ mode: "default", stages: "junk" }))).toEqual({ ok: true, value: null });
    expect(settingsFromFormValues(canary({ mode: "skip", minSamples: "many" }))).toEqual({ ok: true, value: "skip" });
  });

  it("reads stages with commas, spaces or percent signs", () => {
    for (const text of ["10, 100", "10,100", " 10  100 ", "10%, 100%", "10,,100,"]) {
      const r = settingsFromFormValues(canary({ stages: text }));
      expect(r.ok && r.value !== null && r.value !== "skip" && r.value.stages).toEqual([10, 100]);
    }
  });

  it("refuses stage text that is not a list of whole percentages, naming the bad part", () => {
    expect(settingsFromFormValues(canary({ stages: "5, ten, 100" }))).toEqual({
      ok: false,
      errors: { stages: 'Stages must be whole percentages separated by commas, e.g. 5, 25, 50, 100 ("ten" is not one)' },
    });
    expect(settingsFromFormValues(canary({ stages: "5, 2.5, 100" }))).toMatchObject({ ok: false, errors: { stages: expect.stringContaining('"2.5"') } });
    expect(settingsFromFormValues(canary({ stages: " , " }))).toMatchObject({ ok: false, errors: { stages: expect.stringContaining("at least one") } });
  });

  it("leaves order and range to the server: 5, 50, 25, 100 converts", () => {
    const r = settingsFromFormValues(canary({ stages: "5, 50, 25, 100" }));
    expect(r.ok && r.value !== null && r.value !== "skip" && r.value.stages).toEqual([5, 50, 25, 100]);
  });

  it("converts the error-rate threshold from percentage points to a fraction", () => {
    const rate = (points: string) => {
      const r = settingsFromFormValues(canary({ errorRatePoints: points }));
      return r.ok && r.value !== null && r.value !== "skip" ? r.value.autoRollback.errorRateThreshold : r;
    };
    expect(rate("2")).toBe(0.02);
    expect(rate("5")).toBe(0.05);
    expect(rate("7")).toBe(0.07);
    expect(rate("1.1")).toBe(0.011);
    expect(rate("0.5")).toBe(0.005);
    expect(rate("0")).toMatchObject({ ok: false, errors: { errorRatePoints: expect.stringContaining("more than 0") } });
    expect(rate("100")).toMatchObject({ ok: false, errors: { errorRatePoints: expect.stringContaining("less than 100") } });
    expect(pointsFromRate(0.07)).toBe("7");
    expect(pointsFromRate(0.011)).toBe("1.1");
    expect(rateFromPoints(Number(pointsFromRate(0.123)))).toBe(0.123);
  });

  it("names every malformed number at once", () => {
    const r = settingsFromFormValues(canary({ observationWindowSec: "1.5", minSamples: "", latencyP95Threshold: "fast", latencyMinDeltaMs: "25ms", maxInconclusiveWindows: "3x" }));
    expect(r).toEqual({
      ok: false,
      errors: {
        observationWindowSec: "Observation window must be a whole number",
        minSamples: "Minimum samples is required",
        latencyP95Threshold: "P95 latency threshold must be a number",
        latencyMinDeltaMs: "P95 latency floor must be a number",
        maxInconclusiveWindows: "Max inconclusive windows must be a whole number",
      },
    });
  });

  it("adds synthetic checks only when enabled, blank lines dropped, and checks the paths' shape", () => {
    const off = settingsFromFormValues(canary({ syntheticPaths: "no slash" }));
    expect(off.ok && off.value !== null && off.value !== "skip" && "synthetic" in off.value).toBe(false);
    const on = settingsFromFormValues(canary({ syntheticEnabled: true, syntheticPaths: " /\n\n/api/health \n", syntheticRequestsPerSec: "3" }));
    expect(on.ok && on.value !== null && on.value !== "skip" && on.value.synthetic).toEqual({ paths: ["/", "/api/health"], requestsPerSec: 3 });
    expect(settingsFromFormValues(canary({ syntheticEnabled: true, syntheticPaths: "/\napi/health" }))).toMatchObject({
      ok: false,
      errors: { syntheticPaths: expect.stringContaining('("api/health" does not)') },
    });
    expect(settingsFromFormValues(canary({ syntheticEnabled: true, syntheticPaths: "\n \n" }))).toMatchObject({
      ok: false,
      errors: { syntheticPaths: expect.stringContaining("at least one path") },
    });
  });
});

describe("round trip", () => {
  const stored: RolloutChoice[] = [
    DEFAULT_ROLLOUT,
    "skip",
    {
      stages: [10, 100],
      observationWindowSec: 60,
      minSamples: 250,
      autoRollback: { errorRateThreshold: 0.05, latencyP95Threshold: 2.25, latencyMinDeltaMs: 40 },
      maxInconclusiveWindows: 7,
      synthetic: { paths: ["/", "/api/health"], requestsPerSec: 3 },
    },
    { ...DEFAULT_ROLLOUT, autoRollback: { errorRateThreshold: 0.07, latencyP95Threshold: 1.1, latencyMinDeltaMs: 0 } },
  ];

  it.each(stored.map((s) => [JSON.stringify(s), s]))("settings → form → settings keeps %s", (_, s) => {
    expect(settingsFromFormValues(formValuesFromSettings(s, DEFAULT_ROLLOUT))).toEqual({ ok: true, value: s });
  });

  it("keeps no setting as no setting", () => {
    expect(settingsFromFormValues(formValuesFromSettings(null, DEFAULT_ROLLOUT))).toEqual({ ok: true, value: null });
  });

  it("produces what the server's schema accepts unchanged", () => {
    const r = settingsFromFormValues(canary({ stages: "10, 100", syntheticEnabled: true, syntheticPaths: "/\n/api/health", syntheticRequestsPerSec: "3" }));
    if (!r.ok) throw new Error("expected a conversion");
    expect(rolloutChoiceSchema.parse(r.value)).toEqual(r.value);
  });
});

describe("isUnchanged", () => {
  const stored: RolloutChoice = { ...DEFAULT_ROLLOUT, stages: [10, 100] };
  it("ignores how the same values are typed", () => {
    expect(isUnchanged(formValuesFromSettings(stored, DEFAULT_ROLLOUT), stored, DEFAULT_ROLLOUT)).toBe(true);
    expect(isUnchanged({ ...formValuesFromSettings(stored, DEFAULT_ROLLOUT), stages: "10,100", minSamples: " 100" }, stored, DEFAULT_ROLLOUT)).toBe(true);
    expect(isUnchanged({ ...formValuesFromSettings("skip", DEFAULT_ROLLOUT), stages: "1, 2" }, "skip", DEFAULT_ROLLOUT)).toBe(true);
  });

  it("sees a different value, another choice, or text that does not convert", () => {
    const v = formValuesFromSettings(stored, DEFAULT_ROLLOUT);
    expect(isUnchanged({ ...v, stages: "20, 100" }, stored, DEFAULT_ROLLOUT)).toBe(false);
    expect(isUnchanged({ ...v, mode: "skip" }, stored, DEFAULT_ROLLOUT)).toBe(false);
    expect(isUnchanged({ ...v, minSamples: "lots" }, stored, DEFAULT_ROLLOUT)).toBe(false);
    expect(isUnchanged(formValuesFromSettings(null, DEFAULT_ROLLOUT), DEFAULT_ROLLOUT, DEFAULT_ROLLOUT)).toBe(false);
  });
});

describe("rolloutFieldErrors", () => {
  it("puts the server's messages on the form's fields as sentences", () => {
    expect(
      rolloutFieldErrors({
        "rolloutSettings.stages": "must increase strictly (50 is followed by 25)",
        "rolloutSettings.autoRollback.errorRateThreshold": "must be below 1",
        "rolloutSettings.synthetic.paths.1": 'must be a path starting with "/"',
        "rolloutSettings.synthetic.requestsPerSec": "must be at most 50 (per version)",
      }),
    ).toEqual({
      stages: "Stages must increase strictly (50 is followed by 25)",
      errorRatePoints: "Error-rate threshold must be below 1",
      syntheticPaths: 'Path 2 must be a path starting with "/"',
      syntheticRequestsPerSec: "Requests per second must be at most 50 (per version)",
    });
  });

  it("names a stage by its position, and leaves keys without a field to the summary", () => {
    expect(rolloutFieldErrors({ "rolloutSettings.stages.2": "must be from 1 to 100", rolloutSettings: "must be an object", buildCommand: "x" })).toEqual({
      stages: "Stage 3 must be from 1 to 100",
    });
  });
});
