import { z } from "zod";

// How a deployment is rolled out when its route already serves a live one:
// traffic-weighted stages, each watched for `observationWindowSec` and judged
// canary vs baseline, or "skip" (straight to live, as the first deployment of a
// project always goes). Resolved per deployment, highest first: the app's
// slipway.json `canary`, the project's settings, DEFAULT_ROLLOUT.
export type RolloutSettings = {
  stages: number[];
  observationWindowSec: number;
  minSamples: number;
  /** Latency fails only when the canary's P95 is both latencyP95Threshold × and latencyMinDeltaMs ms above the baseline's. */
  autoRollback: { errorRateThreshold: number; latencyP95Threshold: number; latencyMinDeltaMs: number };
  maxInconclusiveWindows: number;
  /** Requests the worker sends itself during a rollout, so an app with little traffic still gets a verdict. */
  synthetic?: SyntheticChecks;
};
// Every second of a rollout, `requestsPerSec` requests to the canary and as
// many to the baseline, cycling through `paths`, through the router like any
// visitor's (lib/rollouts/send-synthetic-checks.ts).
export type SyntheticChecks = { paths: string[]; requestsPerSec: number };
export type RolloutChoice = RolloutSettings | "skip";
export type RolloutOrigin = "default" | "project" | "slipway.json";

export const DEFAULT_ROLLOUT: RolloutSettings = {
  stages: [5, 25, 50, 100],
  observationWindowSec: 300,
  minSamples: 100,
  autoRollback: { errorRateThreshold: 0.02, latencyP95Threshold: 1.5, latencyMinDeltaMs: 25 },
  maxInconclusiveWindows: 3,
};

const int = (what: string) => z.number({ error: `must be ${what}` }).int(`must be ${what}`);

const stages = z
  .array(int("a whole percentage from 1 to 100").min(1, "must be from 1 to 100").max(100, "must be from 1 to 100"), {
    error: "must be a list of percentages, e.g. [5, 25, 50, 100]",
  })
  .min(1, "must list at least one stage, ending at 100")
  .max(20, "may list at most 20 stages")
  .superRefine((s, c) => {
    for (let i = 1; i < s.length; i++) {
      if (s[i] <= s[i - 1]) {
        c.addIssue({ code: "custom", message: `must increase strictly (${s[i - 1]} is followed by ${s[i]})` });
        return;
      }
    }
    if (s.length && s[s.length - 1] !== 100) c.addIssue({ code: "custom", message: `must end at 100 (the last stage is ${s[s.length - 1]})` });
  });

// A request path as a visitor would send it: absolute, no scheme or host, no
// spaces or control characters.
const checkPath = z
  .string({ error: 'must be a path such as "/" or "/api/health"' })
  .max(512, "must be at most 512 characters")
  .regex(/^\/(?!\/)[\x21-\x7e]*$/, 'must be a path starting with "/" (no host, spaces or control characters), e.g. "/api/health"');

const synthetic = z
  .object(
    {
      paths: z
        .array(checkPath, { error: 'must be a list of paths, e.g. ["/", "/api/health"]' })
        .min(1, "must list at least one path")
        .max(20, "may list at most 20 paths"),
      requestsPerSec: int("a whole number of requests per second, from 1 to 50")
        .min(1, "must be at least 1")
        .max(50, "must be at most 50 (per version)")
        .default(5),
    },
    { error: 'must be an object like { "paths": ["/"], "requestsPerSec": 5 }' },
  )
  .strict();

// Every field is optional and falls back to the default, so `{ "stages": [10, 100] }`
// is a complete setting. Unknown keys are refused: a typo must not pass silently.
const settingsObject = z
  .object({
    stages: stages.default(DEFAULT_ROLLOUT.stages),
    observationWindowSec: int("a whole number of seconds from 1 to 86400")
      .min(1, "must be at least 1 second")
      .max(86_400, "must be at most 86400 seconds (a day)")
      .default(DEFAULT_ROLLOUT.observationWindowSec),
    minSamples: int("a whole number of requests").min(1, "must be at least 1").max(10_000_000, "must be at most 10000000").default(DEFAULT_ROLLOUT.minSamples),
    autoRollback: z
      .object(
        {
          errorRateThreshold: z
            .number({ error: "must be a number, e.g. 0.02 for 2 percentage points" })
            .positive("must be positive, e.g. 0.02 for 2 percentage points")
            .lt(1, "must be below 1 (it is a difference of error rates, 0.02 = 2 percentage points)")
            .default(DEFAULT_ROLLOUT.autoRollback.errorRateThreshold),
          latencyP95Threshold: z
            .number({ error: "must be a number, e.g. 1.5 for 1.5× the baseline's P95" })
            .positive("must be positive, e.g. 1.5 for 1.5× the baseline's P95")
            .min(1, "must be at least 1 (it is a ratio to the baseline's P95, e.g. 1.5)")
            .max(100, "must be at most 100")
            .default(DEFAULT_ROLLOUT.autoRollback.latencyP95Threshold),
          latencyMinDeltaMs: z
            .number({ error: "must be a number of milliseconds, e.g. 25" })
            .min(0, "must be 0 or more milliseconds (0 judges by the ratio alone)")
            .max(60_000, "must be at most 60000 ms")
            .default(DEFAULT_ROLLOUT.autoRollback.latencyMinDeltaMs),
        },
        { error: "must be an object with errorRateThreshold, latencyP95Threshold and latencyMinDeltaMs" },
      )
      .strict()
      .default({ ...DEFAULT_ROLLOUT.autoRollback }),
    maxInconclusiveWindows: int("a whole number").min(1, "must be at least 1").max(100, "must be at most 100").default(DEFAULT_ROLLOUT.maxInconclusiveWindows),
    synthetic: synthetic.optional(),
  }, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `has an unknown setting ${iss.keys.map((k) => `"${k}"`).join(", ")} (known: stages, observationWindowSec, minSamples, autoRollback, maxInconclusiveWindows, synthetic)`
        : 'must be an object like { "stages": [5, 25, 50, 100], … } or "skip"',
  })
  .strict();

export const rolloutSettingsSchema: z.ZodType<RolloutSettings, unknown> = settingsObject;

export const rolloutChoiceSchema: z.ZodType<RolloutChoice, unknown> = z.union([z.literal("skip"), settingsObject], {
  error: 'must be an object like { "stages": [5, 25, 50, 100], … } or "skip"',
});

// The first problem: the field it is about (inside the settings) and what is wrong.
export function settingsIssue(error: z.ZodError): { path: string[]; message: string } {
  const issue = firstIssue(error);
  return { path: issue.path.map(String), message: issue.message };
}

// A readable message for the first problem, naming the field: `canary.stages must increase strictly (50 is followed by 25)`.
export function describeSettingsIssue(error: z.ZodError, prefix: string): string {
  const issue = settingsIssue(error);
  const field = [prefix, ...issue.path].filter(Boolean).join(".");
  return `${field} ${issue.message}`;
}

// A union's failure carries each branch's issues; the object branch's (the
// second; the first is the literal "skip") are the useful ones.
function firstIssue(error: z.ZodError): z.core.$ZodIssue {
  const issue = error.issues[0];
  if (issue.code === "invalid_union" && issue.errors[1]?.length) {
    const inner = issue.errors[1][0];
    return { ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue;
  }
  return issue;
}

export function parseRolloutChoice(raw: unknown, prefix: string): { ok: true; value: RolloutChoice } | { ok: false; message: string } {
  const parsed = rolloutChoiceSchema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: describeSettingsIssue(parsed.error, prefix) };
}

export type ResolvedRollout = { settings: RolloutChoice; from: RolloutOrigin };

// slipway.json (already validated) > the project's stored setting > the default.
// A stored project value that no longer parses (it was validated when saved, so
// only a schema change could do that) falls back to the default rather than
// blocking deploys.
export function resolveRollout(fromFile: RolloutChoice | undefined, projectValue: unknown): ResolvedRollout {
  if (fromFile !== undefined) return { settings: fromFile, from: "slipway.json" };
  if (projectValue != null) {
    const parsed = rolloutChoiceSchema.safeParse(projectValue);
    if (parsed.success) return { settings: parsed.data, from: "project" };
  }
  return { settings: structuredClone(DEFAULT_ROLLOUT), from: "default" };
}

// A rollout row keeps the settings it runs with and where they came from, so a
// later change of the project's settings does not change a running rollout.
export type StoredRolloutSettings = RolloutSettings & { from: RolloutOrigin };

export function readStoredSettings(json: unknown): StoredRolloutSettings {
  const { from, ...rest } = (json ?? {}) as { from?: RolloutOrigin } & Record<string, unknown>;
  return { ...rolloutSettingsSchema.parse(rest), from: from ?? "default" };
}

// The choice fixed into a deployment's buildSettings at build time; a
// deployment built before rollouts existed has none, so its project's setting
// (or the default) applies.
export function rolloutOfDeployment(buildSettings: unknown, projectValue: unknown): ResolvedRollout {
  const b = buildSettings as { canary?: unknown; from?: { canary?: RolloutOrigin } } | null;
  if (b && b.canary !== undefined) {
    const parsed = rolloutChoiceSchema.safeParse(b.canary);
    if (parsed.success) return { settings: parsed.data, from: b.from?.canary ?? "default" };
  }
  return resolveRollout(undefined, projectValue);
}

// "stage 2 of 4 (25%)"
export const stageLabel = (stages: number[], index: number) => `stage ${index + 1} of ${stages.length} (${stages[index]}%)`;
