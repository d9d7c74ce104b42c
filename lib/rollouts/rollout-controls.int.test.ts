import { describe, expect, inject, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { abortRollout } from "@/lib/rollouts/abort-rollout";
import { getDeploymentRollout } from "@/lib/rollouts/get-deployment-rollout";
import { pauseRollout } from "@/lib/rollouts/pause-rollout";
import { promoteRollout } from "@/lib/rollouts/promote-rollout";
import { resumeRollout } from "@/lib/rollouts/resume-rollout";
import { deployVersion, FAST, productionRoute, projectWithLive, writeBucket } from "@/lib/rollouts/testing/rollout-fixture";
import { tickRollouts } from "@/lib/rollouts/tick-rollouts";
import { testDb } from "@/lib/testing/db";
import { seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember } from "@/lib/testing/seed";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);

// Long windows: nothing moves unless a person does it.
async function runningRollout() {
  const seeded = await projectWithLive(db, deps, { ...FAST, observationWindowSec: 3600 });
  const v2 = await deployVersion(seeded.ctx, seeded.project.slug, deps, "v2");
  const rollout = await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: v2.id } });
  return { ...seeded, v2: v2.id, rollout };
}

const statusOf = async (id: string) => (await db.deployment.findUniqueOrThrow({ where: { id } })).status;

describe("manual rollout controls", () => {
  it("pauses and resumes a rollout, holding the canary's weight meanwhile", async () => {
    const { team, project, v2, rollout } = await runningRollout();
    const developer = await seedMember(db, team.id, "developer");
    const dev = userCtx(db, developer.id);

    const paused = await pauseRollout({ ctx: dev, id: rollout.id });
    expect(paused.rollout).toMatchObject({ id: rollout.id, status: "paused", weight: 5, reason: "Paused by Test User at stage 1 of 4 (5%)." });
    expect(await productionRoute(db, project.id)).toMatchObject({ canaryDeploymentId: v2, canaryWeight: 5 });
    expect(await tickRollouts(db, { projectIds: [project.id] })).toEqual([]);
    const again = await appError(pauseRollout({ ctx: dev, id: rollout.id }));
    expect(again).toMatchObject({ code: "conflict", message: "This rollout is paused; only a running rollout can be paused." });

    const resumed = await resumeRollout({ ctx: dev, id: rollout.id });
    expect(resumed.rollout).toMatchObject({ status: "running", reason: null, stageIndex: 0 });
    expect(Date.parse(resumed.rollout.stageStartedAt)).toBeGreaterThan(rollout.stageStartedAt.getTime());
    expect((await appError(resumeRollout({ ctx: dev, id: rollout.id }))).code).toBe("conflict");
    const audit = await db.auditEvent.findMany({ where: { targetId: rollout.id }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([
      ["rollout.pause", developer.id],
      ["rollout.resume", developer.id],
    ]);
  });

  it("aborts a rollout: the canary leaves the route in one write and is canceled, with who did it", async () => {
    const { ctx, project, v1, v2, rollout } = await runningRollout();
    const before = await productionRoute(db, project.id);
    const aborted = await abortRollout({ ctx, id: rollout.id });
    expect(aborted.rollout).toMatchObject({ status: "aborted", weight: 0, reason: "Aborted by Test User at stage 1 of 4 (5%).", finishedAt: expect.any(String) });
    expect(await productionRoute(db, project.id)).toMatchObject({ liveDeploymentId: v1, canaryDeploymentId: null, canaryWeight: 0, version: before.version + 1 });
    expect(await db.deployment.findUniqueOrThrow({ where: { id: v2 } })).toMatchObject({
      status: "canceled",
      failureStage: "rollout",
      failureReason: "Aborted by Test User at stage 1 of 4 (5%).",
    });
    expect(await statusOf(v1)).toBe("live");
    expect((await appError(abortRollout({ ctx, id: rollout.id }))).message).toBe("This rollout is aborted; only a running or paused rollout can be aborted.");
    expect((await appError(promoteRollout({ ctx, id: rollout.id }))).code).toBe("conflict");
    expect(await db.auditEvent.count({ where: { targetId: rollout.id, action: "rollout.abort" } })).toBe(1);
  });

  it("promotes now: skips the remaining stages, the canary goes live and the previous one is superseded", async () => {
    const { ctx, project, v1, v2, rollout } = await runningRollout();
    await pauseRollout({ ctx, id: rollout.id });
    const promoted = await promoteRollout({ ctx, id: rollout.id });
    expect(promoted.rollout).toMatchObject({ status: "succeeded", weight: 100, reason: "Promoted by Test User at stage 1 of 4 (5%)." });
    expect(await productionRoute(db, project.id)).toMatchObject({ liveDeploymentId: v2, canaryDeploymentId: null, canaryWeight: 0 });
    expect([await statusOf(v1), await statusOf(v2)]).toEqual(["superseded", "live"]);
    expect((await getDeploymentRollout({ ctx, id: v2 })).canControl).toBe(false);
  });

  it("serializes concurrent controls and controller ticks: exactly one abort or promote wins", async () => {
    for (let round = 0; round < 3; round++) {
      const { ctx, project, v1, v2, rollout } = await runningRollout();
      const results = await Promise.allSettled([
        abortRollout({ ctx, id: rollout.id }),
        promoteRollout({ ctx, id: rollout.id }),
        pauseRollout({ ctx, id: rollout.id }),
        tickRollouts(db, { projectIds: [project.id] }),
        abortRollout({ ctx, id: rollout.id }),
      ]);
      const controls = [results[0], results[1], results[4]];
      const won = controls.filter((r) => r.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const r of controls.filter((r) => r.status === "rejected")) expect((r as PromiseRejectedResult).reason.code).toBe("conflict");
      const final = await db.rollout.findUniqueOrThrow({ where: { id: rollout.id } });
      const route = await productionRoute(db, project.id);
      expect(route.canaryDeploymentId).toBeNull();
      if (final.status === "succeeded") {
        expect(route.liveDeploymentId).toBe(v2);
        expect([await statusOf(v1), await statusOf(v2)]).toEqual(["superseded", "live"]);
      } else {
        expect(final.status).toBe("aborted");
        expect(route.liveDeploymentId).toBe(v1);
        expect([await statusOf(v1), await statusOf(v2)]).toEqual(["live", "canceled"]);
      }
      // The op log replays to the final statuses.
      const events = await db.deploymentEvent.findMany({ where: { deploymentId: v2 }, orderBy: { id: "asc" } });
      expect(events.filter((e) => e.fromStatus === "canary")).toHaveLength(1);
    }
  });

  it("refuses viewers, hides rollouts from other teams, and lets viewers read", async () => {
    const { team, v2, rollout } = await runningRollout();
    const viewer = userCtx(db, (await seedMember(db, team.id, "viewer")).id);
    for (const verb of [pauseRollout, resumeRollout, abortRollout, promoteRollout]) {
      const refused = await appError(verb({ ctx: viewer, id: rollout.id }));
      expect(refused.code).toBe("forbidden");
      expect(refused.message).toMatch(/viewer/);
    }
    const read = await getDeploymentRollout({ ctx: viewer, id: v2 });
    expect(read.rollout?.id).toBe(rollout.id);
    expect(read.canControl).toBe(false);

    const other = await seedArchiveProject(db);
    expect((await appError(abortRollout({ ctx: other.ctx, id: rollout.id }))).code).toBe("not_found");
    expect((await appError(abortRollout({ ctx: other.ctx, id: "not-a-uuid" }))).code).toBe("not_found");
    expect((await appError(getDeploymentRollout({ ctx: other.ctx, id: v2 }))).code).toBe("not_found");
    expect((await db.rollout.findUniqueOrThrow({ where: { id: rollout.id } })).status).toBe("running");
  });

  it("serves the charts' series: canary vs baseline per step, from the rollout's start, limited by since", async () => {
    const { ctx, v1, v2, rollout } = await runningRollout();
    const t0 = rollout.startedAt.getTime();
    const at = (ms: number) => new Date(Math.ceil((t0 + ms) / 1000) * 1000);
    await writeBucket(db, v2, { requests: 10, errors: 5, latencies: Array(10).fill(200), at: at(0) });
    await writeBucket(db, v1, { requests: 190, errors: 1, latencies: Array(190).fill(100), at: at(0) });
    await writeBucket(db, v2, { requests: 20, errors: 0, latencies: Array(20).fill(50), at: at(1000) });
    await new Promise((r) => setTimeout(r, Math.max(0, at(2000).getTime() - Date.now() + 50)));

    const { series, stepSec } = await getDeploymentRollout({ ctx, id: v2 });
    expect(stepSec).toBe(1);
    const first = series.find((p) => p.t === at(0).toISOString())!;
    expect(first.canary).toMatchObject({ requests: 10, errors: 5, errorRate: 0.5 });
    expect(first.canary.p95Ms).toBeCloseTo(200, -1);
    expect(first.baseline).toMatchObject({ requests: 190, errors: 1 });
    const second = series.find((p) => p.t === at(1000).toISOString())!;
    expect(second).toMatchObject({ canary: { requests: 20, errors: 0, errorRate: 0 }, baseline: { requests: 0, errorRate: null, p95Ms: null } });

    const later = await getDeploymentRollout({ ctx, id: v2, input: { since: at(1000).toISOString() } });
    expect(later.series[0].t).toBe(at(1000).toISOString());
    expect(later.series.find((p) => p.t === at(0).toISOString())).toBeUndefined();
    expect((await appError(getDeploymentRollout({ ctx, id: v2, input: { since: "yesterday" } }))).code).toBe("invalid");
  });
});
