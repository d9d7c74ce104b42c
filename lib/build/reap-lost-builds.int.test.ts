import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reapLostBuilds } from "@/lib/build/reap-lost-builds";
import { createDb, type Db } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { releaseDeadLocks } from "@/lib/jobs/release-dead-locks";
import { announcePresence, livePools } from "@/lib/jobs/worker-presence";
import { createTestDatabase } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testDataDir } from "@/lib/testing/deploy";

testDataDir();

// A database of its own: the reaper looks at every job in the queue.
let url: string;
let db: Db;
beforeAll(async () => {
  url = await createTestDatabase();
  await applyMigrations(url);
  await installJobQueue(url);
  db = createDb(url);
});
const presences: { stop: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(presences.splice(0).map((p) => p.stop()));
});
afterAll(() => db?.$disconnect());

async function present(poolId: string) {
  presences.push(announcePresence(url, poolId));
  await expect.poll(() => livePools(db)).toContain(poolId);
}

// What a worker leaves when it holds a build job: the job and its queue locked
// by its pool id (graphile-worker's own get_job writes these same columns).
async function lockJob(deploymentId: string, worker: string, secondsAgo: number) {
  await db.$executeRaw`
    WITH j AS (
      UPDATE graphile_worker._private_jobs SET locked_by = ${worker}, locked_at = now() - make_interval(secs => ${secondsAgo})
      WHERE payload->>'deploymentId' = ${deploymentId} RETURNING job_queue_id)
    UPDATE graphile_worker._private_job_queues SET locked_by = ${worker}, locked_at = now() - make_interval(secs => ${secondsAgo})
    WHERE id IN (SELECT job_queue_id FROM j)`;
}

const locks = async (deploymentId: string) =>
  (
    await db.$queryRaw<{ job: string | null; queue: string | null }[]>`
      SELECT j.locked_by AS job, q.locked_by AS queue FROM graphile_worker._private_jobs j
      JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
      WHERE j.payload->>'deploymentId' = ${deploymentId}`
  )[0];

async function queuedDeployment() {
  const { ctx, project } = await seedArchiveProject(db);
  const app = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "true" }) });
  return deployDir(ctx, project.slug, app);
}

// Found by the crash trials (npm run test:chaos): a worker killed between
// taking a build job and claiming its deployment left it queued, and its
// project's queue shut, for graphile-worker's 4 hours.
describe("releaseDeadLocks", () => {
  it("releases the job and queue locks of a worker that is gone, once past the grace period", async () => {
    const d = await queuedDeployment();
    await lockJob(d.id, "pool-dead-recent", 1);
    expect(await releaseDeadLocks(db)).toEqual([]);
    expect(await locks(d.id)).toEqual({ job: "pool-dead-recent", queue: "pool-dead-recent" });

    await lockJob(d.id, "pool-dead-old", 30);
    expect(await releaseDeadLocks(db)).toEqual(["pool-dead-old"]);
    expect(await locks(d.id)).toEqual({ job: null, queue: null });
    expect((await db.deployment.findUniqueOrThrow({ where: { id: d.id } })).status).toBe("queued");
  });

  it("never touches a live worker's locks, however old", async () => {
    const d = await queuedDeployment();
    await present("pool-alive-slow");
    await lockJob(d.id, "pool-alive-slow", 3600);
    expect(await releaseDeadLocks(db)).toEqual([]);
    expect(await locks(d.id)).toEqual({ job: "pool-alive-slow", queue: "pool-alive-slow" });

    // Gone: its connection closed, as when the process is killed.
    await presences.pop()!.stop();
    await expect.poll(() => livePools(db)).not.toContain("pool-alive-slow");
    expect(await releaseDeadLocks(db)).toEqual(["pool-alive-slow"]);
    expect(await locks(d.id)).toEqual({ job: null, queue: null });
  });

  it("keeps the locks of a worker still beating on a build while its presence connection is down", async () => {
    const d = await queuedDeployment();
    await lockJob(d.id, "pool-beating", 30);
    const { ctx, project } = await seedArchiveProject(db);
    const other = await deployDir(ctx, project.slug, await makeApp({ "index.html": "x" }));
    await db.deployment.update({ where: { id: other.id }, data: { status: "building", workerId: "pool-beating", heartbeatAt: new Date() } });
    expect(await releaseDeadLocks(db)).toEqual([]);
    expect(await locks(d.id)).toEqual({ job: "pool-beating", queue: "pool-beating" });
  });

  it("frees a queue lock whose holder has no job of that queue locked, even a live holder", async () => {
    const d = await queuedDeployment();
    await present("pool-alive");
    await lockJob(d.id, "pool-alive", 30);
    await db.$executeRaw`UPDATE graphile_worker._private_jobs SET locked_by = NULL, locked_at = NULL WHERE payload->>'deploymentId' = ${d.id}`;
    expect(await locks(d.id)).toEqual({ job: null, queue: "pool-alive" });
    await releaseDeadLocks(db);
    expect(await locks(d.id)).toEqual({ job: null, queue: null });
  });
});

describe("reapLostBuilds", () => {
  const building = async (workerId: string, heartbeatSecondsAgo: number) => {
    const d = await queuedDeployment();
    await db.deployment.update({ where: { id: d.id }, data: { status: "building", workerId, heartbeatAt: new Date(Date.now() - heartbeatSecondsAgo * 1000) } });
    return d;
  };
  const status = async (id: string) => (await db.deployment.findUniqueOrThrow({ where: { id } })).status;

  it("fails a build at once when its worker is gone, but waits out the heartbeat limit for a live one", async () => {
    await present("pool-live-builder");
    const gone = await building("pool-gone-builder", 8);
    const slow = await building("pool-live-builder", 8);
    const fresh = await building("pool-gone-builder", 0);

    const reaped = await reapLostBuilds(db, 60_000);
    expect(reaped).toContain(gone.id);
    expect(reaped).not.toContain(slow.id);
    expect(reaped).not.toContain(fresh.id);
    expect(await status(gone.id)).toBe("failed");
    expect(await status(slow.id)).toBe("building");

    // Alive but silent past the limit (stuck, or its machine vanished with its connection).
    await db.deployment.update({ where: { id: slow.id }, data: { heartbeatAt: new Date(Date.now() - 61_000) } });
    expect(await reapLostBuilds(db, 60_000)).toContain(slow.id);
    expect(await status(slow.id)).toBe("failed");
  });
});
