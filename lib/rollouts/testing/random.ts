// Seeded random numbers for the rollout tests and the canary simulation
// (deterministic runs; not for anything security-related).

/** mulberry32: a tiny 32-bit PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal (Box–Muller). */
export function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Poisson count (Knuth for small means, normal approximation above 60). */
export function poisson(rand: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rand)));
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rand(); p > limit; p *= rand()) k++;
  return k;
}

/**
 * Heavy-tailed latency in ms: a lognormal body (median `medianMs`, σ 0.5) and, with
 * probability `tailShare`, a Pareto tail (scale 3 × median, shape 1.5).
 */
export function latencySampler(rand: () => number, medianMs: number, tailShare = 0.03): () => number {
  return () => {
    if (rand() < tailShare) return 3 * medianMs * Math.pow(1 - rand(), -1 / 1.5);
    return medianMs * Math.exp(0.5 * normal(rand));
  };
}
