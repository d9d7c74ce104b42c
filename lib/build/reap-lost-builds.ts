import { systemCtx } from "@/lib/auth/ctx";
import type { Db } from "@/lib/db/client";
import { BUILDING, transition } from "@/lib/deployments/lifecycle";
import { livePools } from "@/lib/jobs/worker-presence";

// A worker that has not beaten for this long, and is gone (lib/jobs/worker-presence.ts), is lost.
const DEAD_AFTER_SEC = 5;

// A build whose worker is lost is failed with "worker lost" instead of sitting
// in `building` forever: at once when its worker process is gone, or after
// `lostAfterMs` without a heartbeat when it is alive but stuck (or on a machine
// that vanished with its connections). The dead worker's job lock is released
// by releaseDeadLocks; the job then retries, sees the deployment is no longer
// queued, and ends.
export async function reapLostBuilds(db: Db, lostAfterMs: number): Promise<string[]> {
  const ctx = systemCtx(db, "reap-lost-builds");
  const live = await livePools(db);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM deployments
      WHERE status = ANY(${[...BUILDING]}::"DeploymentStatus"[])
        AND (heartbeat_at IS NULL
          OR heartbeat_at < now() - make_interval(secs => ${lostAfterMs / 1000})
          OR (heartbeat_at < now() - make_interval(secs => ${DEAD_AFTER_SEC}) AND (worker_id IS NULL OR worker_id <> ALL(${live}::text[]))))
      FOR UPDATE SKIP LOCKED`;
    const reaped: string[] = [];
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
      reaped.push(row.id);
    }
    return reaped;
  });
}
