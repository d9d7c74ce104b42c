import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findMarked } from "@/lib/build/sandbox/kill-marked";
import { mountsBelow } from "@/lib/sandbox/workspace";
import type { Db } from "@/lib/db/client";
import { deployDir, makeApp, seedArchiveProject, testDataDir } from "@/lib/testing/deploy";
import { workerProcesses } from "@/lib/testing/worker-processes";

// Real worker processes on their own database: the queue's guarantees are
// graphile-worker's plus ours (heartbeats, lost-worker reaping, per-queue order).
const dataDir = testDataDir();
const processes = workerProcesses(dataDir);
const startWorker = processes.startWorker;
let db: Db;
beforeAll(() => {
  ({ db } = processes);
});

const app = (build: string) =>
  makeApp({
    "package.json": JSON.stringify({ name: "w", private: true }),
    "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: build }),
  });
const quick = "mkdir -p dist && echo $SLIPWAY_DEPLOYMENT_ID > dist/index.html";
const terminal = ["live", "superseded", "failed", "canceled"];

describe("worker processes", () => {
  it("build each deployment exactly once with two workers, one project+environment at a time, in order", async () => {
    startWorker();
    startWorker();
    const projects = await Promise.all([seedArchiveProject(db), seedArchiveProject(db)]);
    const dir = await app(`sleep 0.3 && ${quick}`);
    const ids: string[][] = [[], []];
    for (let i = 0; i < 3; i++) {
      for (const [p, { ctx, project }] of projects.entries()) {
        ids[p].push((await deployDir(ctx, project.slug, dir, { branch: `b${i}`, environment: "preview" })).id);
      }
    }
    const all = ids.flat();
    await expect
      .poll(async () => (await db.deployment.findMany({ where: { id: { in: all } } })).every((d) => terminal.includes(d.status)), { timeout: 150_000, interval: 500 })
      .toBe(true);

    const rows = await db.deployment.findMany({ where: { id: { in: all } }, include: { events: true } });
    for (const d of rows) {
      expect(d.status).toBe("live");
      expect(d.events.filter((e) => e.toStatus === "building")).toHaveLength(1);
    }
    for (const perProject of ids) {
      const ordered = perProject.map((id) => rows.find((r) => r.id === id)!);
      for (let i = 1; i < ordered.length; i++) {
        expect(ordered[i].startedAt!.getTime()).toBeGreaterThanOrEqual(ordered[i - 1].finishedAt!.getTime());
      }
    }
    // Six sandboxed builds in turn: about 20 s on an idle 2-core machine, three times that on a busy one.
  }, 180_000);

  it("fails a build whose worker was killed with 'worker lost', leaves no build process, and goes on with the queue", async () => {
    const first = startWorker();
    const { ctx, project } = await seedArchiveProject(db);
    const slow = await deployDir(ctx, project.slug, await app("sleep 1000 & sleep 1000"));
    // Wait for the build step itself (the install step carries the same marker, briefly).
    const buildStage = () => db.deploymentStage.findUnique({ where: { deploymentId_name: { deploymentId: slow.id, name: "build" } } });
    await expect.poll(async () => (await buildStage())?.status, { timeout: 30_000 }).toBe("running");
    await expect.poll(() => findMarked(slow.id), { timeout: 15_000 }).not.toEqual([]);
    const next = await deployDir(ctx, project.slug, await app(quick), { branch: "other", environment: "production" });
    const workspace = path.join(dataDir, "workspaces", slow.id);
    expect(await mountsBelow(workspace)).toEqual([workspace]); // its tmpfs

    first.child.kill("SIGKILL");
    // The launcher notices its parent is gone and kills the build's process group.
    await expect.poll(() => findMarked(slow.id), { timeout: 5000 }).toEqual([]);

    startWorker();
    await expect
      .poll(async () => db.deployment.findUniqueOrThrow({ where: { id: slow.id } }), { timeout: 40_000, interval: 500 })
      .toMatchObject({ status: "failed", failureReason: "worker lost", failureStage: "build" });
    // The dead worker's lock on the project's queue was released: the next deploy builds.
    await expect.poll(async () => (await db.deployment.findUniqueOrThrow({ where: { id: next.id } })).status, { timeout: 40_000, interval: 500 }).toBe("live");
    // The killed build's workspace (a tmpfs mounted by the dead worker) is swept by the live one.
    await expect.poll(async () => ({ dir: existsSync(workspace), mounted: (await mountsBelow(workspace)).length }), { timeout: 20_000, interval: 500 }).toEqual({
      dir: false,
      mounted: 0,
    });
  });
});
