import type { Db, Tx } from "@/lib/db/client";
import { LogHistogram } from "@/lib/metrics/log-histogram";

/** `warmup`: requests served while a new host was starting (in requests and errors, not in the histogram). */
export type WindowTotals = { requests: number; errors: number; warmup: number; histogram: LogHistogram };

// Everything the routers recorded for one deployment in [from, to): the sum of
// the per-second buckets every router flushed, histograms merged exactly.
export async function readWindow(db: Db | Tx, deploymentId: string, from: Date, to: Date): Promise<WindowTotals> {
  const rows = await db.metricBucket.findMany({
    where: { deploymentId, bucketStart: { gte: from, lt: to } },
    select: { requests: true, errors: true, warmupRequests: true, histogram: true },
  });
  const totals: WindowTotals = { requests: 0, errors: 0, warmup: 0, histogram: new LogHistogram() };
  for (const r of rows) {
    totals.requests += r.requests;
    totals.errors += r.errors;
    totals.warmup += r.warmupRequests;
    totals.histogram.merge(LogHistogram.deserialize(r.histogram));
  }
  return totals;
}

export type SeriesPoint = { deploymentId: string; t: string; requests: number; errors: number; p95Ms: number | null };

// Per-deployment points every `stepSec` seconds over [from, to), for charts:
// each point merges the buckets of its step.
export async function readSeries(db: Db | Tx, deploymentIds: string[], from: Date, to: Date, stepSec: number): Promise<SeriesPoint[]> {
  const rows = await db.metricBucket.findMany({
    where: { deploymentId: { in: deploymentIds }, bucketStart: { gte: from, lt: to } },
    select: { deploymentId: true, bucketStart: true, requests: true, errors: true, histogram: true },
    orderBy: { bucketStart: "asc" },
  });
  const stepMs = Math.max(1, Math.round(stepSec)) * 1000;
  const points = new Map<string, { deploymentId: string; t: number; requests: number; errors: number; histogram: LogHistogram }>();
  for (const r of rows) {
    const t = from.getTime() + Math.floor((r.bucketStart.getTime() - from.getTime()) / stepMs) * stepMs;
    const key = `${r.deploymentId}:${t}`;
    let p = points.get(key);
    if (!p) points.set(key, (p = { deploymentId: r.deploymentId, t, requests: 0, errors: 0, histogram: new LogHistogram() }));
    p.requests += r.requests;
    p.errors += r.errors;
    p.histogram.merge(LogHistogram.deserialize(r.histogram));
  }
  return [...points.values()]
    .sort((a, b) => a.t - b.t || a.deploymentId.localeCompare(b.deploymentId))
    .map((p) => ({ deploymentId: p.deploymentId, t: new Date(p.t).toISOString(), requests: p.requests, errors: p.errors, p95Ms: p.histogram.quantile(0.95) }));
}
