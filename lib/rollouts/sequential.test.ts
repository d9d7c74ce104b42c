import { describe, expect, it } from "vitest";
import {
  countLowerBound,
  epsilonGrid,
  logEvidenceAbove,
  logEvidenceBelow,
  logLikelihoodRatio,
  rateUpperBound,
} from "@/lib/rollouts/sequential";
import { seededRandom } from "@/lib/rollouts/testing/random";

const grid = epsilonGrid(0.002, 1.5);

describe("sequential primitives", () => {
  it("builds a fixed geometric grid of ε in (0, 1) with uniform weights", () => {
    expect(grid.eps[0]).toBe(0.002);
    expect(grid.eps.every((e) => e > 0 && e < 1)).toBe(true);
    expect(Math.exp(grid.logWeight) * grid.eps.length).toBeCloseTo(1);
  });

  it("computes the Bernoulli likelihood ratio, including k = 0 and k = n", () => {
    expect(logLikelihoodRatio(3, 10, 0.3, 0.3)).toBe(0);
    expect(logLikelihoodRatio(0, 10, 0.2, 0.1)).toBeCloseTo(10 * Math.log(0.8 / 0.9));
    expect(logLikelihoodRatio(10, 10, 0.2, 0.1)).toBeCloseTo(10 * Math.log(2));
  });

  it("sums the likelihood ratios of the grid's alternatives", () => {
    const p0 = 0.05;
    const above = grid.eps.map((e) => logLikelihoodRatio(7, 50, p0 + (1 - p0) * e, p0));
    const below = grid.eps.map((e) => logLikelihoodRatio(7, 50, p0 * (1 - e), p0));
    const mix = (xs: number[]) => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0) / xs.length);
    expect(logEvidenceAbove(7, 50, p0, grid)).toBeCloseTo(mix(above), 10);
    expect(logEvidenceBelow(7, 50, p0, grid)).toBeCloseTo(mix(below), 10);
  });

  it("grows the evidence with the count, with the trials at a fixed rate, and falls as the null rises", () => {
    expect(logEvidenceAbove(10, 100, 0.05, grid)).toBeGreaterThan(logEvidenceAbove(5, 100, 0.05, grid));
    expect(logEvidenceAbove(200, 1000, 0.05, grid)).toBeGreaterThan(logEvidenceAbove(20, 100, 0.05, grid));
    expect(logEvidenceAbove(20, 100, 0.08, grid)).toBeLessThan(logEvidenceAbove(20, 100, 0.05, grid));
    expect(logEvidenceAbove(5, 100, 0.05, grid)).toBeLessThan(0); // at the null rate: no evidence
  });

  it("bounds a rate from above: at or above the estimate, tighter with more data", () => {
    const small = rateUpperBound(2, 100, 0.01, grid);
    const large = rateUpperBound(200, 10_000, 0.01, grid);
    expect(small).toBeGreaterThan(0.02);
    expect(large).toBeGreaterThan(0.02);
    expect(large).toBeLessThan(small);
    expect(large).toBeLessThan(0.03);
    expect(rateUpperBound(0, 1000, 0.01, grid)).toBeLessThan(0.02);
    expect(rateUpperBound(0, 0, 0.01, grid)).toBe(1);
    expect(rateUpperBound(5, 5, 0.01, grid)).toBe(1);
  });

  it("keeps the rate bound above the truth at every look with probability ≥ 1 - α", () => {
    const rand = seededRandom(7);
    const alpha = 0.1;
    const p = 0.02;
    let missed = 0;
    const runs = 200;
    for (let r = 0; r < runs; r++) {
      let k = 0;
      for (let n = 1; n <= 3000; n++) {
        if (rand() < p) k++;
        if (n % 10 === 0 && rateUpperBound(k, n, alpha, grid) < p) {
          missed++;
          break;
        }
      }
    }
    expect(missed / runs).toBeLessThanOrEqual(alpha);
  });

  it("gives a count lower bound only once there are enough trials", () => {
    expect(countLowerBound(20, 0.05, 0.001, grid)).toBe(-1);
    const k = countLowerBound(10_000, 0.05, 0.001, grid);
    expect(k).toBeGreaterThan(400); // mean 500, sd 22
    expect(k).toBeLessThan(500);
    expect(logEvidenceBelow(k, 10_000, 0.05, grid)).toBeGreaterThanOrEqual(Math.log(1000));
    expect(logEvidenceBelow(k + 1, 10_000, 0.05, grid)).toBeLessThan(Math.log(1000));
  });
});
