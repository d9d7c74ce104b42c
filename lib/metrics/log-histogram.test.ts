import { describe, expect, it } from "vitest";
import { LogHistogram, MAX_MS, MIN_MS } from "@/lib/metrics/log-histogram";

// Deterministic heavy-tailed latencies: lognormal body with a Pareto tail.
function samples(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  return Array.from({ length: n }, () => {
    if (rnd() < 0.05) return 200 / Math.pow(rnd(), 1 / 1.5);
    const z = Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
    return Math.exp(3 + 0.6 * z);
  });
}

const exactQuantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))];

describe("LogHistogram", () => {
  it("reads every quantile within 1% of the exact value", () => {
    const values = samples(50_000, 7);
    const h = new LogHistogram();
    for (const v of values) h.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
      const exact = Math.min(Math.max(exactQuantile(sorted, q), MIN_MS), MAX_MS);
      expect(Math.abs(h.quantile(q)! - exact) / exact, `q=${q}`).toBeLessThanOrEqual(0.01);
    }
    expect(h.count).toBe(values.length);
  });

  it("merges exactly: per-second pieces add up to the whole", () => {
    const values = samples(10_000, 3);
    const whole = new LogHistogram();
    const merged = new LogHistogram();
    for (let i = 0; i < values.length; i += 1000) {
      const piece = new LogHistogram();
      for (const v of values.slice(i, i + 1000)) {
        piece.record(v);
        whole.record(v);
      }
      merged.merge(LogHistogram.deserialize(piece.serialize()));
    }
    expect(merged.serialize()).toEqual(whole.serialize());
    for (const q of [0.5, 0.95, 0.99]) expect(merged.quantile(q)).toBe(whole.quantile(q));
  });

  it("round-trips through its compact byte form, and refuses garbage", () => {
    const h = new LogHistogram();
    for (const v of [0, 0.5, 3, 3, 3, 250, 1e9]) h.record(v);
    const bytes = h.serialize();
    expect(bytes.length).toBeLessThan(20);
    const back = LogHistogram.deserialize(bytes);
    expect(back.count).toBe(7);
    expect(back.quantile(1)).toBeCloseTo(MAX_MS, -4);
    expect(LogHistogram.deserialize(new LogHistogram().serialize()).quantile(0.5)).toBeNull();
    expect(() => LogHistogram.deserialize(Buffer.from([9, 1, 1]))).toThrow(/format/);
    expect(() => LogHistogram.deserialize(Buffer.from([1, 0x80]))).toThrow(/Truncated/);
  });

  it("counts values above a threshold", () => {
    const h = new LogHistogram();
    for (let i = 1; i <= 100; i++) h.record(i * 10);
    expect(h.countAbove(500)).toBeGreaterThanOrEqual(49);
    expect(h.countAbove(500)).toBeLessThanOrEqual(50);
    expect(h.countAbove(5000)).toBe(0);
    expect(h.countAbove(0)).toBe(100);
    h.record(NaN);
    h.record(-1);
    expect(h.count).toBe(100);
  });
});
