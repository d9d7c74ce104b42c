import { describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import type { Ctx } from "@/lib/auth/ctx";
import { readWindow } from "@/lib/metrics/read-window";
import { startTestRouter, until } from "@/lib/router/testing";
import { productionRoute, tickUntil } from "@/lib/rollouts/testing/rollout-fixture";
import { claimSyntheticChecks, runSyntheticChecks, type CheckResult } from "@/lib/rollouts/send-synthetic-checks";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);

// Short windows; one inconclusive window pauses, so a rollout that got no
// requests would stop instead of passing.
const settings = (synthetic: typeof CHECKS | null) => ({
  stages: [50, 100],
  observationWindowSec: 5,
  minSamples: 20,
  maxInconclusiveWindows: 1,
  ...(synthetic ? { synthetic } : {}),
});
const CHECKS = { paths: ["/", "/api/health"], requestsPerSec: 20 };

async function deployVersion(ctx: Ctx, slug: string, version: string, health: "ok" | "down") {
  const app = await makeApp({
    "package.json": "{}",
    "src/index.html": `<h1>${version}</h1>`,
    "src/api/health.js":
      health === "ok" ? `export default () => new Response("ok ${version}");\n` : `export default () => new Response("down", { status: 503 });\n`,
    "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "rm -rf dist && cp -r src dist" }),
  });
  const d = await deployDir(ctx, slug, app);
  return { id: d.id, outcome: await runBuild(d.id, deps()) };
}

// v1 live, v2 in a rollout that only synthetic checks will ever reach.
async function idleCanary(v2Health: "ok" | "down", synthetic: typeof CHECKS | null = CHECKS) {
  const seeded = await seedArchiveProject(db, { rolloutSettings: settings(synthetic) });
  const v1 = await deployVersion(seeded.ctx, seeded.project.slug, "v1", "ok");
  expect(v1.outcome).toBe("live");
  const v2 = await deployVersion(seeded.ctx, seeded.project.slug, "v2", v2Health);
  expect(v2.outcome).toBe("canary");
  return { ...seeded, v1: v1.id, v2: v2.id };
}

// The worker's two loops, for one project: synthetic checks every second and the controller's ticks.
async function runRollout(projectId: string, routerPort: number, done: Parameters<typeof tickUntil>[2]) {
  const results: CheckResult[] = [];
  const sending: Promise<unknown>[] = [];
  let running = true;
  const checker = (async () => {
    while (running) {
      const { sent } = await runSyntheticChecks(db, { routerUrl: `http://127.0.0.1:${routerPort}`, appsDomain: "localhost" }, { projectIds: [projectId] });
      sending.push(sent.then((r) => results.push(...r.flat())));
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    return { outcomes: await tickUntil(db, projectId, done, 30_000, 200), results };
  } finally {
    running = false;
    await checker;
    await Promise.all(sending);
  }
}

describe("synthetic checks", () => {
  it("give a canary without visitors its verdict: a healthy one walks every stage on checks alone", async () => {
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const { project, v1, v2 } = await idleCanary("ok");
    const started = new Date(Date.now() - 1000);
    const { outcomes, results } = await runRollout(project.id, router.port, (o) => o.some((x) => x.action === "succeeded"));
    expect(outcomes.map((o) => o.action).filter((a) => a !== "watching" && a !== "skipped")).toEqual(["advanced", "succeeded"]);

    // The canary's checks all reached v2; the baseline's reached v1 (and v2
    // once the rollout reached 100%, where v2 serves everyone); every path was
    // checked and every answer was a 200.
    const byArm = (arm: string) => results.filter((r) => r.arm === arm);
    expect(new Set(byArm("canary").map((r) => r.deployment))).toEqual(new Set([v2]));
    expect(byArm("baseline").filter((r) => r.deployment === v1).length).toBeGreaterThanOrEqual(20);
    expect(byArm("baseline").every((r) => r.deployment === v1 || r.deployment === v2)).toBe(true);
    expect(new Set(results.map((r) => r.path))).toEqual(new Set(CHECKS.paths));
    expect(results.every((r) => r.status === 200)).toBe(true);
    // The router measured them (there is no other traffic), up to the moment v2
    // went live and the route stopped being measured (buckets are flushed once a second).
    const to = new Date(Date.now() + 1000);
    await until(async () => (await readWindow(db, v2, started, to)).requests >= 20, 5000, 100);
    const window = await readWindow(db, v2, started, to);
    expect(window.requests).toBeGreaterThanOrEqual(20);
    expect(window.requests).toBeLessThanOrEqual(results.filter((r) => r.deployment === v2).length);

    const route = await productionRoute(db, project.id);
    expect(route).toMatchObject({ liveDeploymentId: v2, canaryDeploymentId: null });
  });

  it("roll back a canary whose checked path fails, with no visitor traffic at all", async () => {
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const { project, v1, v2 } = await idleCanary("down");
    const { outcomes, results } = await runRollout(project.id, router.port, (o) => o.some((x) => x.action === "rolled_back"));
    const rolledBack = outcomes.find((o) => o.action === "rolled_back")!;
    expect(rolledBack.detail).toMatch(/^error rate \d+(\.\d+)?% vs baseline 0(\.0)?% at stage 50%/);
    expect(results.some((r) => r.arm === "canary" && r.path === "/api/health" && r.status === 503)).toBe(true);
    expect(results.filter((r) => r.arm === "baseline").every((r) => r.status === 200)).toBe(true);

    const [route, deployment] = await Promise.all([productionRoute(db, project.id), db.deployment.findUniqueOrThrow({ where: { id: v2 } })]);
    expect(route).toMatchObject({ liveDeploymentId: v1, canaryDeploymentId: null, canaryWeight: 0 });
    expect(deployment.status).toBe("failed");
  });

  it("are claimed by one worker per second, only for running rollouts that ask for them", async () => {
    const withChecks = await idleCanary("ok");
    const without = await idleCanary("ok", null);
    const projectIds = [withChecks.project.id, without.project.id];
    const now = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);

    const claims = await Promise.all(Array.from({ length: 6 }, () => claimSyntheticChecks(db, "localhost", { now, projectIds })));
    const claimed = claims.flat();
    expect(claimed).toHaveLength(1);
    expect(claimed[0]).toMatchObject({ host: `${withChecks.project.slug}.localhost`, canaryCohort: 0, baselineCohort: 9999, checks: CHECKS });
    // The same second again: nothing; the next second: claimed again.
    expect(await claimSyntheticChecks(db, "localhost", { now, projectIds })).toEqual([]);
    expect(await claimSyntheticChecks(db, "localhost", { now: new Date(now.getTime() + 1000), projectIds })).toHaveLength(1);

    // At 100% there is no baseline traffic to check; a paused rollout gets none.
    await db.rollout.updateMany({ where: { projectId: withChecks.project.id }, data: { stageIndex: 1 } });
    const [full] = await claimSyntheticChecks(db, "localhost", { now: new Date(now.getTime() + 2000), projectIds });
    expect(full.baselineCohort).toBeNull();
    await db.rollout.updateMany({ where: { projectId: withChecks.project.id }, data: { status: "paused" } });
    expect(await claimSyntheticChecks(db, "localhost", { now: new Date(now.getTime() + 3000), projectIds })).toEqual([]);
  });
});
