import { systemCtx } from "@/lib/auth/ctx";
import type { Db } from "@/lib/db/client";
import { BUILDING, transition } from "@/lib/deployments/lifecycle";

// A build whose worker stopped beating (killed, machine gone) is failed with
// "worker lost" instead of sitting in `building` forever, and the dead worker's
// job lock is released so the builds queued behind it in the same
// project+environment queue go ahead. The job itself then retries, sees the
// deployment is no longer queued, and ends.
export async function reapLostBuilds(db: Db, lostAfterMs: number): Promise<string[]> {
  const ctx = systemCtx(db, "reap-lost-builds");
  const reaped = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; worker_id: string | null }[]>`
      SELECT id::text, worker_id FROM deployments
      WHERE status = ANY(${[...BUILDING]}::"DeploymentStatus"[])
        AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => ${lostAfterMs / 1000}))
      FOR UPDATE SKIP LOCKED`;
    const done: { id: string; workerId: string | null }[] = [];
    for (const row of rows) {
      const stage = await tx.deploymentStage.findFirst({ where: { deploymentId: row.id, status: "running" }, orderBy: { position: "desc" } });
      const reason = "worker lost";
      const moved = await transition(tx, {
        deploymentId: row.id,
        from: BUILDING,
        to: "failed",
        actor: ctx.actor,
        reason,
        data: { failureStage: stage?.name ?? "building", failureReason: reason },
      });
      if (!moved) continue;
      if (stage) await tx.deploymentStage.update({ where: { deploymentId_name: { deploymentId: row.id, name: stage.name } }, data: { status: "failed", detail: reason, finishedAt: new Date() } });
      done.push({ id: row.id, workerId: row.worker_id });
    }
    return done;
  });
  const lost = reaped.map((r) => r.workerId).filter((w): w is string => !!w);
  const workers = [...new Set([...lost, ...(await abandonedBuildJobWorkers(db, lostAfterMs))])];
  if (workers.length) await db.$executeRaw`SELECT graphile_worker.force_unlock_workers(${workers}::text[])`;
  return reaped.map((r) => r.id);
}

// A worker can also die holding a build job whose deployment is not being
// built: after taking the job but before claiming the deployment (still
// queued), or after publishing it but before marking the job done. Its lock
// then keeps the project+environment queue shut for graphile-worker's 4 hours.
// A live worker claims a deployment within moments of taking its job, and
// beats while building, so a build job locked this long in a queue with no
// deployment being built has lost its worker. Released, the job retries: it
// builds the deployment if still queued, and otherwise ends.
async function abandonedBuildJobWorkers(db: Db, lostAfterMs: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ locked_by: string }[]>`
    SELECT DISTINCT j.locked_by FROM graphile_worker.jobs j
    WHERE j.task_identifier = 'build-deployment'
      AND j.locked_by IS NOT NULL
      AND j.locked_at < now() - make_interval(secs => ${lostAfterMs / 1000})
      AND NOT EXISTS (
        SELECT 1 FROM deployments d
        WHERE j.queue_name = 'build:' || d.project_id::text || ':' || d.environment::text
          AND d.status = ANY(${[...BUILDING]}::"DeploymentStatus"[]))`;
  return rows.map((r) => r.locked_by);
}
