import type { RolloutChoice, RolloutSettings } from "@/lib/rollouts/rollout-settings";

// The project settings page's canary form, as text the person types, and the
// conversions to and from the rollout settings JSON of PATCH /api/projects/:slug
// (pure, no DOM). The client checks only what is plainly malformed (a word
// where a number goes); ranges and order are the server's to judge.

export type RolloutMode = "canary" | "skip" | "default";

export type RolloutFormValues = {
  mode: RolloutMode;
  stages: string; // "5, 25, 50, 100"
  observationWindowSec: string;
  minSamples: string;
  errorRatePoints: string; // percentage points: "2" is 0.02
  latencyP95Threshold: string; // × the baseline's P95
  latencyMinDeltaMs: string; // and at least this many ms slower
  maxInconclusiveWindows: string;
  syntheticEnabled: boolean;
  syntheticPaths: string; // one per line
  syntheticRequestsPerSec: string;
};

export type RolloutField = Exclude<keyof RolloutFormValues, "mode" | "syntheticEnabled">;
export type RolloutFieldErrors = Partial<Record<RolloutField, string>>;

// The subject of each field's messages; the server's start with "must …".
export const FIELD_NAMES: Record<RolloutField, string> = {
  stages: "Stages",
  observationWindowSec: "Observation window",
  minSamples: "Minimum samples",
  errorRatePoints: "Error-rate threshold",
  latencyP95Threshold: "P95 latency threshold",
  latencyMinDeltaMs: "P95 latency floor",
  maxInconclusiveWindows: "Max inconclusive windows",
  syntheticPaths: "Paths",
  syntheticRequestsPerSec: "Requests per second",
};

const DEFAULT_SYNTHETIC = { paths: ["/"], requestsPerSec: 5 };

// 0.02 → "2"; 0.005 → "0.5" (rounded, so 0.07 does not show as 7.000000000000001).
export const pointsFromRate = (rate: number) => String(Number((rate * 100).toPrecision(12)));
export const rateFromPoints = (points: number) => Number((points / 100).toPrecision(12));

export function formValuesFromSettings(stored: RolloutChoice | null, defaults: RolloutSettings): RolloutFormValues {
  const mode: RolloutMode = stored === null ? "default" : stored === "skip" ? "skip" : "canary";
  const s = typeof stored === "object" && stored !== null ? stored : defaults;
  const synthetic = s.synthetic ?? DEFAULT_SYNTHETIC;
  return {
    mode,
    stages: s.stages.join(", "),
    observationWindowSec: String(s.observationWindowSec),
    minSamples: String(s.minSamples),
    errorRatePoints: pointsFromRate(s.autoRollback.errorRateThreshold),
    latencyP95Threshold: String(s.autoRollback.latencyP95Threshold),
    latencyMinDeltaMs: String(s.autoRollback.latencyMinDeltaMs),
    maxInconclusiveWindows: String(s.maxInconclusiveWindows),
    syntheticEnabled: s.synthetic !== undefined,
    syntheticPaths: synthetic.paths.join("\n"),
    syntheticRequestsPerSec: String(synthetic.requestsPerSec),
  };
}

type Converted = { ok: true; value: RolloutChoice | null } | { ok: false; errors: RolloutFieldErrors };

export function settingsFromFormValues(v: RolloutFormValues): Converted {
  if (v.mode === "default") return { ok: true, value: null };
  if (v.mode === "skip") return { ok: true, value: "skip" };
  const errors: RolloutFieldErrors = {};
  const read = (field: RolloutField, whole: boolean) => {
    const n = readNumber(v[field], whole);
    if (typeof n === "string") errors[field] = `${FIELD_NAMES[field]} ${n}`;
    return typeof n === "number" ? n : NaN;
  };
  const stages = readStages(v.stages);
  if (typeof stages === "string") errors.stages = stages;
  const points = read("errorRatePoints", false);
  if (!errors.errorRatePoints && !(points > 0 && points < 100)) {
    errors.errorRatePoints = "Error-rate threshold must be more than 0 and less than 100 percentage points, e.g. 2";
  }
  const value: RolloutSettings = {
    stages: typeof stages === "string" ? [] : stages,
    observationWindowSec: read("observationWindowSec", true),
    minSamples: read("minSamples", true),
    autoRollback: {
      errorRateThreshold: rateFromPoints(points),
      latencyP95Threshold: read("latencyP95Threshold", false),
      latencyMinDeltaMs: read("latencyMinDeltaMs", false),
    },
    maxInconclusiveWindows: read("maxInconclusiveWindows", true),
  };
  if (v.syntheticEnabled) {
    const paths = readPaths(v.syntheticPaths);
    if (typeof paths === "string") errors.syntheticPaths = paths;
    value.synthetic = { paths: typeof paths === "string" ? [] : paths, requestsPerSec: read("syntheticRequestsPerSec", true) };
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value };
}

// Nothing to save: the form means what is stored (however it is typed, e.g.
// "5,25" for "5, 25", or other numbers under "Skip").
export function isUnchanged(v: RolloutFormValues, stored: RolloutChoice | null, defaults: RolloutSettings): boolean {
  const now = settingsFromFormValues(v);
  const before = settingsFromFormValues(formValuesFromSettings(stored, defaults));
  return now.ok && before.ok && JSON.stringify(now.value) === JSON.stringify(before.value);
}

// The server's field messages (keys like "rolloutSettings.stages" or
// "rolloutSettings.synthetic.paths.1") on the form's fields, as sentences.
// Keys the form has no field for are left to the form's summary.
const SERVER_FIELDS: Record<string, RolloutField> = {
  stages: "stages",
  observationWindowSec: "observationWindowSec",
  minSamples: "minSamples",
  "autoRollback.errorRateThreshold": "errorRatePoints",
  "autoRollback.latencyP95Threshold": "latencyP95Threshold",
  "autoRollback.latencyMinDeltaMs": "latencyMinDeltaMs",
  maxInconclusiveWindows: "maxInconclusiveWindows",
  "synthetic.paths": "syntheticPaths",
  "synthetic.requestsPerSec": "syntheticRequestsPerSec",
};
const ITEM_NAMES: Partial<Record<RolloutField, string>> = { stages: "Stage", syntheticPaths: "Path" };

export function rolloutFieldErrors(serverFields: Record<string, string>): RolloutFieldErrors {
  const errors: RolloutFieldErrors = {};
  for (const [key, message] of Object.entries(serverFields)) {
    const m = /^rolloutSettings\.(.+?)(?:\.(\d+))?$/.exec(key);
    const field = m && SERVER_FIELDS[m[1]];
    if (!field || errors[field]) continue;
    const subject = m[2] !== undefined ? `${ITEM_NAMES[field]} ${Number(m[2]) + 1}` : FIELD_NAMES[field];
    errors[field] = `${subject} ${message}`;
  }
  return errors;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function readNumber(text: string, whole: boolean): number | string {
  const t = text.trim();
  if (t === "") return "is required";
  if (!NUMBER.test(t)) return whole ? "must be a whole number" : "must be a number";
  const n = Number(t);
  return whole && !Number.isInteger(n) ? "must be a whole number" : n;
}

function readStages(text: string): number[] | string {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return "Stages must list at least one percentage, e.g. 5, 25, 50, 100";
  const bad = parts.find((p) => !/^\d+%?$/.test(p));
  if (bad !== undefined) return `Stages must be whole percentages separated by commas, e.g. 5, 25, 50, 100 ("${bad}" is not one)`;
  return parts.map((p) => Number.parseInt(p, 10));
}

function readPaths(text: string): string[] | string {
  const paths = text.split("\n").map((l) => l.trim()).filter(Boolean);
  if (paths.length === 0) return "Paths must list at least one path, e.g. /";
  const bad = paths.find((p) => !p.startsWith("/") || /\s/.test(p));
  if (bad !== undefined) return `Paths must each start with "/" and contain no spaces, e.g. /api/health ("${bad}" does not)`;
  return paths;
}
