import { beforeAll, describe, expect, inject, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { runBuild } from "@/lib/build/run-build";
import { listBranches } from "@/lib/deployments/list-branches";
import { historyRows, insertHistory } from "@/lib/deployments/testing/history-fixture";
import { branchRouteName } from "@/lib/routes/route-names";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember, seedUser } from "@/lib/testing/seed";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);
const DAY = 24 * 3600 * 1000;

let seeded: Awaited<ReturnType<typeof seedArchiveProject>>;
const ids: Record<string, string> = {};

// Real deploys, built and published: production (main), a preview branch that
// went live and then got a newer deploy still queued, and a branch whose only
// build failed. Plus history rows written directly: a branch last deployed 40
// days ago (inactive) and one as old that a route still serves (active).
beforeAll(async () => {
  seeded = await seedArchiveProject(db);
  const { ctx, project } = seeded;
  const good = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && echo hi > dist/index.html" }) });
  const bad = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "exit 1" }) });

  const old = historyRows({ projectId: project.id, count: 2, authors: { userIds: [seeded.user.id], tokenIds: [] }, now: Date.now() - 40 * DAY });
  old[0] = { ...old[0], branch: "old-stale", environment: "preview", status: "live" };
  old[1] = { ...old[1], branch: "old-served", environment: "preview", status: "live" };
  await insertHistory(db, old);
  await db.route.create({ data: { name: branchRouteName(project.slug, "old-served"), kind: "branch", projectId: project.id, branch: "old-served", liveDeploymentId: old[1].id } });
  // A route that serves nothing does not make its branch active.
  await db.route.create({ data: { name: branchRouteName(project.slug, "old-stale"), kind: "branch", projectId: project.id, branch: "old-stale" } });
  ids.oldServed = old[1].id;

  const main = await deployDir(ctx, project.slug, good, { message: "release" });
  expect(await runBuild(main.id, deps())).toBe("live");
  ids.main = main.id;
  const login = await deployDir(ctx, project.slug, good, { branch: "feat/login", message: "login form" });
  expect(await runBuild(login.id, deps())).toBe("live");
  ids.loginLive = login.id;
  const failed = await deployDir(ctx, project.slug, bad, { branch: "fix-typo", message: "typo" });
  expect(await runBuild(failed.id, deps())).toBe("failed");
  ids.failed = failed.id;
  ids.loginQueued = (await deployDir(ctx, project.slug, good, { branch: "feat/login", message: "login form, take 2" })).id;
});

describe("listBranches", () => {
  it("lists active branches, production first, then the most recently deployed, each with its latest deployment and URL label", async () => {
    const { ctx, project } = seeded;
    const { branches, productionBranch, truncated } = await listBranches({ ctx, slug: project.slug });
    expect(productionBranch).toBe("main");
    expect(truncated).toBe(false);
    expect(branches.map((b) => b.name)).toEqual(["main", "feat/login", "fix-typo", "old-served"]);
    const [main, login, typo, served] = branches;

    expect(main).toMatchObject({ production: true, routeName: project.slug, latestDeployment: { id: ids.main, status: "live", environment: "production", commitMessage: "release" } });
    // The newest deploy of the branch is still queued; the route keeps serving the one before.
    expect(login).toMatchObject({ production: false, routeName: branchRouteName(project.slug, "feat/login"), latestDeployment: { id: ids.loginQueued, status: "queued", environment: "preview" } });
    expect(login.routeName).toMatch(new RegExp(`^${project.slug}-git-feat-login-[0-9a-f]{6}$`));
    expect(typo).toMatchObject({ production: false, routeName: null, latestDeployment: { id: ids.failed, status: "failed" } });
    expect(served).toMatchObject({ routeName: branchRouteName(project.slug, "old-served"), latestDeployment: { id: ids.oldServed } });

    const row = await db.deployment.findUniqueOrThrow({ where: { id: ids.loginQueued } });
    expect(login.latestDeployment).toMatchObject({ commitSha: row.commitSha, createdAt: row.createdAt, author: { name: "Test User" }, createdByKind: "user" });
    expect(login.latestDeployment).not.toHaveProperty("createdById");
  });

  it("follows a change of production branch", async () => {
    const { ctx, project } = seeded;
    await db.project.update({ where: { id: project.id }, data: { productionBranch: "feat/login" } });
    try {
      const { branches } = await listBranches({ ctx, slug: project.slug });
      expect(branches[0]).toMatchObject({ name: "feat/login", production: true, routeName: project.slug });
      expect(branches.find((b) => b.name === "main")?.production).toBe(false);
    } finally {
      await db.project.update({ where: { id: project.id }, data: { productionBranch: "main" } });
    }
  });

  it("is readable by a viewer and not found for anyone outside the team", async () => {
    const { project, team } = seeded;
    const viewer = await seedMember(db, team.id, "viewer");
    expect((await listBranches({ ctx: userCtx(db, viewer.id), slug: project.slug })).branches).toHaveLength(4);
    const stranger = await seedUser(db);
    expect((await appError(listBranches({ ctx: userCtx(db, stranger.id), slug: project.slug }))).code).toBe("not_found");
  });

  it("lists nothing for a project never deployed", async () => {
    const empty = await seedArchiveProject(db);
    expect(await listBranches({ ctx: empty.ctx, slug: empty.project.slug })).toEqual({ productionBranch: "main", branches: [], truncated: false });
  });
});
