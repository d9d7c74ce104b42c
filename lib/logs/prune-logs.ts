import type { Db } from "@/lib/db/client";

// Retention (LOG_RETENTION_DAYS): runtime log lines older than it, and the
// per-second metric buckets of rollouts that have ended (a running or paused
// rollout keeps all of its own, whatever their age). Deleted in chunks, each
// its own short statement, so a big backlog never holds one long lock or one
// huge transaction.
const CHUNK = 20_000;

export type PruneResult = { logLines: number; metricBuckets: number };

export async function pruneLogs({ db, retentionDays, now = new Date() }: { db: Db; retentionDays: number; now?: Date }): Promise<PruneResult> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let logLines = 0;
  for (;;) {
    const n = await db.$executeRaw`DELETE FROM log_lines WHERE ctid IN (SELECT ctid FROM log_lines WHERE at < ${cutoff} LIMIT ${CHUNK})`;
    logLines += n;
    if (n < CHUNK) break;
  }
  let metricBuckets = 0;
  for (;;) {
    const n = await db.$executeRaw`
      DELETE FROM metric_buckets WHERE ctid IN (
        SELECT ctid FROM metric_buckets b WHERE b.bucket_start < ${cutoff}
          AND NOT EXISTS (
            SELECT 1 FROM rollouts r WHERE r.status IN ('running', 'paused')
              AND (r.canary_deployment_id = b.deployment_id OR r.baseline_deployment_id = b.deployment_id))
        LIMIT ${CHUNK})`;
    metricBuckets += n;
    if (n < CHUNK) break;
  }
  return { logLines, metricBuckets };
}
