import { describe, expect, inject, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { runBuild } from "@/lib/build/run-build";
import { getDeployment } from "@/lib/deployments/get-deployment";
import { listDeployments } from "@/lib/deployments/list-deployments";
import { updateProjectSettings } from "@/lib/projects/update-project-settings";
import { getDeploymentRollout } from "@/lib/rollouts/get-deployment-rollout";
import { DEFAULT_ROLLOUT } from "@/lib/rollouts/rollout-settings";
import { deployVersion, productionRoute, projectWithLive } from "@/lib/rollouts/testing/rollout-fixture";
import { promoteDeployment } from "@/lib/routes/promote-deployment";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember } from "@/lib/testing/seed";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);

const statuses = async (ids: string[]) =>
  Object.fromEntries((await db.deployment.findMany({ where: { id: { in: ids } } })).map((d) => [d.id, d.status]));

describe("publish with canary rollouts", () => {
  it("puts the first deployment live directly, and the second on the route as a 5% canary with a rollout", async () => {
    const { ctx, project, v1 } = await projectWithLive(db, deps, null);
    const before = await productionRoute(db, project.id);
    expect(before).toMatchObject({ liveDeploymentId: v1, canaryDeploymentId: null, canaryWeight: 0 });
    expect(await db.rollout.count({ where: { projectId: project.id } })).toBe(0);

    const v2 = await deployVersion(ctx, project.slug, deps, "v2");
    expect(v2.outcome).toBe("canary");
    const route = await productionRoute(db, project.id);
    expect(route).toMatchObject({ liveDeploymentId: v1, canaryDeploymentId: v2.id, canaryWeight: 5, version: before.version + 1 });
    expect(await statuses([v1, v2.id])).toEqual({ [v1]: "live", [v2.id]: "canary" });

    const rollout = await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: v2.id } });
    expect(rollout).toMatchObject({ routeId: route.id, baselineDeploymentId: v1, status: "running", stages: [5, 25, 50, 100], stageIndex: 0 });
    expect(rollout.settings).toEqual({ ...DEFAULT_ROLLOUT, from: "default" });

    const row = await db.deployment.findUniqueOrThrow({ where: { id: v2.id }, include: { events: { orderBy: { id: "asc" } }, stages: true } });
    expect(row.events.map((e) => e.toStatus)).toEqual(["queued", "building", "built", "uploading", "canary"]);
    expect(row.events.at(-1)?.reason).toBe(`Canary at 5% of traffic (stage 1 of 4 (5%)) against ${v1}.`);
    expect(row.readyAt).not.toBeNull();
    expect(row.finishedAt).toBeNull();
    expect(row.stages.find((s) => s.name === "publish")).toMatchObject({ status: "succeeded", detail: "canary 5%" });
    expect(row.buildSettings).toMatchObject({ canary: DEFAULT_ROLLOUT, from: { canary: "default" } });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "deployment.publish", targetId: route.id }, orderBy: { id: "desc" } });
    expect(audit.data).toMatchObject({ canary: v2.id, weight: 5, live: v1, rollout: rollout.id, settingsFrom: "default" });

    // The list says "canary 5%"; the live one has no weight.
    const list = await listDeployments({ ctx, input: { slug: project.slug } });
    expect(list.deployments.map((d) => [d.id, d.status, d.canaryWeight])).toEqual([
      [v2.id, "canary", 5],
      [v1, "live", null],
    ]);
    expect((await getDeployment({ ctx, id: v2.id })).deployment.canaryWeight).toBe(5);
    const view = await getDeploymentRollout({ ctx, id: v2.id });
    expect(view.rollout).toMatchObject({ id: rollout.id, status: "running", weight: 5, settingsFrom: "default", analyses: [], stageBoundaries: [{ stageIndex: 0, weight: 5 }] });
    expect(view.canControl).toBe(true);
    expect(await getDeploymentRollout({ ctx, id: v1 })).toEqual({ rollout: null, series: [], canControl: false });
  });

  it("uses slipway.json's canary over the project's, records where it came from, and skips when told", async () => {
    const { ctx, project, v1 } = await projectWithLive(db, deps, { stages: [50, 100] });
    const fromFile = await deployVersion(ctx, project.slug, deps, "v2", { canary: { stages: [10, 100], observationWindowSec: 60 } });
    expect(fromFile.outcome).toBe("canary");
    const rollout = await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: fromFile.id } });
    expect(rollout.stages).toEqual([10, 100]);
    expect(rollout.settings).toMatchObject({ observationWindowSec: 60, minSamples: DEFAULT_ROLLOUT.minSamples, from: "slipway.json" });
    expect((await productionRoute(db, project.id)).canaryWeight).toBe(10);

    // "skip" goes live at once, and cancels the rollout still going.
    const skipped = await deployVersion(ctx, project.slug, deps, "v3", { canary: "skip" });
    expect(skipped.outcome).toBe("live");
    expect(await statuses([v1, fromFile.id, skipped.id])).toEqual({ [v1]: "superseded", [fromFile.id]: "canceled", [skipped.id]: "live" });
    expect(await productionRoute(db, project.id)).toMatchObject({ liveDeploymentId: skipped.id, canaryDeploymentId: null, canaryWeight: 0 });
    expect(await db.rollout.findUniqueOrThrow({ where: { id: rollout.id } })).toMatchObject({ status: "aborted", reason: `Replaced by a newer deployment ${skipped.id}.` });

    // The project's own setting applies when the file says nothing.
    const fromProject = await deployVersion(ctx, project.slug, deps, "v4");
    const second = await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: fromProject.id } });
    expect(second).toMatchObject({ stages: [50, 100], baselineDeploymentId: skipped.id });
    expect(second.settings).toMatchObject({ from: "project" });
  });

  it("fails the build with a message naming the field when slipway.json's canary is invalid", async () => {
    const { ctx, project, v1 } = await projectWithLive(db, deps);
    const bad = await deployVersion(ctx, project.slug, deps, "bad", { canary: { stages: [5, 50, 25, 100] } });
    expect(bad.outcome).toBe("failed");
    const row = await db.deployment.findUniqueOrThrow({ where: { id: bad.id } });
    expect(row.failureReason).toBe("slipway.json: canary.stages must increase strictly (50 is followed by 25).");
    const unknown = await deployVersion(ctx, project.slug, deps, "bad2", { canary: { stages: [5, 100], autoRollback: { errorRateThreshold: -0.1 } } });
    expect((await db.deployment.findUniqueOrThrow({ where: { id: unknown.id } })).failureReason).toMatch(
      /^slipway\.json: canary\.autoRollback\.errorRateThreshold must be positive/,
    );
    expect(await productionRoute(db, project.id)).toMatchObject({ liveDeploymentId: v1, canaryDeploymentId: null });
  });

  it("lets admins set the project's rollout settings, validated, and refuses developers", async () => {
    const { ctx, team, project } = await seedArchiveProject(db, { rolloutSettings: null });
    const saved = await updateProjectSettings({ ctx, slug: project.slug, input: { rolloutSettings: { stages: [20, 100], observationWindowSec: 120 } } });
    expect(saved.project.rolloutSettings).toEqual({ ...DEFAULT_ROLLOUT, stages: [20, 100], observationWindowSec: 120 });
    const bad = await appError(updateProjectSettings({ ctx, slug: project.slug, input: { rolloutSettings: { stages: [20, 80] } } }));
    expect(bad.code).toBe("invalid");
    expect(bad.message).toBe("rolloutSettings.stages: must end at 100 (the last stage is 80)");
    expect(bad.details?.fields).toEqual({ "rolloutSettings.stages": "must end at 100 (the last stage is 80)" });
    const threshold = await appError(updateProjectSettings({ ctx, slug: project.slug, input: { rolloutSettings: { autoRollback: { latencyP95Threshold: 0 } } } }));
    expect(threshold.message).toMatch(/^rolloutSettings\.autoRollback\.latencyP95Threshold: must be positive/);
    const developer = await seedMember(db, team.id, "developer");
    expect((await appError(updateProjectSettings({ ctx: userCtx(db, developer.id), slug: project.slug, input: { rolloutSettings: "skip" } }))).code).toBe("forbidden");
    expect((await db.project.findUniqueOrThrow({ where: { id: project.id } })).rolloutSettings).toMatchObject({ stages: [20, 100] });

    expect((await updateProjectSettings({ ctx, slug: project.slug, input: { rolloutSettings: "skip" } })).project.rolloutSettings).toBe("skip");
    expect((await updateProjectSettings({ ctx, slug: project.slug, input: { rolloutSettings: null } })).project.rolloutSettings).toBeNull();
    const audit = await db.auditEvent.findMany({ where: { action: "project.update", targetId: project.id }, orderBy: { id: "asc" } });
    expect(audit.map((a) => (a.data as { rolloutSettings?: unknown }).rolloutSettings)).toEqual([
      { ...DEFAULT_ROLLOUT, stages: [20, 100], observationWindowSec: 120 },
      "skip",
      null,
    ]);
  });

  it("aborts the rollout in progress when a newer deployment arrives, and starts the new one against the live", async () => {
    const { ctx, project, v1 } = await projectWithLive(db, deps);
    const v2 = await deployVersion(ctx, project.slug, deps, "v2");
    const first = await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: v2.id } });
    const v3 = await deployVersion(ctx, project.slug, deps, "v3");
    expect(v3.outcome).toBe("canary");

    expect(await statuses([v1, v2.id, v3.id])).toEqual({ [v1]: "live", [v2.id]: "canceled", [v3.id]: "canary" });
    const reason = `Replaced by a newer deployment ${v3.id}.`;
    expect(await db.rollout.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ status: "aborted", reason, finishedAt: expect.any(Date) });
    expect(await db.deployment.findUniqueOrThrow({ where: { id: v2.id } })).toMatchObject({ failureStage: "rollout", failureReason: reason });
    const second = await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: v3.id } });
    expect(second).toMatchObject({ status: "running", baselineDeploymentId: v1, stageIndex: 0 });
    expect(await productionRoute(db, project.id)).toMatchObject({ liveDeploymentId: v1, canaryDeploymentId: v3.id, canaryWeight: 5 });
    expect(await db.rollout.count({ where: { projectId: project.id, status: { in: ["running", "paused"] } } })).toBe(1);
    const events = await db.deploymentEvent.findMany({ where: { deploymentId: v2.id }, orderBy: { id: "asc" } });
    expect(events.at(-1)).toMatchObject({ fromStatus: "canary", toStatus: "canceled", reason });
  });

  it("aborts the rollout when another deployment is promoted, and promoting the canary itself promotes it now", async () => {
    const { ctx, project, v1 } = await projectWithLive(db, deps);
    const v2 = await deployVersion(ctx, project.slug, deps, "v2", { canary: "skip" });
    const v3 = await deployVersion(ctx, project.slug, deps, "v3");
    const rollout = await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: v3.id } });
    const before = await productionRoute(db, project.id);

    await promoteDeployment({ ctx, id: v1 });
    const after = await productionRoute(db, project.id);
    // One route write: live pointer and canary slot together.
    expect(after).toMatchObject({ liveDeploymentId: v1, canaryDeploymentId: null, canaryWeight: 0, version: before.version + 1 });
    expect(await statuses([v1, v2.id, v3.id])).toEqual({ [v1]: "live", [v2.id]: "superseded", [v3.id]: "canceled" });
    expect(await db.rollout.findUniqueOrThrow({ where: { id: rollout.id } })).toMatchObject({ status: "aborted", reason: `Replaced by promoting ${v1}.` });

    const v4 = await deployVersion(ctx, project.slug, deps, "v4");
    const r4 = await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: v4.id } });
    await promoteDeployment({ ctx, id: v4.id });
    expect(await statuses([v1, v4.id])).toEqual({ [v1]: "superseded", [v4.id]: "live" });
    expect(await productionRoute(db, project.id)).toMatchObject({ liveDeploymentId: v4.id, canaryDeploymentId: null, canaryWeight: 0 });
    expect((await db.rollout.findUniqueOrThrow({ where: { id: r4.id } })).reason).toMatch(/^Promoted by Test User at stage 1 of 4 \(5%\)\.$/);
  });

  it("never splits preview branches: a branch's latest deployment goes live at once", async () => {
    const { ctx, project } = await projectWithLive(db, deps);
    const runDeploy = async (v: string) => {
      const app = await makeApp({ "package.json": "{}", "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: `mkdir -p dist && echo ${v} > dist/index.html` }) });
      const d = await deployDir(ctx, project.slug, app, { environment: "preview", branch: "feature" });
      return runBuild(d.id, deps());
    };
    expect(await runDeploy("p1")).toBe("live");
    expect(await runDeploy("p2")).toBe("live");
    expect(await db.rollout.count({ where: { projectId: project.id } })).toBe(0);
  });
});
