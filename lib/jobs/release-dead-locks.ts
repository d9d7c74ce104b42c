import type { Db } from "@/lib/db/client";
import { livePools } from "@/lib/jobs/worker-presence";

// A lock younger than this may belong to a worker that has just started and
// not yet announced itself.
const GRACE_SEC = 5;
// A worker still beating on a build is alive even if its presence connection
// is down for a moment (reconnecting, or the server out of connections).
const BEATING_SEC = 10;

// Job and queue locks whose worker is gone (killed, machine lost) are released
// with graphile-worker's force_unlock_workers: the job runs again and the
// project's build queue behind it moves. A live worker's locks are never
// touched, however slow it is. Returns the dead workers released.
//
// graphile-worker 0.17 (pinned) keeps locks in _private_jobs and
// _private_job_queues; its public `jobs` view does not show queue locks.
export async function releaseDeadLocks(db: Db): Promise<string[]> {
  const live = new Set(await livePools(db));
  const holders = await db.$queryRaw<{ locked_by: string }[]>`
    SELECT locked_by FROM graphile_worker._private_jobs
    WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => ${GRACE_SEC})
    UNION
    SELECT locked_by FROM graphile_worker._private_job_queues
    WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => ${GRACE_SEC})`;
  const beating = await db.$queryRaw<{ worker_id: string }[]>`
    SELECT DISTINCT worker_id FROM deployments
    WHERE worker_id IS NOT NULL AND heartbeat_at > now() - make_interval(secs => ${BEATING_SEC})`;
  for (const b of beating) live.add(b.worker_id);
  const dead = holders.map((h) => h.locked_by).filter((w) => !live.has(w));
  if (dead.length) await db.$executeRaw`SELECT graphile_worker.force_unlock_workers(${dead}::text[])`;
  // A queue lock whose holder has no job of that queue locked guards nothing
  // (graphile takes both in one statement and frees both together), yet it
  // shuts the queue; a fresh get_job sets locked_at to now, so it is never hit.
  await db.$executeRaw`
    UPDATE graphile_worker._private_job_queues q SET locked_by = NULL, locked_at = NULL
    WHERE q.locked_by IS NOT NULL AND q.locked_at < now() - make_interval(secs => ${GRACE_SEC})
      AND NOT EXISTS (SELECT 1 FROM graphile_worker._private_jobs j WHERE j.job_queue_id = q.id AND j.locked_by = q.locked_by)`;
  return dead;
}
