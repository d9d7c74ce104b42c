import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reapLostBuilds } from "@/lib/build/reap-lost-builds";
import { createDb, type Db } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { createTestDatabase } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testDataDir } from "@/lib/testing/deploy";

testDataDir();

// A database of its own: the reaper looks at every job in the queue.
let db: Db;
beforeAll(async () => {
  const url = await createTestDatabase();
  await applyMigrations(url);
  await installJobQueue(url);
  db = createDb(url);
});
afterAll(() => db?.$disconnect());

// What a worker killed right after taking a build job leaves: the job and its
// queue locked by it, the deployment still queued (graphile-worker's own
// get_job writes these same columns).
async function lockedByDeadWorker(deploymentId: string, worker: string, secondsAgo: number) {
  await db.$executeRaw`
    WITH j AS (
      UPDATE graphile_worker._private_jobs SET locked_by = ${worker}, locked_at = now() - make_interval(secs => ${secondsAgo})
      WHERE payload->>'deploymentId' = ${deploymentId} RETURNING job_queue_id)
    UPDATE graphile_worker._private_job_queues SET locked_by = ${worker}, locked_at = now() - make_interval(secs => ${secondsAgo})
    WHERE id IN (SELECT job_queue_id FROM j)`;
}

const lockOf = async (deploymentId: string) =>
  (await db.$queryRaw<{ locked_by: string | null }[]>`SELECT locked_by FROM graphile_worker._private_jobs WHERE payload->>'deploymentId' = ${deploymentId}`)[0].locked_by;

// Found by the crash trials (npm run test:chaos): a worker killed between
// taking a build job and claiming its deployment left it queued, and its
// project's queue shut, for graphile-worker's 4 hours.
describe("reapLostBuilds", () => {
  it("releases a build job whose worker died before claiming its queued deployment, once it is older than the limit", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const app = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "true" }) });
    const d = await deployDir(ctx, project.slug, app);

    await lockedByDeadWorker(d.id, "pool-dead-recent", 1);
    await reapLostBuilds(db, 5000);
    expect(await lockOf(d.id)).toBe("pool-dead-recent");

    await lockedByDeadWorker(d.id, "pool-dead-old", 10);
    expect(await reapLostBuilds(db, 5000)).toEqual([]);
    expect(await lockOf(d.id)).toBeNull();
    expect((await db.deployment.findUniqueOrThrow({ where: { id: d.id } })).status).toBe("queued");
  });

  it("leaves the job alone while a deployment of its queue is being built with a fresh heartbeat", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const app = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "true" }) });
    const building = await deployDir(ctx, project.slug, app);
    const queued = await deployDir(ctx, project.slug, app, { branch: "other", environment: "production" });
    await db.deployment.update({ where: { id: building.id }, data: { status: "building", workerId: "pool-alive", heartbeatAt: new Date() } });
    await lockedByDeadWorker(building.id, "pool-alive", 10);

    await reapLostBuilds(db, 5000);
    expect(await lockOf(building.id)).toBe("pool-alive");
    expect((await db.deployment.findUniqueOrThrow({ where: { id: queued.id } })).status).toBe("queued");
  });
});
