import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { findMarked } from "@/lib/build/sandbox/kill-marked";
import { cancelDeployment } from "@/lib/deployments/cancel-deployment";
import { getBuildLog } from "@/lib/deployments/get-build-log";
import { getManifest } from "@/lib/deployments/get-manifest";
import { previewPromote } from "@/lib/routes/preview-promote";
import { promoteDeployment } from "@/lib/routes/promote-deployment";
import { appError } from "@/lib/testing/expect-app-error";
import { withPg } from "@/lib/db/with-pg";
import { createTestDatabase, testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, seedEnvVar, testBuildDeps, testDataDir } from "@/lib/testing/deploy";

const db = testDb();
const dataDir = testDataDir();
const deps = (over = {}) => testBuildDeps(db, inject("databaseUrl"), dataDir, over);

// A dependency-free app: `npm run build` copies src/ to dist/ and prints a line per file.
const BUILD_SCRIPT = `
import { cpSync, readdirSync } from "node:fs";
cpSync("src", "dist", { recursive: true });
for (const f of readdirSync("dist")) console.log("built " + f);
console.error("a warning on stderr");
`;
const appFiles = (extra: Record<string, string> = {}) => ({
  "package.json": JSON.stringify({ name: "t", private: true, scripts: { build: "node build.mjs" } }),
  "slipway.json": JSON.stringify({ installCommand: "echo no dependencies" }),
  "build.mjs": BUILD_SCRIPT,
  "src/index.html": "<h1>hello</h1>",
  "src/app.js": "console.log('app')",
  ...extra,
});

const blobCount = () => {
  const root = path.join(dataDir, "store", "blobs");
  return existsSync(root) ? readdirSync(root).reduce((n, d) => n + readdirSync(path.join(root, d)).length, 0) : 0;
};
const statusOf = async (id: string) => (await db.deployment.findUniqueOrThrow({ where: { id } })).status;
const routeOf = (projectId: string) => db.route.findFirstOrThrow({ where: { projectId, kind: "production" } });
const logText = async (ctx: Parameters<typeof getBuildLog>[0]["ctx"], id: string) =>
  (await getBuildLog({ ctx, id, input: { limit: 5000 } })).lines.map((l) => `${l.stream}: ${l.text}`).join("\n");

describe("runBuild", () => {
  it("builds an uploaded app into a verified bundle, publishes it, and records every step", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const dir = await makeApp(appFiles());
    const d = await deployDir(ctx, project.slug, dir);
    expect(d.status).toBe("queued");
    expect(d.commitSha).toMatch(/^[0-9a-f]{64}$/);

    expect(await runBuild(d.id, deps())).toBe("live");

    const row = await db.deployment.findUniqueOrThrow({ where: { id: d.id }, include: { events: { orderBy: { id: "asc" } }, stages: { orderBy: { position: "asc" } } } });
    expect(row.status).toBe("live");
    expect(row.events.map((e) => e.toStatus)).toEqual(["queued", "building", "built", "uploading", "live"]);
    expect(row.stages.map((s) => [s.name, s.status])).toEqual([
      ["source", "succeeded"],
      ["install", "succeeded"],
      ["build", "succeeded"],
      ["migrate", "skipped"],
      ["bundle", "succeeded"],
      ["upload", "succeeded"],
      ["publish", "succeeded"],
    ]);
    expect((await routeOf(project.id)).liveDeploymentId).toBe(d.id);

    // The manifest's sha256s are the built files' own.
    const manifest = await getManifest({ ctx, id: d.id });
    expect(manifest.files.map((f) => f.path)).toEqual(["app.js", "index.html"]);
    for (const f of manifest.files) {
      const content = await readFile(path.join(dir, "src", f.path));
      expect(f.sha256).toBe(createHash("sha256").update(content).digest("hex"));
      expect(f.size).toBe(content.length);
    }
    expect(manifest.files.find((f) => f.path === "index.html")?.contentType).toMatch(/^text\/html/);

    const log = await logText(ctx, d.id);
    expect(log).toContain("stdout: built index.html");
    expect(log).toContain("stderr: a warning on stderr");
    expect(existsSync(path.join(dataDir, "workspaces", d.id))).toBe(false);
  });

  it("stores only the changed file's blob on a redeploy, and supersedes the previous deployment", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const dir = await makeApp(appFiles({ "src/index.html": `<h1>${project.slug}</h1>` }));
    const first = await deployDir(ctx, project.slug, dir);
    expect(await runBuild(first.id, deps())).toBe("live");
    const before = blobCount();

    await writeFile(path.join(dir, "src", "app.js"), `console.log("${project.slug} v2")`);
    const second = await deployDir(ctx, project.slug, dir);
    expect(await runBuild(second.id, deps())).toBe("live");

    // One new output blob, plus the new source archive (stored by its sha256, the build SHA).
    expect(blobCount() - before).toBe(2);
    const upload = await db.deploymentStage.findUniqueOrThrow({ where: { deploymentId_name: { deploymentId: second.id, name: "upload" } } });
    expect(upload.detail).toBe("1 new, 1 reused");
    expect(await statusOf(first.id)).toBe("superseded");
    expect((await routeOf(project.id)).liveDeploymentId).toBe(second.id);
  });

  it.each([
    ["build", { "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "echo compiling; exit 3" }) }, /exited with code 3/],
    ["bundle", { "slipway.json": JSON.stringify({ installCommand: "true", outputDirectory: "out" }) }, /"out" does not exist/],
    ["build", { "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "sleep 30" }) }, /Timed out/],
    ["build", { "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "yes 'a long line of output'" }) }, /log limit/],
    ["source", { "slipway.json": "{ not json" }, /slipway.json is not valid JSON/],
    ["source", { "slipway.json": JSON.stringify({ outputDirectory: "../outside" }) }, /outputDirectory must be a relative path inside the app/],
    ["bundle", { "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "ln -s /etc dist" }) }, /links outside the app/],
  ])("fails at %s with a readable reason and leaves the live deployment serving", async (stage, files, reason) => {
    const { ctx, project } = await seedArchiveProject(db);
    const good = await deployDir(ctx, project.slug, await makeApp(appFiles()));
    expect(await runBuild(good.id, deps())).toBe("live");

    const bad = await deployDir(ctx, project.slug, await makeApp(appFiles(files)));
    expect(await runBuild(bad.id, deps({ stepTimeoutMs: 1500, maxLogBytes: 256 * 1024 }))).toBe("failed");

    const row = await db.deployment.findUniqueOrThrow({ where: { id: bad.id } });
    expect(row.status).toBe("failed");
    expect(row.failureStage).toBe(stage);
    expect(row.failureReason).toMatch(reason);
    expect(await statusOf(good.id)).toBe("live");
    expect((await routeOf(project.id)).liveDeploymentId).toBe(good.id);
    expect(await findMarked(bad.id)).toEqual([]);
  });

  it("is canceled mid-build: the step's whole process group is killed, and nothing is published", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const slow = "echo starting; sleep 1000 & sleep 1000 & sleep 60";
    const d = await deployDir(ctx, project.slug, await makeApp(appFiles({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: slow }) })));
    const running = runBuild(d.id, deps());
    await expect.poll(async () => (await db.deploymentStage.findUnique({ where: { deploymentId_name: { deploymentId: d.id, name: "build" } } }))?.status, { timeout: 20_000 }).toBe("running");
    await expect.poll(() => findMarked(d.id), { timeout: 5000 }).not.toEqual([]);

    const started = Date.now();
    await cancelDeployment({ ctx, id: d.id });
    expect(await running).toBe("canceled");
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await statusOf(d.id)).toBe("canceled");
    expect(await findMarked(d.id)).toEqual([]);
    expect((await routeOf(project.id)).liveDeploymentId).toBeNull();
    const error = await appError(cancelDeployment({ ctx, id: d.id }));
    expect(error.code).toBe("conflict");
  });

  it("never runs a build unsandboxed by surprise: without a sandbox the deployment fails with the reason, and nothing ran", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const reason = "The sandbox for user code is unavailable: bwrap is missing (Debian: apt-get install bubblewrap).";
    const marker = path.join(dataDir, `ran-${project.id}`);
    const d = await deployDir(ctx, project.slug, await makeApp(appFiles({ "slipway.json": JSON.stringify({ installCommand: `touch ${marker}`, buildCommand: `touch ${marker}` }) })));
    const base = deps();
    expect(await runBuild(d.id, { ...base, sandbox: { ...base.sandbox, mode: { state: "unavailable", reason } } })).toBe("failed");
    expect(await db.deployment.findUniqueOrThrow({ where: { id: d.id } })).toMatchObject({ status: "failed", failureReason: reason, failureStage: "setup" });
    expect(existsSync(marker)).toBe(false);
  });

  it("runs every step as the project's own sandbox user, in a sandbox per step", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const build = `echo "uid=$(id -u) home=$HOME cwd=$(pwd) procs=$(ls /proc | grep -c '^[0-9]')"; node build.mjs`;
    const d = await deployDir(ctx, project.slug, await makeApp(appFiles({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: build }) })));
    expect(await runBuild(d.id, deps())).toBe("live");
    const { sandboxId } = await db.project.findUniqueOrThrow({ where: { id: project.id } });
    const line = (await logText(ctx, d.id)).split("\n").find((l) => l.startsWith("stdout: uid="))!;
    expect(line).toMatch(new RegExp(`uid=${deps().sandbox.uidBase + sandboxId} home=/workspace/home cwd=/workspace/app procs=[1-6]$`));
  });

  it("masks sensitive values in the stored log and gives the build its environment's variables only", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    await seedEnvVar(db, project.id, { key: "API_SECRET", value: "hunter2-very-secret", sensitive: true });
    await seedEnvVar(db, project.id, { key: "PUBLIC_NAME", value: "shown" });
    await seedEnvVar(db, project.id, { key: "PREVIEW_ONLY", value: "nope", targets: ["preview"] });
    process.env.SLIPWAY_LEAK_CHECK = "worker-secret";
    const build = `echo "secret=$API_SECRET b64=$(printf %s "$API_SECRET" | base64) name=$PUBLIC_NAME preview=[$PREVIEW_ONLY] leak=[$SLIPWAY_LEAK_CHECK]"; node build.mjs`;
    const d = await deployDir(ctx, project.slug, await makeApp(appFiles({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: build }) })));
    expect(await runBuild(d.id, deps())).toBe("live");
    const log = await logText(ctx, d.id);
    expect(log).toContain("secret=•••• b64=•••• name=shown preview=[] leak=[]");
    expect(log).not.toContain("hunter2");
  });

  it("fails a build that bakes a sensitive value into a browser-served file, naming the variable and file, and stores no bundle", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const secret = `sk_live_${Math.random().toString(36).slice(2)}`;
    await seedEnvVar(db, project.id, { key: "STRIPE_KEY", value: secret, sensitive: true });
    await seedEnvVar(db, project.id, { key: "PUBLIC_NAME", value: "shown-in-the-page" });
    // A bundler's `define` of a private variable, as a misconfigured app would do; a function may read it.
    const page = `mkdir -p dist/assets dist/api && echo "<h1>$PUBLIC_NAME</h1>" > dist/index.html && echo 'export default () => new Response(process.env.STRIPE_KEY);' > dist/api/pay.js`;
    const build = `${page} && echo "const key = \\"$STRIPE_KEY\\";" > dist/assets/app-3f2a.js`;
    const d = await deployDir(ctx, project.slug, await makeApp(appFiles({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: build }) })));
    const blobsBefore = blobCount();
    expect(await runBuild(d.id, deps())).toBe("failed");
    const row = await db.deployment.findUniqueOrThrow({ where: { id: d.id } });
    expect(row.failureStage).toBe("bundle");
    expect(row.failureReason).toMatch(/^Sensitive variable found in files browsers can download: STRIPE_KEY in assets\/app-3f2a\.js\. /);
    expect(row.failureReason).not.toContain(secret);
    expect(row.bundleDigest).toBeNull();
    expect(blobCount()).toBe(blobsBefore);
    expect(await logText(ctx, d.id)).not.toContain(secret);

    // The same app reading the secret only in its function deploys.
    const ok = await deployDir(ctx, project.slug, await makeApp(appFiles({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: page }) })));
    expect(await runBuild(ok.id, deps())).toBe("live");
  });

  it("restores node_modules from the dependency cache when the lockfile is unchanged", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const files = appFiles({
      "package-lock.json": JSON.stringify({ lockfileVersion: 3, name: project.slug }),
      "slipway.json": JSON.stringify({ installCommand: "echo INSTALL RAN $((40+2)) && mkdir -p node_modules/dep && echo cached > node_modules/dep/index.txt" }),
      "build.mjs": `import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"; mkdirSync("dist"); writeFileSync("dist/dep.txt", readFileSync("node_modules/dep/index.txt"));`,
    });
    const dir = await makeApp(files);
    const first = await deployDir(ctx, project.slug, dir);
    expect(await runBuild(first.id, deps())).toBe("live");
    expect(await logText(ctx, first.id)).toContain("INSTALL RAN 42");

    await writeFile(path.join(dir, "src", "index.html"), "changed");
    const second = await deployDir(ctx, project.slug, dir);
    expect(await runBuild(second.id, deps())).toBe("live");
    const log = await logText(ctx, second.id);
    expect(log).not.toContain("INSTALL RAN 42");
    expect(log).toContain("Restored node_modules from the dependency cache");
    expect((await getManifest({ ctx, id: second.id })).files.map((f) => f.path)).toEqual(["dep.txt"]);
  });

  // A project whose environment has a database of its own, and a first deployment, live, that applied 001_items.sql to it.
  async function liveWithMigration() {
    const { ctx, project } = await seedArchiveProject(db);
    const appDb = await createTestDatabase();
    await seedEnvVar(db, project.id, { key: "DATABASE_URL", value: appDb, sensitive: true });
    const dir = await makeApp(appFiles({ "migrations/001_items.sql": "CREATE TABLE items (id int primary key);" }));
    const first = await deployDir(ctx, project.slug, dir);
    expect(await runBuild(first.id, deps())).toBe("live");
    return { ctx, project, appDb, dir, first };
  }

  it("applies the app's SQL migrations to its environment's database once, before publishing", async () => {
    const { ctx, project, appDb, dir, first } = await liveWithMigration();
    expect((await db.deploymentStage.findUniqueOrThrow({ where: { deploymentId_name: { deploymentId: first.id, name: "migrate" } } })).detail).toBe("applied 1: 001_items.sql");

    await writeFile(path.join(dir, "src", "index.html"), "v2");
    const second = await deployDir(ctx, project.slug, dir);
    expect(await runBuild(second.id, deps())).toBe("live");
    expect((await db.deploymentStage.findUniqueOrThrow({ where: { deploymentId_name: { deploymentId: second.id, name: "migrate" } } })).detail).toBe("up to date");

    await writeFile(path.join(dir, "migrations", "002_broken.sql"), "ALTER TABLE items ADD COLUMN name text;\nALTER TABLE nope ADD COLUMN x int;");
    const third = await deployDir(ctx, project.slug, dir);
    expect(await runBuild(third.id, deps())).toBe("failed");
    const row = await db.deployment.findUniqueOrThrow({ where: { id: third.id } });
    expect(row).toMatchObject({ failureStage: "migrate" });
    expect(row.failureReason).toMatch(/002_broken.sql failed: relation "nope" does not exist/);
    expect((await routeOf(project.id)).liveDeploymentId).toBe(second.id);
    const columns = await withPg(appDb, (c) => c.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'items'"));
    expect(columns.rows.map((r) => r.column_name)).toEqual(["id"]);
  });

  it("Promote of a deployment built before migrations applied since names them, and needs a confirmation", async () => {
    const { ctx, project, dir, first } = await liveWithMigration();
    await writeFile(path.join(dir, "migrations", "002_orders.sql"), "CREATE TABLE orders (id int primary key);");
    const second = await deployDir(ctx, project.slug, dir);
    expect(await runBuild(second.id, deps())).toBe("live");
    expect((await db.deployment.findUniqueOrThrow({ where: { id: second.id } })).migrationFiles).toEqual(["001_items.sql", "002_orders.sql"]);

    // The first was built before 002_orders.sql: the preview lists it, with when it was applied.
    const preview = await previewPromote({ ctx, id: first.id });
    expect(preview.migrations).toEqual([{ name: "002_orders.sql", appliedAt: expect.any(String) }]);
    expect(Date.now() - Date.parse(preview.migrations[0].appliedAt)).toBeLessThan(60_000);
    expect((await previewPromote({ ctx, id: second.id })).migrations).toEqual([]);

    // Without the confirmation: refused, naming the migration; the route is unchanged.
    const refused = await appError(promoteDeployment({ ctx, id: first.id }));
    expect(refused.code).toBe("conflict");
    expect(refused.message).toContain("002_orders.sql (applied ");
    expect(refused.message).toContain("confirmMigrations: true, or --confirm-migrations");
    expect((await routeOf(project.id)).liveDeploymentId).toBe(second.id);
    await expect(promoteDeployment({ ctx, id: first.id, input: { confirmMigrations: "yes" } })).rejects.toThrow("confirmMigrations must be true or false.");

    await promoteDeployment({ ctx, id: first.id, input: { confirmMigrations: true } });
    expect((await routeOf(project.id)).liveDeploymentId).toBe(first.id);
    // Back to the second, which knew every migration: no confirmation needed.
    await promoteDeployment({ ctx, id: second.id });
    expect((await routeOf(project.id)).liveDeploymentId).toBe(second.id);
  });
});
