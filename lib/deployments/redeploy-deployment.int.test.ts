import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { runBuild } from "@/lib/build/run-build";
import { createDeployment } from "@/lib/deployments/create-deployment";
import { getManifest } from "@/lib/deployments/get-manifest";
import { redeployDeployment } from "@/lib/deployments/redeploy-deployment";
import { createProject } from "@/lib/projects/create-project";
import { seal, unseal } from "@/lib/secrets/seal";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, seedEnvVar, testBuildDeps, testDataDir, testSecretKey } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember, seedTeam, unique } from "@/lib/testing/seed";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

// An app whose one served file is the build-time value of GREETING.
const greetingApp = () =>
  makeApp({ "package.json": "{}", "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: 'mkdir -p dist && echo "$GREETING" > dist/index.html' }) });

async function liveGreeting() {
  const seeded = await seedArchiveProject(db);
  const variable = await seedEnvVar(db, seeded.project.id, { key: "GREETING", value: "hello" });
  const first = await deployDir(seeded.ctx, seeded.project.slug, await greetingApp(), { message: "first upload" });
  expect(await runBuild(first.id, deps())).toBe("live");
  return { ...seeded, variable, first };
}

const servedIndex = async (ctx: Parameters<typeof getManifest>[0]["ctx"], id: string) =>
  (await getManifest({ ctx, id })).files.find((f) => f.path === "index.html")?.sha256;

describe("redeployDeployment", () => {
  it("builds an archive deployment's stored source again with the current variables, and it goes live", async () => {
    const { ctx, project, team, variable, first } = await liveGreeting();
    expect(await servedIndex(ctx, first.id)).toBe(sha("hello\n"));
    await db.envVar.update({ where: { id: variable.id }, data: { valueEnc: seal(testSecretKey(), "bonjour") } });

    const { deployment } = await redeployDeployment({ ctx, id: first.id });
    expect(deployment).toMatchObject({
      status: "queued",
      environment: first.environment,
      branch: first.branch,
      commitSha: first.commitSha,
      commitMessage: "first upload",
      sourceKind: "archive",
    });
    expect(deployment.id).not.toBe(first.id);
    expect(await runBuild(deployment.id, deps())).toBe("live");
    expect(await servedIndex(ctx, deployment.id)).toBe(sha("bonjour\n"));

    // Its runtime set is the current one; the first keeps what it was built with.
    const rows = await db.deployment.findMany({ where: { id: { in: [first.id, deployment.id] } } });
    const runtime = (id: string) => JSON.parse(unseal(testSecretKey(), rows.find((r) => r.id === id)!.runtimeEnvEnc!));
    expect(runtime(first.id)).toEqual({ GREETING: "hello" });
    expect(runtime(deployment.id)).toEqual({ GREETING: "bonjour" });
    expect(rows.find((r) => r.id === first.id)!.status).toBe("superseded");

    // The same creation path as a deploy: first event, build job, audit row naming the source deployment.
    const audit = await db.auditEvent.findFirstOrThrow({ where: { teamId: team.id, targetId: deployment.id } });
    expect(audit).toMatchObject({ action: "deployment.create", data: { project: project.slug, sha: first.commitSha, redeployOf: first.id } });
    expect(await db.deploymentEvent.count({ where: { deploymentId: deployment.id, toStatus: "queued" } })).toBe(1);
  });

  it("supersedes an older queued deploy of the same branch and environment, like a deploy", async () => {
    const { ctx, project, first } = await liveGreeting();
    const queued = await deployDir(ctx, project.slug, await greetingApp());
    const { deployment } = await redeployDeployment({ ctx, id: first.id });
    const older = await db.deployment.findUniqueOrThrow({ where: { id: queued.id }, include: { events: { orderBy: { id: "asc" } } } });
    expect(older.status).toBe("canceled");
    expect(older.events.at(-1)?.reason).toContain(deployment.id);
  });

  it("lets developers redeploy, refuses viewers, hides other teams' deployments", async () => {
    const { team, first } = await liveGreeting();
    const developer = await seedMember(db, team.id, "developer");
    expect((await redeployDeployment({ ctx: userCtx(db, developer.id), id: first.id })).deployment.commitSha).toBe(first.commitSha);
    const viewer = await seedMember(db, team.id, "viewer");
    const refused = await appError(redeployDeployment({ ctx: userCtx(db, viewer.id), id: first.id }));
    expect(refused.code).toBe("forbidden");
    const other = await seedArchiveProject(db);
    expect((await appError(redeployDeployment({ ctx: other.ctx, id: first.id }))).code).toBe("not_found");
    expect((await appError(redeployDeployment({ ctx: other.ctx, id: "not-a-uuid" }))).code).toBe("not_found");
  });

  it("says so when the archive is no longer stored, and creates nothing", async () => {
    const { ctx, project, user } = await seedArchiveProject(db);
    const gone = await db.deployment.create({
      data: { projectId: project.id, environment: "production", branch: "main", commitSha: sha(randomUUID()), sourceKind: "archive", createdByKind: "user", createdById: user.id },
    });
    const error = await appError(redeployDeployment({ ctx, id: gone.id }));
    expect(error.code).toBe("invalid");
    expect(error.message).toMatch(/source archive is no longer stored/);
    expect(await db.deployment.count({ where: { projectId: project.id } })).toBe(1);
  });

  it("pins a git deployment's commit, not the branch's head now", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-repo-"));
    afterAll(() => rm(dir, { recursive: true, force: true }));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.test", "-c", "user.name=T", ...args], { cwd: dir, encoding: "utf8" }).trim();
    git("init", "-q", "-b", "main");
    await writeFile(path.join(dir, "index.html"), "v1");
    git("add", ".");
    git("commit", "-q", "-m", "first");
    const { team, user } = await seedTeam(db, "owner");
    const ctx = userCtx(db, user.id);
    process.env.ALLOW_LOCAL_GIT = "true";
    try {
      const project = await createProject({ ctx, input: { teamId: team.id, name: "Git", slug: unique("git"), sourceKind: "git", gitUrl: dir } });
      const { deployment: first } = await createDeployment({ ctx, slug: project.slug, input: {} });
      await writeFile(path.join(dir, "index.html"), "v2");
      git("commit", "-q", "-am", "second");
      const { deployment } = await redeployDeployment({ ctx, id: first.id });
      expect(deployment).toMatchObject({ commitSha: first.commitSha, sourceKind: "git", branch: "main", environment: "production" });
      expect(deployment.commitSha).not.toBe(git("rev-parse", "HEAD"));
    } finally {
      delete process.env.ALLOW_LOCAL_GIT;
    }
  });
});
