// Anytime-valid tests for a rate (a share of requests: errors, or requests slower
// than a threshold), built from test martingales.
//
// For Bernoulli observations and a null rate p0, the likelihood ratio of an
// alternative p1 after k successes in n trials,
//     LR(p1; p0) = (p1/p0)^k · ((1-p1)/(1-p0))^(n-k),
// is a martingale with mean 1 when the true rate is p0. When p1 > p0 and the true
// rate of every observation is ≤ p0, each factor has mean ≤ 1, so it is a
// nonnegative supermartingale (symmetrically for p1 < p0 and rates ≥ p0). A
// mixture Σ w_j·LR(p_j; p0) with Σ w_j ≤ 1 over alternatives fixed in advance is
// one too, and Ville's inequality gives P(sup_n M_n ≥ 1/α) ≤ α: rejecting the null
// the first time the mixture reaches 1/α is a level-α test however often, and for
// however long, one looks. This is the mixture SPRT (Robbins; Johari, Pekelis &
// Walsh, "always valid p-values"), here with the exact Bernoulli likelihood
// instead of a normal approximation, so small counts are safe, and a discrete
// mixing distribution, so the sum is a dozen terms and needs no special functions.
//
// The alternatives are placed relative to the null: above p0 at
// p0 + (1-p0)·ε_j, below at p0·(1-ε_j), with ε_j geometric in (0, 1) and uniform
// weights (small ε serve long samples, large ε short ones). With this placement
// each term of the "above" evidence decreases as p0 grows, and each term of the
// "below" evidence grows with p0 and falls with k, whatever the data: the
// monotonicity the confidence bounds and the moving reference in
// analyze-stage.ts rely on.

export type RateGrid = { eps: readonly number[]; log1mEps: readonly number[]; logWeight: number };

/** ε from `smallest` up to below 1, geometric with `ratio`, uniform weights. */
export function epsilonGrid(smallest: number, ratio: number): RateGrid {
  const eps: number[] = [];
  for (let e = smallest; e < 1; e *= ratio) eps.push(e);
  return { eps, log1mEps: eps.map((e) => Math.log1p(-e)), logWeight: -Math.log(eps.length) };
}

/** log LR(p1; p0) after k successes in n trials. */
export function logLikelihoodRatio(k: number, n: number, p1: number, p0: number): number {
  const a = k === 0 ? 0 : k * (Math.log(p1) - Math.log(p0));
  const b = n - k === 0 ? 0 : (n - k) * (Math.log1p(-p1) - Math.log1p(-p0));
  return a + b;
}

// log Σ_j exp(logWeight + k·a_j + (n-k)·b_j), computed in one pass without allocating.
function mixture(grid: RateGrid, term: (j: number) => number): number {
  let max = -Infinity;
  let sum = 0;
  for (let j = 0; j < grid.eps.length; j++) {
    const t = term(j);
    if (t <= max) sum += Math.exp(t - max);
    else {
      sum = sum * Math.exp(max - t) + 1;
      max = t;
    }
  }
  return max === -Infinity ? max : grid.logWeight + max + Math.log(sum);
}

/** log Σ_j w·LR(p0 + (1-p0)ε_j; p0): evidence that the rate is above p0 (0 < p0 < 1). */
export function logEvidenceAbove(k: number, n: number, p0: number, grid: RateGrid): number {
  const odds = (1 - p0) / p0;
  return mixture(grid, (j) => (k === 0 ? 0 : k * Math.log1p(grid.eps[j] * odds)) + (n - k) * grid.log1mEps[j]);
}

/** log Σ_j w·LR(p0(1-ε_j); p0): evidence that the rate is below p0 (0 < p0 < 1). */
export function logEvidenceBelow(k: number, n: number, p0: number, grid: RateGrid): number {
  const odds = p0 / (1 - p0);
  return mixture(grid, (j) => k * grid.log1mEps[j] + (n - k === 0 ? 0 : (n - k) * Math.log1p(grid.eps[j] * odds)));
}

/**
 * Time-uniform upper confidence bound for a rate: with probability ≥ 1 - α, at
 * every n at once, the true rate is below the bound (independent trials with a
 * common rate). It is the smallest p that the "rate ≥ p" test rejects at level α;
 * that evidence grows with p, so the rejected set is [bound, 1).
 */
export function rateUpperBound(k: number, n: number, alpha: number, grid: RateGrid): number {
  if (n === 0 || k >= n) return 1;
  const target = Math.log(1 / alpha);
  let lo = k / n; // never rejected: every LR ≤ 1 at the maximum-likelihood rate
  // Bracket first (the bound is usually within a few standard errors), then bisect
  // to 0.01% (the returned end is always a rejected rate, so rounding is upward).
  let hi = Math.min(1 - 1e-9, lo + 8 * Math.sqrt((lo * (1 - lo) + 1 / n) / n) + 1 / n);
  while (logEvidenceBelow(k, n, hi, grid) < target) {
    if (hi >= 1 - 1e-9) return 1;
    lo = hi;
    hi = Math.min(1 - 1e-9, 2 * hi);
  }
  while (hi - lo > 1e-4 * hi) {
    const mid = (lo + hi) / 2;
    if (logEvidenceBelow(k, n, mid, grid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Time-uniform lower bound on a count: the largest k such that, after n trials of
 * rate ≥ p0, seeing k or fewer successes rejects "rate ≥ p0" at level α; -1 when
 * even 0 would not (too few trials). So with probability ≥ 1 - α, at every n at
 * once, the number of successes stays above the returned value.
 */
export function countLowerBound(n: number, p0: number, alpha: number, grid: RateGrid): number {
  const target = Math.log(1 / alpha);
  if (n === 0 || logEvidenceBelow(0, n, p0, grid) < target) return -1;
  let lo = 0; // rejected
  let hi = Math.floor(n * p0) + 1; // not rejected: k ≥ n·p0 makes every LR ≤ 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (logEvidenceBelow(mid, n, p0, grid) >= target) lo = mid;
    else hi = mid;
  }
  return lo;
}
