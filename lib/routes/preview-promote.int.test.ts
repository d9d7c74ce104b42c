import { createHash } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { runBuild } from "@/lib/build/run-build";
import { previewPromote, RUNTIME_ENV_NOTE } from "@/lib/routes/preview-promote";
import { promoteDeployment } from "@/lib/routes/promote-deployment";
import { testDb } from "@/lib/testing/db";
import { seal } from "@/lib/secrets/seal";
import { deployDir, makeApp, seedArchiveProject, seedEnvVar, testBuildDeps, testDataDir, testSecretKey } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember } from "@/lib/testing/seed";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);

// Two builds whose outputs differ in every way a diff can: v1 has old.txt,
// v2 has new/a.js instead, index.html differs, keep.txt is the same in both.
const V1 = { "index.html": "<h1>one</h1>", "keep.txt": "same", "old.txt": "old file" };
const V2 = { "index.html": "<h1>two, longer</h1>", "keep.txt": "same", "new/a.js": "console.log(2)" };

async function twoLiveVersions() {
  const seeded = await seedArchiveProject(db);
  const ids: string[] = [];
  for (const files of [V1, V2]) {
    const write = Object.entries(files).map(([p, content]) => `mkdir -p "$(dirname dist/${p})" && printf '%s' '${content}' > dist/${p}`);
    const app = await makeApp({ "package.json": "{}", "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: write.join(" && ") }) });
    const d = await deployDir(seeded.ctx, seeded.project.slug, app);
    expect(await runBuild(d.id, deps())).toBe("live");
    ids.push(d.id);
  }
  return { ...seeded, v1: ids[0], v2: ids[1] };
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("previewPromote", () => {
  it("diffs what is live against the target, file by file and in bytes, and changes nothing", async () => {
    const { ctx, project, v1, v2 } = await twoLiveVersions();
    const routeBefore = await db.route.findFirstOrThrow({ where: { projectId: project.id, kind: "production" } });

    const preview = await previewPromote({ ctx, id: v1 });
    expect(preview).toMatchObject({
      project: { slug: project.slug, name: project.name },
      target: { id: v1, status: "superseded", bundle: { fileCount: 3, totalBytes: 24, verified: true } },
      live: { id: v2, status: "live", bundle: { fileCount: 3, totalBytes: 38, verified: true } },
      route: { name: project.slug },
      allowed: true,
      reason: null,
      runtimeEnv: RUNTIME_ENV_NOTE,
    });
    expect(preview.target.author?.email).toMatch(/@example\.test$/);
    expect(preview.diff).toEqual({
      added: [{ path: "old.txt", size: 8, sha256: sha(V1["old.txt"]), contentType: expect.stringMatching(/^text\/plain/) }],
      changed: [
        {
          path: "index.html",
          before: { size: 20, sha256: sha(V2["index.html"]), contentType: expect.stringMatching(/^text\/html/) },
          after: { size: 12, sha256: sha(V1["index.html"]), contentType: expect.stringMatching(/^text\/html/) },
        },
      ],
      removed: [{ path: "new/a.js", size: 14, sha256: sha(V2["new/a.js"]), contentType: expect.stringMatching(/javascript/) }],
      counts: { added: 1, changed: 1, removed: 1, unchanged: 1 },
      truncated: false,
      bytes: { added: 8, removed: 14, changedBefore: 20, changedAfter: 12, totalBefore: 38, totalAfter: 24 },
    });

    // A preview writes nothing: the route and both statuses are as they were.
    const routeAfter = await db.route.findFirstOrThrow({ where: { projectId: project.id, kind: "production" } });
    expect(routeAfter).toEqual(routeBefore);

    // After the promote the preview of the other direction is the mirror image.
    await promoteDeployment({ ctx, id: v1 });
    const back = await previewPromote({ ctx, id: v2 });
    expect(back).toMatchObject({ target: { id: v2 }, live: { id: v1 }, allowed: true });
    expect(back.diff?.added.map((f) => f.path)).toEqual(["new/a.js"]);
    expect(back.diff?.removed.map((f) => f.path)).toEqual(["old.txt"]);
    expect(back.diff?.bytes).toEqual({ added: 14, removed: 8, changedBefore: 12, changedAfter: 20, totalBefore: 24, totalAfter: 38 });
  });

  it("says a live deployment is already live, with nothing to change", async () => {
    const { ctx, project, v2 } = await twoLiveVersions();
    const preview = await previewPromote({ ctx, id: v2 });
    expect(preview).toMatchObject({ target: { id: v2 }, live: { id: v2 }, allowed: false, reason: `It is already live on ${project.slug}.` });
    expect(preview.diff?.counts).toEqual({ added: 0, changed: 0, removed: 0, unchanged: 3 });
  });

  it("lets developers preview, refuses viewers, and hides other teams' deployments", async () => {
    const { team, v1 } = await twoLiveVersions();
    const developer = await seedMember(db, team.id, "developer");
    expect((await previewPromote({ ctx: userCtx(db, developer.id), id: v1 })).allowed).toBe(true);
    const viewer = await seedMember(db, team.id, "viewer");
    const refused = await appError(previewPromote({ ctx: userCtx(db, viewer.id), id: v1 }));
    expect(refused.code).toBe("forbidden");
    expect(refused.message).toMatch(/viewer/);
    const other = await seedArchiveProject(db);
    expect((await appError(previewPromote({ ctx: other.ctx, id: v1 }))).code).toBe("not_found");
    expect((await appError(previewPromote({ ctx: other.ctx, id: "not-a-uuid" }))).code).toBe("not_found");
  });

  it("does not allow a deployment that never went live, and says why", async () => {
    const { ctx, project, v2 } = await twoLiveVersions();
    const queued = await deployDir(ctx, project.slug, await makeApp({ "index.html": "x" }));
    const preview = await previewPromote({ ctx, id: queued.id });
    expect(preview).toMatchObject({
      target: { id: queued.id, status: "queued", bundle: null },
      live: { id: v2 },
      allowed: false,
      reason: "Only a deployment that has been live can be promoted; this one is queued.",
      diff: null,
      // It never fixed a runtime set, so there is nothing to compare.
      variables: null,
    });
  });

  it("names the variables a new deploy would get differently, by key only", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    await seedEnvVar(db, project.id, { key: "KEEP", value: "same-value" });
    const change = await seedEnvVar(db, project.id, { key: "CHANGE", value: "old-value" });
    const gone = await seedEnvVar(db, project.id, { key: "GONE", value: "gone-value", sensitive: true });
    const app = await makeApp({ "package.json": "{}", "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && echo x > dist/index.html" }) });
    const old = await deployDir(ctx, project.slug, app);
    expect(await runBuild(old.id, deps())).toBe("live");

    await db.envVar.update({ where: { id: change.id }, data: { valueEnc: seal(testSecretKey(), "new-value") } });
    await db.envVar.delete({ where: { id: gone.id } });
    await seedEnvVar(db, project.id, { key: "ADDED", value: "added-value", sensitive: true });
    // Neither a Preview-only variable nor a branch override reaches a production deploy.
    await seedEnvVar(db, project.id, { key: "PREVIEW_ONLY", value: "p", targets: ["preview"] });
    await seedEnvVar(db, project.id, { key: "KEEP", value: "branch-value", targets: ["preview"], branch: "feature" });
    const current = await deployDir(ctx, project.slug, app);
    expect(await runBuild(current.id, deps())).toBe("live");

    const preview = await previewPromote({ ctx, id: old.id });
    expect(preview.variables).toEqual({ added: ["ADDED"], removed: ["GONE"], changed: ["CHANGE"] });
    const text = JSON.stringify(preview);
    for (const value of ["same-value", "old-value", "new-value", "gone-value", "added-value"]) expect(text).not.toContain(value);
    // The live one was built with the current set: nothing differs.
    expect((await previewPromote({ ctx, id: current.id })).variables).toEqual({ added: [], removed: [], changed: [] });
  });
});
