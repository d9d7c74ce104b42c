import { describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { productionRoute, tickUntil } from "@/lib/rollouts/testing/rollout-fixture";
import { startTestRouter } from "@/lib/router/testing";
import { type LoadWindow, startLoad } from "@/lib/testing/load-gen";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";

// The canary on real traffic: the real router, real (sandboxed) function
// hosts, requests at a steady rate, the real controller. Identical code whose
// module takes 1.5 s to load (as a framework's might) must go live: the new
// host's warm-up is left out of the latency comparison (issue 16: before,
// such a canary was rolled back at its first stage, P95 ~1.5 s vs ~5 ms).

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);

const SETTINGS = { stages: [20, 50, 100], observationWindowSec: 4, minSamples: 40, maxInconclusiveWindows: 2 };

const fn = (version: string) => `const until = Date.now() + 1500; while (Date.now() < until) {}
export default () => new Response(${JSON.stringify(version)});`;

async function deploy(ctx: Parameters<typeof deployDir>[0], slug: string, version: string) {
  const app = await makeApp({
    "src/hello.js": fn(version),
    "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist/api && cp src/hello.js dist/api/hello.js && echo home > dist/index.html" }),
  });
  const d = await deployDir(ctx, slug, app);
  return { id: d.id, outcome: await runBuild(d.id, deps()) };
}

describe("the canary on real traffic", () => {
  it("takes identical function code with a slow module load live through every stage, saying what warm-up it left out", async () => {
    const { ctx, project } = await seedArchiveProject(db, { rolloutSettings: SETTINGS });
    const v1 = await deploy(ctx, project.slug, "v1");
    expect(v1.outcome).toBe("live");
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    // Open loop, no cookies: every request a new visitor, split by the stage's weight.
    const traffic = startLoad({ port: router.port, host: `${project.slug}.localhost`, path: "/api/hello", rate: 100 });
    let seen: LoadWindow | undefined;
    try {
      // The baseline's host has been warm for a while, as a live deployment's is.
      await new Promise((r) => setTimeout(r, 3000));
      const v2 = await deploy(ctx, project.slug, "v2");
      expect(v2.outcome).toBe("canary");
      const rollout = await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: v2.id } });
      await tickUntil(
        db,
        project.id,
        async () => (await db.rollout.findUniqueOrThrow({ where: { id: rollout.id } })).status !== "running",
        60_000,
        250,
      );
      const done = await db.rollout.findUniqueOrThrow({ where: { id: rollout.id }, include: { analyses: { orderBy: { id: "asc" } } } });
      expect({ status: done.status, reason: done.reason }).toEqual({ status: "succeeded", reason: "Passed all 3 stages (20% → 50% → 100%)." });
      expect(done.analyses.filter((a) => a.verdict === "pass").map((a) => a.weight)).toEqual([20, 50, 100]);
      // The first stage saw the new host's warm-up and left it out of latency, saying so.
      const first = done.analyses.find((a) => a.stageIndex === 0 && a.verdict === "pass")!;
      expect(first.notes.join("\n")).toMatch(/latency leaves out [1-9]\d* canary and \d+ baseline requests served while a new host was starting/);
      // The steady-state P95s it compared are alike (no 1.5 s module load in either).
      expect(first.canaryP95Ms!).toBeLessThan(500);
      expect((await productionRoute(db, project.id)).liveDeploymentId).toBe(v2.id);
    } finally {
      seen = await traffic.stop();
    }
    // Every request was answered, none failed.
    expect(seen.skipped).toBe(0);
    expect(seen.statuses).toEqual({ 200: seen.done });
  });
});
