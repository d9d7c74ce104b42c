import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, inject, it } from "vitest";
import { tarBuffer } from "@/lib/archive/test-tar";
import { userCtx } from "@/lib/auth/ctx";
import { runBuild } from "@/lib/build/run-build";
import { createDeployment } from "@/lib/deployments/create-deployment";
import { getManifest } from "@/lib/deployments/get-manifest";
import { createProject } from "@/lib/projects/create-project";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember, seedTeam, unique } from "@/lib/testing/seed";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);
const storedBlobs = () => {
  const root = path.join(dataDir, "store", "blobs");
  return existsSync(root) ? readdirSync(root).flatMap((d) => readdirSync(path.join(root, d))) : [];
};
const body = (bytes: Buffer) => new Blob([new Uint8Array(bytes)]).stream();
const deploymentCount = (projectId: string) => db.deployment.count({ where: { projectId } });

// A git repository on disk with two branches and a commit on each.
async function makeRepo() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-repo-"));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.email=t@example.test", "-c", "user.name=T", ...args], { cwd: dir, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "g", private: true }));
  await writeFile(path.join(dir, "slipway.json"), JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && cp index.html dist/" }));
  await writeFile(path.join(dir, "index.html"), "main v1");
  git("add", ".");
  git("commit", "-q", "-m", "first commit");
  const first = git("rev-parse", "HEAD");
  await writeFile(path.join(dir, "index.html"), "main v2");
  git("commit", "-q", "-am", "second commit");
  return { dir, first, head: git("rev-parse", "HEAD") };
}

describe("createDeployment from an uploaded archive", () => {
  it.each([
    ["an absolute path", [{ name: "/etc/cron.d/x", content: "x" }], /outside|absolute/i],
    ["a .. segment", [{ name: "app/../../escape.txt", content: "x" }], /outside|\.\./],
    ["a link out of the tree", [{ name: "link", type: "symlink" as const, linkname: "../../../etc" }], /outside|link/i],
  ])("refuses %s with a clear 400 and stores nothing", async (_label, entries, message) => {
    const { ctx, project } = await seedArchiveProject(db);
    const before = storedBlobs().length;
    const archive = gzipSync(await tarBuffer(entries));
    const error = await appError(createDeployment({ ctx, slug: project.slug, input: {}, upload: { body: body(archive) } }));
    expect(error.code).toBe("invalid");
    expect(error.message).toMatch(message);
    expect(storedBlobs().length).toBe(before);
    expect(await deploymentCount(project.id)).toBe(0);
  });

  it("refuses an archive over the size limit while streaming it, and a body that is not gzip", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    process.env.ARCHIVE_MAX_MB = "1";
    try {
      const big = Buffer.alloc(3 << 20, 7);
      const tooBig = await appError(createDeployment({ ctx, slug: project.slug, input: {}, upload: { body: body(big) } }));
      expect(tooBig.code).toBe("too_large");
      expect(tooBig.message).toContain("1 MB");
    } finally {
      delete process.env.ARCHIVE_MAX_MB;
    }
    const garbage = await appError(createDeployment({ ctx, slug: project.slug, input: {}, upload: { body: body(Buffer.from("not an archive")) } }));
    expect(garbage.code).toBe("invalid");
    expect(await deploymentCount(project.id)).toBe(0);
    expect(readdirSync(path.join(dataDir, "tmp"))).toEqual([]);
  });

  it("lets developers deploy but not viewers, and hides the project from other teams", async () => {
    const { team, project } = await seedArchiveProject(db);
    const viewer = await seedMember(db, team.id, "viewer");
    const developer = await seedMember(db, team.id, "developer");
    const { user: outsider } = await seedTeam(db, "owner");
    const dir = await makeApp({ "index.html": "x" });
    expect((await appError(deployDir(userCtx(db, viewer.id), project.slug, dir))).code).toBe("forbidden");
    expect((await appError(deployDir(userCtx(db, outsider.id), project.slug, dir))).code).toBe("not_found");
    const d = await deployDir(userCtx(db, developer.id), project.slug, dir);
    expect(d.author?.email).toBe(developer.email);
  });

  it("supersedes an older queued deployment of the same branch and environment", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const dir = await makeApp({ "index.html": "x" });
    const older = await deployDir(ctx, project.slug, dir);
    const otherBranch = await deployDir(ctx, project.slug, dir, { branch: "feature" });
    const newer = await deployDir(ctx, project.slug, dir);
    const rows = await db.deployment.findMany({ where: { projectId: project.id }, include: { events: true } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(older.id)).toMatchObject({ status: "canceled" });
    expect(byId.get(older.id)!.events.at(-1)?.reason).toContain(newer.id);
    expect(byId.get(otherBranch.id)).toMatchObject({ status: "queued", environment: "preview" });
    expect(byId.get(newer.id)).toMatchObject({ status: "queued", environment: "production" });
  });
});

describe("createDeployment from git", () => {
  it("pins the branch head at deploy time and builds exactly that commit; a SHA deploys that commit", async () => {
    const repo = await makeRepo();
    const { team, user } = await seedTeam(db, "owner");
    const ctx = userCtx(db, user.id);
    process.env.ALLOW_LOCAL_GIT = "true";
    try {
      const project = await createProject({ ctx, input: { teamId: team.id, name: "Git", slug: unique("git"), sourceKind: "git", gitUrl: repo.dir } });
      // Both deploys go live at once, without a canary rollout between them.
      await db.project.update({ where: { id: project.id }, data: { rolloutSettings: "skip" } });
      const { deployment } = await createDeployment({ ctx, slug: project.slug, input: {} });
      expect(deployment.commitSha).toBe(repo.head);
      expect(await runBuild(deployment.id, deps())).toBe("live");
      const row = await db.deployment.findUniqueOrThrow({ where: { id: deployment.id } });
      expect(row.commitMessage).toBe("second commit");
      const files = (await getManifest({ ctx, id: deployment.id })).files;
      expect(files.map((f) => f.path)).toEqual(["index.html"]);
      expect(files[0].size).toBe("main v2".length);

      const old = await createDeployment({ ctx, slug: project.slug, input: { ref: repo.first } });
      expect(await runBuild(old.deployment.id, deps())).toBe("live");
      expect((await getManifest({ ctx, id: old.deployment.id })).files[0].size).toBe("main v1".length);

      const unknown = await appError(createDeployment({ ctx, slug: project.slug, input: { branch: "no-such-branch" } }));
      expect(unknown.code).toBe("invalid");
      expect(unknown.message).toMatch(/Branch "no-such-branch" was not found/);
    } finally {
      delete process.env.ALLOW_LOCAL_GIT;
    }
  });

  it("refuses local repositories unless ALLOW_LOCAL_GIT is on, and option-shaped URLs always", async () => {
    const { team, user } = await seedTeam(db, "owner");
    const ctx = userCtx(db, user.id);
    const local = await appError(createProject({ ctx, input: { teamId: team.id, name: "Local repo", sourceKind: "git", gitUrl: "file:///srv/repo.git" } }));
    expect(local.message).toMatch(/ALLOW_LOCAL_GIT/);
    const injected = await appError(createProject({ ctx, input: { teamId: team.id, name: "Injected repo", sourceKind: "git", gitUrl: "--upload-pack=touch /tmp/pwned" } }));
    expect(injected.details?.fields).toHaveProperty("gitUrl");
  });
});
