import { describe, expect, inject, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { runBuild } from "@/lib/build/run-build";
import { promoteDeployment } from "@/lib/routes/promote-deployment";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember } from "@/lib/testing/seed";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);

async function twoLiveVersions() {
  const seeded = await seedArchiveProject(db);
  const ids: string[] = [];
  for (const v of ["v1", "v2"]) {
    const app = await makeApp({ "package.json": "{}", "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: `mkdir -p dist && echo ${v} > dist/index.html` }) });
    const d = await deployDir(seeded.ctx, seeded.project.slug, app);
    expect(await runBuild(d.id, deps())).toBe("live");
    ids.push(d.id);
  }
  return { ...seeded, v1: ids[0], v2: ids[1] };
}

const state = async (projectId: string, ids: string[]) => {
  const route = await db.route.findFirstOrThrow({ where: { projectId, kind: "production" } });
  const rows = await db.deployment.findMany({ where: { id: { in: ids } } });
  return { live: route.liveDeploymentId, statuses: Object.fromEntries(rows.map((r) => [r.id, r.status])), version: route.version };
};

describe("promoteDeployment", () => {
  it("makes an earlier deployment live again with one write, no rebuild, and back", async () => {
    const { ctx, project, v1, v2 } = await twoLiveVersions();
    const before = await state(project.id, [v1, v2]);
    expect(before.statuses).toEqual({ [v1]: "superseded", [v2]: "live" });

    await promoteDeployment({ ctx, id: v1 });
    const after = await state(project.id, [v1, v2]);
    expect(after).toMatchObject({ live: v1, statuses: { [v1]: "live", [v2]: "superseded" }, version: before.version + 1 });
    expect(await db.deploymentStage.count({ where: { deploymentId: v1 } })).toBe(7);

    await promoteDeployment({ ctx, id: v2 });
    expect(await state(project.id, [v1, v2])).toMatchObject({ live: v2, statuses: { [v1]: "superseded", [v2]: "live" } });
    const audit = await db.auditEvent.findMany({ where: { action: "deployment.promote", data: { path: ["route"], equals: project.slug } } });
    expect(audit).toHaveLength(2);
  });

  it("serializes 50 concurrent promotes: exactly one ends live, and the events tell the order", async () => {
    const { ctx, project, v1, v2 } = await twoLiveVersions();
    const calls = Array.from({ length: 50 }, (_, i) => promoteDeployment({ ctx, id: i % 2 ? v1 : v2 }));
    await Promise.all(calls);
    const end = await state(project.id, [v1, v2]);
    const live = end.live!;
    const other = live === v1 ? v2 : v1;
    expect(end.statuses).toEqual({ [live]: "live", [other]: "superseded" });
    // Replaying the op log of both deployments in id order ends where the database is.
    const events = await db.deploymentEvent.findMany({ where: { deploymentId: { in: [v1, v2] } }, orderBy: { id: "asc" } });
    const replay: Record<string, string> = {};
    for (const e of events) {
      if (e.fromStatus) expect(replay[e.deploymentId]).toBe(e.fromStatus);
      replay[e.deploymentId] = e.toStatus;
    }
    expect(replay).toEqual(end.statuses);
  });

  it("refuses viewers, failed or unfinished deployments, and hides other teams' deployments", async () => {
    const { ctx, team, project, v1 } = await twoLiveVersions();
    const viewer = await seedMember(db, team.id, "viewer");
    expect((await appError(promoteDeployment({ ctx: userCtx(db, viewer.id), id: v1 }))).code).toBe("forbidden");
    const queued = await deployDir(ctx, project.slug, await makeApp({ "index.html": "x" }));
    expect((await appError(promoteDeployment({ ctx, id: queued.id }))).code).toBe("conflict");
    const other = await seedArchiveProject(db);
    expect((await appError(promoteDeployment({ ctx: other.ctx, id: v1 }))).code).toBe("not_found");
  });
});
