// Shared by the hostile-input fuzz suites (lib/security/fuzz/*.fuzz*.test.ts):
// how many cases, which seed, and a record of the cases each class really ran.
// `npm test` runs 100 cases per class; `npm run test:fuzz` runs
// FUZZ_RUNS=10000 and prints the records (scripts/test-fuzz.ts).
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { readFile, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { expect } from "vitest";
import { FUZZ_RESULTS_DIR, type FuzzRecord } from "@/lib/security/fuzz/fuzz-record";

export const FUZZ_RUNS = positiveInt(process.env.FUZZ_RUNS, 100);
export const FUZZ_SEED = positiveInt(process.env.FUZZ_SEED, 8_2026);

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

// A test's timeout for FUZZ_RUNS cases of about `msPerCase` each, on a slow shared machine.
export const fuzzTimeout = (msPerCase: number) => 60_000 + FUZZ_RUNS * msPerCase * 4;


// Runs the property with the run's seed and count (fast-check shrinks a
// failure to a minimal case and prints the seed and path to replay it), and
// adds the cases it actually ran to the class's record. One class may run
// several properties; their counts add up.
export async function fuzz<T>(fieldClass: string, arb: fc.Arbitrary<T>, predicate: (value: T) => Promise<string>, runs = FUZZ_RUNS): Promise<void> {
  const started = performance.now();
  const outcomes: Record<string, number> = {};
  const property = fc.asyncProperty(arb, async (value) => {
    const outcome = await predicate(value);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  });
  const details = await fc.check(property, { numRuns: runs, seed: FUZZ_SEED });
  // numRuns counts the passing cases and the failing one, not the shrinking replays.
  record({ fieldClass, cases: details.numRuns, seed: FUZZ_SEED, requested: runs, ms: Math.round(performance.now() - started), failed: details.failed, outcomes });
  if (details.failed) {
    const report = fc.defaultReportMessage(details) ?? "fuzz property failed";
    throw new Error(`${report}\n${String(details.errorInstance)}`, { cause: details.errorInstance });
  }
}

// A class's properties run in one test file, so one worker: its totals live here.
const totals = new Map<string, FuzzRecord>();

function record(add: FuzzRecord) {
  const prev = totals.get(add.fieldClass);
  const merged = prev
    ? { ...add, cases: prev.cases + add.cases, requested: prev.requested + add.requested, ms: prev.ms + add.ms, failed: prev.failed || add.failed, outcomes: sum(prev.outcomes, add.outcomes) }
    : add;
  totals.set(add.fieldClass, merged);
  mkdirSync(FUZZ_RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(FUZZ_RESULTS_DIR, `${add.fieldClass}.json`), `${JSON.stringify(merged)}\n`);
}

function sum(a: Record<string, number>, b: Record<string, number>) {
  const out = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}

// A file outside the root under test, holding a unique marker. Its access time
// is set far in the past, so on a relatime or strictatime mount any read moves
// it: `unchanged` (cheap, after every case) proves it was neither written nor
// read; `intact` also reads it back, so it comes once, last.
export async function plantSentinel(file: string) {
  const marker = `SENTINEL-${randomUUID()}`;
  await writeFile(file, marker);
  const past = new Date("2001-01-01T00:00:00Z");
  await utimes(file, past, past);
  const times = async () => {
    const s = await stat(file);
    return { mtime: s.mtimeMs, ctime: s.ctimeMs, atime: s.atimeMs, size: s.size };
  };
  const before = await times();
  const unchanged = async () => expect(await times(), `sentinel ${file}`).toEqual(before);
  return {
    file,
    marker,
    unchanged,
    async intact() {
      await unchanged();
      expect(await readFile(file, "utf8")).toBe(marker);
    },
  };
}

export type Sentinel = Awaited<ReturnType<typeof plantSentinel>>;

// What an HTTP request line or header can carry: tabs, visible ASCII and
// obs-text bytes; no line breaks (those would start another header).
export const sendable = (value: string) => value.replace(/[^\t\x20-\x7e\x80-\xff]/g, "");

// A lone surrogate cannot be percent-encoded or sent; a browser sends U+FFFD.
export const wellFormed = (value: string) => value.replace(/[\ud800-\udfff]/gu, "\ufffd");

// Strings a person would not type: control characters, separators, encodings,
// unicode look-alikes, and very long runs. Tests mix them with their own field's shapes.
export const nastyChars = fc.constantFrom(
  "\0", "\n", "\r", "\t", " ", "/", "\\", ".", "..", "%", "%2e", "%2f", "%00", "%252e", ";", ":", "@", "#", "?", "&", "=", "$", "`", "'", '"',
  "|", "<", ">", "*", "~", "-", "--", "{", "}", "[", "]", "é", "ß", "İ", "\u0130", "\u202e", "\u200b", "\ufeff", "\uff0e", "\u2024", "😀", "\ud800",
);
export const nastyString = (maxParts = 12) =>
  fc.array(fc.oneof(nastyChars, fc.string({ maxLength: 8 }), fc.string({ unit: "grapheme", maxLength: 4 })), { maxLength: maxParts }).map((parts) => parts.join(""));
export const veryLong = fc.tuple(fc.constantFrom("a", "-", ".", "/", "é", "%2e", "../"), fc.integer({ min: 100, max: 5000 })).map(([s, n]) => s.repeat(n));
