// Latency histogram with logarithmic buckets (the DDSketch layout): bucket i
// holds values in (γ^(i-1), γ^i] with γ = (1+α)/(1-α), so any quantile read
// from a bucket's midpoint is within α = 1% of the true value. Buckets are
// fixed for every histogram, so merging is exact (add the counts), which is
// what lets routers flush per-second histograms that Postgres readers sum.
//
// Values are milliseconds, clamped to [MIN_MS, MAX_MS]: about 1,570 buckets.

export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
export const MIN_MS = 0.01;
export const MAX_MS = 10 * 60 * 1000;
const OFFSET = Math.ceil(Math.log(MIN_MS) / LOG_GAMMA);
const SIZE = Math.ceil(Math.log(MAX_MS) / LOG_GAMMA) - OFFSET + 1;
const FORMAT_VERSION = 1;

const indexOf = (ms: number) => {
  const v = ms > MIN_MS ? (ms < MAX_MS ? ms : MAX_MS) : MIN_MS;
  return Math.ceil(Math.log(v) / LOG_GAMMA) - OFFSET;
};
// The value a bucket stands for: relative error ≤ α to anything in it.
const valueOf = (i: number) => (2 * Math.pow(GAMMA, i + OFFSET)) / (GAMMA + 1);
// The smallest value that falls in bucket i.
const lowerBound = (i: number) => Math.pow(GAMMA, i + OFFSET - 1);

export class LogHistogram {
  private counts: Uint32Array | null = null;
  private total = 0;
  private lo = SIZE;
  private hi = -1;

  get count(): number {
    return this.total;
  }

  record(valueMs: number): void {
    if (!(valueMs >= 0)) return; // NaN and negatives are not latencies
    const i = indexOf(valueMs);
    const counts = (this.counts ??= new Uint32Array(SIZE));
    counts[i]++;
    this.total++;
    if (i < this.lo) this.lo = i;
    if (i > this.hi) this.hi = i;
  }

  merge(other: LogHistogram): void {
    if (!other.counts || other.total === 0) return;
    const counts = (this.counts ??= new Uint32Array(SIZE));
    for (let i = other.lo; i <= other.hi; i++) counts[i] += other.counts[i];
    this.total += other.total;
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
  }

  /** The q-quantile (0 ≤ q ≤ 1) within 1% relative error, or null when empty. */
  quantile(q: number): number | null {
    if (!this.counts || this.total === 0) return null;
    const rank = Math.min(this.total - 1, Math.max(0, Math.floor(q * (this.total - 1))));
    let seen = 0;
    for (let i = this.lo; i <= this.hi; i++) {
      seen += this.counts[i];
      if (seen > rank) return valueOf(i);
    }
    return valueOf(this.hi);
  }

  /** How many recorded values lie in buckets entirely above `thresholdMs`. */
  countAbove(thresholdMs: number): number {
    if (!this.counts || this.total === 0) return 0;
    let n = 0;
    for (let i = this.hi; i >= this.lo && lowerBound(i) > thresholdMs; i--) n += this.counts[i];
    return n;
  }

  // Sparse form: version byte, then (bucket index, count) pairs as unsigned
  // LEB128 varints, indexes delta-encoded. A second of traffic is tens of bytes.
  serialize(): Buffer {
    const out: number[] = [FORMAT_VERSION];
    const varint = (n: number) => {
      while (n >= 0x80) {
        out.push((n & 0x7f) | 0x80);
        n = Math.floor(n / 128);
      }
      out.push(n);
    };
    if (this.counts) {
      let prev = 0;
      for (let i = this.lo; i <= this.hi; i++) {
        const c = this.counts[i];
        if (c === 0) continue;
        varint(i - prev);
        varint(c);
        prev = i;
      }
    }
    return Buffer.from(out);
  }

  static deserialize(data: Uint8Array): LogHistogram {
    const h = new LogHistogram();
    if (data.length === 0) return h;
    if (data[0] !== FORMAT_VERSION) throw new Error(`Unknown histogram format ${data[0]}.`);
    let pos = 1;
    const varint = () => {
      let n = 0;
      let scale = 1;
      for (;;) {
        if (pos >= data.length) throw new Error("Truncated histogram.");
        const b = data[pos++];
        n += (b & 0x7f) * scale;
        if (b < 0x80) return n;
        scale *= 128;
      }
    };
    let i = 0;
    while (pos < data.length) {
      i += varint();
      const c = varint();
      if (i >= SIZE) throw new Error("Histogram bucket out of range.");
      const counts = (h.counts ??= new Uint32Array(SIZE));
      counts[i] += c;
      h.total += c;
      if (i < h.lo) h.lo = i;
      if (i > h.hi) h.hi = i;
    }
    return h;
  }
}
