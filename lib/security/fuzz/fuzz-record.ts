import path from "node:path";

// Where each fuzz class records the cases it ran, for scripts/test-fuzz.ts
// (kept apart from fuzz.ts, which needs a running vitest).
export const FUZZ_RESULTS_DIR = path.resolve(import.meta.dirname, "../../../test-results/fuzz");

// `outcomes` tallies what the cases came to (a status, an error code), so a
// run whose cases all die at the first check shows up as such.
export type FuzzRecord = { fieldClass: string; cases: number; seed: number; requested: number; ms: number; failed: boolean; outcomes: Record<string, number> };
