import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/lib/db/client";
import { FAST, simulateTraffic } from "@/lib/rollouts/testing/rollout-fixture";
import { deployDir, makeApp, seedArchiveProject, testDataDir } from "@/lib/testing/deploy";
import { workerProcesses } from "@/lib/testing/worker-processes";

// Real worker processes running the rollout controller on their own database:
// killing the worker mid-rollout and starting another resumes at the same stage.
const dataDir = testDataDir();
const processes = workerProcesses(dataDir);
const startWorker = processes.startWorker;
let db: Db;
beforeAll(() => {
  ({ db } = processes);
});

const app = (version: string) =>
  makeApp({
    "package.json": JSON.stringify({ name: "w", private: true }),
    "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: `mkdir -p dist && echo ${version} > dist/index.html` }),
  });

describe("the rollout controller in worker processes", () => {
  it("resumes a rollout at the same stage after its worker is killed", async () => {
    const first = startWorker();
    const { ctx, project } = await seedArchiveProject(db, { rolloutSettings: { ...FAST, stages: [5, 25, 100], observationWindowSec: 2 } });
    const status = async (id: string) => (await db.deployment.findUniqueOrThrow({ where: { id } })).status;
    const v1 = await deployDir(ctx, project.slug, await app("v1"));
    await expect.poll(() => status(v1.id), { timeout: 60_000, interval: 300 }).toBe("live");
    const v2 = await deployDir(ctx, project.slug, await app("v2"));
    await expect.poll(() => status(v2.id), { timeout: 60_000, interval: 300 }).toBe("canary");
    const route = await db.route.findFirstOrThrow({ where: { projectId: project.id, kind: "production" } });
    const rollout = await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: v2.id } });
    const healthy = { errorRate: 0.005, latencyMs: 80 };
    const traffic = simulateTraffic(db, { routeId: route.id, canary: () => v2.id, baseline: v1.id, rps: 2000, canaryArm: healthy, baselineArm: healthy });
    try {
      const stageOf = async () => (await db.rollout.findUniqueOrThrow({ where: { id: rollout.id } })).stageIndex;
      await expect.poll(stageOf, { timeout: 30_000, interval: 100 }).toBe(1);
      first.child.kill("SIGKILL");
      await new Promise((r) => first.child.once("exit", r));

      // With no worker, nothing moves, however long the window has been over.
      const held = await db.rollout.findUniqueOrThrow({ where: { id: rollout.id } });
      await new Promise((r) => setTimeout(r, 3000));
      expect(await db.rollout.findUniqueOrThrow({ where: { id: rollout.id } })).toMatchObject({ status: "running", stageIndex: 1, stageStartedAt: held.stageStartedAt });

      const second = startWorker();
      await expect
        .poll(async () => (await db.rollout.findUniqueOrThrow({ where: { id: rollout.id } })).status, { timeout: 30_000, interval: 200 })
        .toBe("succeeded");
      const analyses = await db.rolloutAnalysis.findMany({ where: { rolloutId: rollout.id }, orderBy: { id: "asc" } });
      expect(analyses.map((a) => [a.stageIndex, a.verdict])).toEqual([
        [0, "pass"],
        [1, "pass"],
        [2, "pass"],
      ]);
      // The resumed stage was judged from the start it had before the kill.
      expect(analyses[1].windowStart).toEqual(held.stageStartedAt);
      expect([await status(v1.id), await status(v2.id)]).toEqual(["superseded", "live"]);
      expect(second.output.join("")).toMatch(/succeeded/);
    } finally {
      await traffic.stop();
    }
  });
});
