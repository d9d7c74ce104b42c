import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { listDeployments } from "@/lib/deployments/list-deployments";
import { getDeploymentRollout } from "@/lib/rollouts/get-deployment-rollout";
import { resumeRollout } from "@/lib/rollouts/resume-rollout";
import { deployVersion, FAST, productionRoute, projectWithLive, simulateTraffic, tickUntil, type ArmShape } from "@/lib/rollouts/testing/rollout-fixture";
import { stageAlpha, tickRollouts, type TickOutcome } from "@/lib/rollouts/tick-rollouts";
import { testDb } from "@/lib/testing/db";
import { testBuildDeps, testDataDir } from "@/lib/testing/deploy";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);

const GOOD: ArmShape = { errorRate: 0.005, latencyMs: 100 };

// A live v1 and a canary v2 at its first stage, with simulated routers sending
// `rps` requests a second split by the route's weight.
async function canaryUnderTraffic(canaryArm: ArmShape, opts: { settings?: object; rps?: number; traffic?: boolean } = {}) {
  const seeded = await projectWithLive(db, deps, { ...FAST, ...opts.settings });
  const v2 = await deployVersion(seeded.ctx, seeded.project.slug, deps, "v2");
  expect(v2.outcome).toBe("canary");
  const route = await productionRoute(db, seeded.project.id);
  const rollout = await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: v2.id } });
  const traffic =
    opts.traffic === false
      ? { stop: async () => undefined }
      : simulateTraffic(db, { routeId: route.id, canary: () => v2.id, baseline: seeded.v1, rps: opts.rps ?? 2000, canaryArm, baselineArm: GOOD });
  return { ...seeded, v2: v2.id, route, rollout, traffic };
}

const ended = (rolloutId: string) => async () => {
  const r = await db.rollout.findUniqueOrThrow({ where: { id: rolloutId } });
  return r.status !== "running";
};

describe("the rollout controller", () => {
  it("splits the false-rollback budget over the stages", () => {
    expect(stageAlpha(4)).toBe(0.0025);
  });

  it("walks a good canary through every stage and makes it live, the previous one superseded", async () => {
    const { project, ctx, v1, v2, route, rollout, traffic } = await canaryUnderTraffic(GOOD);
    const outcomes = await tickUntil(db, project.id, ended(rollout.id)).finally(traffic.stop);
    expect(outcomes.filter((o) => o.action === "advanced").map((o) => o.detail)).toEqual(["5% → 25%", "25% → 50%", "50% → 100%"]);
    expect(outcomes.filter((o) => o.action === "succeeded")).toHaveLength(1);

    const done = await db.rollout.findUniqueOrThrow({ where: { id: rollout.id }, include: { analyses: { orderBy: { id: "asc" } } } });
    expect(done).toMatchObject({ status: "succeeded", stageIndex: 3, reason: "Passed all 4 stages (5% → 25% → 50% → 100%).", finishedAt: expect.any(Date) });
    expect(done.analyses.map((a) => [a.stageIndex, a.weight, a.verdict])).toEqual([
      [0, 5, "pass"],
      [1, 25, "pass"],
      [2, 50, "pass"],
      [3, 100, "pass"],
    ]);
    for (const a of done.analyses) {
      expect(a.canaryRequests).toBeGreaterThanOrEqual(FAST.minSamples);
      expect(a.baselineRequests).toBeGreaterThanOrEqual(FAST.minSamples);
      expect(a.reason).toMatch(new RegExp(`^passed stage ${a.weight}%: error rate`));
    }
    // At 100% the baseline serves nothing: it is judged against its previous stage's window.
    expect(done.analyses[3].reason).toMatch(/baseline: its previous stage's window/);
    expect(done.analyses[3].baselineRequests).toBe(done.analyses[2].baselineRequests);

    const after = await productionRoute(db, project.id);
    expect(after).toMatchObject({ liveDeploymentId: v2, canaryDeploymentId: null, canaryWeight: 0, version: route.version + 4 });
    const rows = await db.deployment.findMany({ where: { id: { in: [v1, v2] } } });
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({ [v1]: "superseded", [v2]: "live" });
    const events = await db.deploymentEvent.findMany({ where: { deploymentId: v2 }, orderBy: { id: "asc" } });
    expect(events.slice(-2).map((e) => [e.fromStatus, e.toStatus])).toEqual([
      ["uploading", "canary"],
      ["canary", "live"],
    ]);
    expect(await db.auditEvent.count({ where: { targetId: rollout.id, action: "rollout.advance" } })).toBe(3);
    expect(await db.auditEvent.count({ where: { targetId: rollout.id, action: "rollout.succeed" } })).toBe(1);

    const list = await listDeployments({ ctx, input: { slug: project.slug } });
    expect(list.deployments.find((d) => d.id === v2)).toMatchObject({ status: "live", canaryWeight: null });
    const view = await getDeploymentRollout({ ctx, id: v2 });
    expect(view.rollout).toMatchObject({ status: "succeeded", weight: 100 });
    expect(view.rollout!.stageBoundaries.map((b) => [b.stageIndex, b.weight])).toEqual([
      [0, 5],
      [1, 25],
      [2, 50],
      [3, 100],
    ]);
    expect(view.canControl).toBe(false);
    expect(view.series.length).toBeGreaterThan(0);
    expect(view.series.length).toBeLessThanOrEqual(300);
    const totals = view.series.reduce((n, p) => n + p.canary.requests + p.baseline.requests, 0);
    expect(totals).toBeGreaterThan(0);
  });

  it("rolls back a canary with too many errors at the first stage: weight 0, failed, reason in words, numbers kept", async () => {
    const { project, v1, v2, route, rollout, traffic } = await canaryUnderTraffic({ errorRate: 0.2, latencyMs: 100 });
    const outcomes = await tickUntil(db, project.id, ended(rollout.id)).finally(traffic.stop);
    expect(outcomes.filter((o) => o.action === "rolled_back")).toHaveLength(1);

    const done = await db.rollout.findUniqueOrThrow({ where: { id: rollout.id }, include: { analyses: true } });
    expect(done.status).toBe("rolled_back");
    expect(done.stageIndex).toBe(0);
    expect(done.reason).toMatch(/^error rate \d+\.\d% vs baseline \d+\.\d+% at stage 5%$/);
    expect(done.analyses).toHaveLength(1);
    const [a] = done.analyses;
    expect(a).toMatchObject({ verdict: "fail", stageIndex: 0, weight: 5 });
    expect(a.canaryErrors / a.canaryRequests).toBeGreaterThan(0.1);
    expect(a.reason.startsWith(done.reason!)).toBe(true);

    expect(await productionRoute(db, project.id)).toMatchObject({ liveDeploymentId: v1, canaryDeploymentId: null, canaryWeight: 0, version: route.version + 1 });
    const d = await db.deployment.findUniqueOrThrow({ where: { id: v2 } });
    expect(d).toMatchObject({ status: "failed", failureStage: "rollout", failureReason: done.reason });
    expect((await db.deployment.findUniqueOrThrow({ where: { id: v1 } })).status).toBe("live");
    expect(await db.auditEvent.count({ where: { targetId: rollout.id, action: "rollout.rollback" } })).toBe(1);
  });

  it("rolls back a slow canary on P95 latency at the first stage", async () => {
    const { project, v2, rollout, traffic } = await canaryUnderTraffic({ errorRate: 0.005, latencyMs: 300 });
    await tickUntil(db, project.id, ended(rollout.id)).finally(traffic.stop);
    const done = await db.rollout.findUniqueOrThrow({ where: { id: rollout.id }, include: { analyses: true } });
    expect(done).toMatchObject({ status: "rolled_back", stageIndex: 0 });
    expect(done.reason).toMatch(/^P95 latency \d+ ms vs baseline \d+ ms \(limit 1\.5× and \+25 ms\) at stage 5%$/);
    expect(done.analyses[0].canaryP95Ms! / done.analyses[0].baselineP95Ms!).toBeGreaterThan(2);
    expect((await db.deployment.findUniqueOrThrow({ where: { id: v2 } })).status).toBe("failed");
  });

  it("holds a stage with too little traffic for maxInconclusiveWindows windows, then pauses for a person; never rolls back or advances", async () => {
    const { project, ctx, v2, rollout, traffic } = await canaryUnderTraffic(GOOD, { traffic: false });
    const outcomes = await tickUntil(db, project.id, ended(rollout.id));
    await traffic.stop();
    expect(outcomes.filter((o) => o.action === "extended").map((o) => o.detail)).toEqual(["window 1 of 2"]);
    expect(outcomes.filter((o) => o.action === "paused")).toHaveLength(1);
    const done = await db.rollout.findUniqueOrThrow({ where: { id: rollout.id }, include: { analyses: { orderBy: { id: "asc" } } } });
    expect(done).toMatchObject({ status: "paused", stageIndex: 0 });
    expect(done.reason).toMatch(/^not enough traffic to judge stage 1 \(5%\) after 2 observation windows .*; waiting for a person$/);
    expect(done.analyses.map((a) => a.verdict)).toEqual(["inconclusive", "inconclusive"]);
    // The second window ends a window later than the first, from the same start.
    expect(done.analyses[1].windowStart).toEqual(done.analyses[0].windowStart);
    expect(done.analyses[1].windowEnd.getTime() - done.analyses[0].windowStart.getTime()).toBeGreaterThanOrEqual(2000);
    expect(await productionRoute(db, project.id)).toMatchObject({ canaryDeploymentId: v2, canaryWeight: 5 });
    expect((await db.deployment.findUniqueOrThrow({ where: { id: v2 } })).status).toBe("canary");

    // Paused rollouts are not ticked.
    expect(await tickRollouts(db, { projectIds: [project.id] })).toEqual([]);
    // Resumed, the stage is observed afresh.
    const resumed = await resumeRollout({ ctx, id: rollout.id });
    expect(resumed.rollout).toMatchObject({ status: "running", stageIndex: 0, reason: null });
    expect(Date.parse(resumed.rollout.stageStartedAt)).toBeGreaterThan(done.analyses[1].windowEnd.getTime() - 1);
    const first = await tickRollouts(db, { projectIds: [project.id] });
    expect(first.map((o) => o.action)).toEqual(["watching"]);
  });

  it("with two controllers ticking at once, acts on each stage exactly once", async () => {
    const { project, v2, route, rollout, traffic } = await canaryUnderTraffic(GOOD);
    const all: TickOutcome[] = [];
    const worker = async () => {
      while ((await db.rollout.findUniqueOrThrow({ where: { id: rollout.id } })).status === "running") {
        all.push(...(await tickRollouts(db, { projectIds: [project.id] })));
      }
    };
    const deadline = setTimeout(() => void db.rollout.update({ where: { id: rollout.id }, data: { status: "aborted" } }), 30_000);
    await Promise.all([worker(), worker(), worker()]).finally(() => {
      clearTimeout(deadline);
      return traffic.stop();
    });
    expect(all.filter((o) => o.action === "error")).toEqual([]);
    expect(all.filter((o) => o.action === "advanced")).toHaveLength(3);
    expect(all.filter((o) => o.action === "succeeded")).toHaveLength(1);
    // Several ticks were skipped because another held the row, or found it already moved on.
    expect(all.filter((o) => o.action === "skipped" || o.action === "watching").length).toBeGreaterThan(0);
    const analyses = await db.rolloutAnalysis.findMany({ where: { rolloutId: rollout.id }, orderBy: { id: "asc" } });
    expect(analyses.map((a) => [a.stageIndex, a.verdict])).toEqual([
      [0, "pass"],
      [1, "pass"],
      [2, "pass"],
      [3, "pass"],
    ]);
    const events = await db.deploymentEvent.findMany({ where: { deploymentId: v2 }, orderBy: { id: "asc" } });
    expect(events.filter((e) => e.toStatus === "live")).toHaveLength(1);
    expect((await productionRoute(db, project.id)).version).toBe(route.version + 4);
  });

  it("leaves a rollout where it was when a tick dies mid-way, and the next tick resumes it at the same stage", async () => {
    const { project, rollout, route, traffic } = await canaryUnderTraffic(GOOD);
    try {
      // Ticks that get as far as a verdict die before committing: nothing they wrote stays.
      let killed = 0;
      const dying = { projectIds: [project.id], beforeCommit: (o: TickOutcome) => {
        if (o.action !== "watching") {
          killed++;
          throw new Error("worker killed");
        }
      } };
      const deadline = Date.now() + 15_000;
      while (killed < 3 && Date.now() < deadline) {
        const outcomes = await tickRollouts(db, dying);
        expect(outcomes.every((o) => o.action === "watching" || (o.action === "error" && o.detail === "worker killed"))).toBe(true);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(killed).toBe(3);
      const same = await db.rollout.findUniqueOrThrow({ where: { id: rollout.id } });
      expect(same).toMatchObject({ status: "running", stageIndex: 0, stageStartedAt: rollout.stageStartedAt });
      expect(await db.rolloutAnalysis.count({ where: { rolloutId: rollout.id } })).toBe(0);
      expect(await productionRoute(db, project.id)).toMatchObject({ canaryWeight: 5, version: route.version });

      // A worker that died holding the row's lock: others skip the rollout until its connection is gone.
      const dead = new pg.Client({ connectionString: inject("databaseUrl") });
      await dead.connect();
      await dead.query("BEGIN");
      await dead.query("SELECT id FROM rollouts WHERE id = $1 FOR UPDATE", [rollout.id]);
      expect((await tickRollouts(db, { projectIds: [project.id] })).map((o) => o.action)).toEqual(["skipped"]);
      await dead.end();

      // The next tick resumes at stage 1 of 4 and judges it.
      const outcomes = await tickUntil(db, project.id, (o) => o.some((x) => x.action === "advanced"));
      expect(outcomes.find((o) => o.action === "advanced")?.detail).toBe("5% → 25%");
      const analyses = await db.rolloutAnalysis.findMany({ where: { rolloutId: rollout.id } });
      expect(analyses.map((a) => [a.stageIndex, a.verdict])).toEqual([[0, "pass"]]);
      expect(analyses[0].windowStart).toEqual(rollout.stageStartedAt);
    } finally {
      await traffic.stop();
    }
  });
});
