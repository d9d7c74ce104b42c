import { LogHistogram } from "@/lib/metrics/log-histogram";

type Bucket = { deploymentId: string; second: number; requests: number; errors: number; warmup: number; histogram: LogHistogram };

// Per-deployment request counts, errors and latency histograms in one-second
// buckets, kept in memory and written to metric_buckets once each second has
// closed: one row per (deployment, second, router process), never a row per
// request. A router killed mid-second loses at most that second. If Postgres
// is away, closed buckets wait (up to MAX_PENDING_SEC) and go on the next flush.
// A warm-up request (served while its host was starting, see
// lib/rollouts/analyze-stage.ts) counts as a request and, if it failed, an
// error, but its latency is not in the histogram: only in `warmup`.
const FLUSH_MS = 1000;
const MAX_PENDING_SEC = 300;
const ROWS_PER_INSERT = 500;

export class MetricsRecorder {
  private current = new Map<string, Bucket>();
  private closed: Bucket[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly query: (text: string, values: unknown[]) => Promise<unknown>,
    readonly routerId: string,
    private readonly log?: (line: string) => void,
  ) {}

  record(deploymentId: string, latencyMs: number, error: boolean, warmup = false) {
    const second = Math.floor(Date.now() / 1000);
    let b = this.current.get(deploymentId);
    if (!b || b.second !== second) {
      if (b) this.closed.push(b);
      b = { deploymentId, second, requests: 0, errors: 0, warmup: 0, histogram: new LogHistogram() };
      this.current.set(deploymentId, b);
    }
    b.requests++;
    if (error) b.errors++;
    if (warmup) b.warmup++;
    else b.histogram.record(latencyMs);
  }

  start() {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  /** Writes every bucket whose second is over (all of them when `all`). */
  flush(all = false): Promise<void> {
    if (this.flushing) return this.flushing;
    const now = Math.floor(Date.now() / 1000);
    for (const [id, b] of this.current) {
      if (all || b.second < now) {
        this.closed.push(b);
        this.current.delete(id);
      }
    }
    const batch = this.closed.filter((b) => b.second >= now - MAX_PENDING_SEC);
    this.closed = [];
    if (batch.length === 0) return Promise.resolve();
    this.flushing = this.write(batch)
      .catch((e) => {
        this.closed.unshift(...batch);
        this.log?.(`metrics flush failed (${(e as Error).message}); will retry`);
      })
      .finally(() => (this.flushing = null));
    return this.flushing;
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    await this.flushing;
    await this.flush(true);
  }

  private async write(batch: Bucket[]) {
    for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) {
      const rows = batch.slice(i, i + ROWS_PER_INSERT);
      const values: unknown[] = [];
      const tuples = rows.map((b, j) => {
        values.push(b.deploymentId, new Date(b.second * 1000).toISOString(), this.routerId, b.requests, b.errors, b.warmup, b.histogram.serialize());
        const o = j * 7;
        // Timestamps are UTC wall-clock, as Prisma stores them.
        return `($${o + 1}::uuid, $${o + 2}::timestamp(3), $${o + 3}::text, $${o + 4}::int, $${o + 5}::int, $${o + 6}::int, $${o + 7}::bytea)`;
      });
      // A deployment deleted meanwhile has no row to point at: skip its buckets.
      // A bucket is written once; a retry after a partly failed flush skips rows already there.
      await this.query(
        `INSERT INTO metric_buckets (deployment_id, bucket_start, router_id, requests, errors, warmup_requests, histogram)
         SELECT v.* FROM (VALUES ${tuples.join(", ")}) AS v(deployment_id, bucket_start, router_id, requests, errors, warmup_requests, histogram)
         WHERE EXISTS (SELECT 1 FROM deployments d WHERE d.id = v.deployment_id)
         ON CONFLICT (deployment_id, bucket_start, router_id) DO NOTHING`,
        values,
      );
    }
  }
}
