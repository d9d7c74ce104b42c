import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { notifyRouteChanged } from "@/lib/routes/lock-route";
import { promoteDeployment } from "@/lib/routes/promote-deployment";
import { raw, request, startTestRouter, until } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, seedEnvVar, testBuildDeps, testDataDir } from "@/lib/testing/deploy";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir);

// An app whose build writes the given files into dist/ (no install step).
async function app(files: Record<string, string>, extra: Record<string, unknown> = {}) {
  const writes = Object.keys(files)
    .map((p) => `mkdir -p "$(dirname dist/${p})" && cp src/${p} dist/${p}`)
    .join(" && ");
  const src = Object.fromEntries(Object.entries(files).map(([p, c]) => [`src/${p}`, c]));
  return makeApp({ ...src, "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: writes, ...extra }) });
}

async function deployLive(ctx: Parameters<typeof deployDir>[0], slug: string, files: Record<string, string>, input: Record<string, unknown> = {}, extra = {}) {
  const d = await deployDir(ctx, slug, await app(files, extra), input);
  expect(await runBuild(d.id, deps())).toBe("live");
  return db.deployment.findUniqueOrThrow({ where: { id: d.id } });
}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

describe("edge router", () => {
  it("serves the live deployment with its headers, flips on promote, and keeps deployment URLs", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const asset = "console.log('hello')\n".repeat(100);
    const v1 = await deployLive(ctx, project.slug, { "index.html": "<h1>v1</h1>", "assets/app-C5AweYwL.js": asset, "docs/index.html": "docs v1" });
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const host = `${project.slug}.localhost`;

    const first = await request(router.port, host, "/");
    expect(first).toMatchObject({ status: 200, body: Buffer.from("<h1>v1</h1>") });
    expect(first.headers["x-slipway-deployment"]).toBe(v1.id);
    expect(first.headers["x-slipway-sha"]).toBe(v1.commitSha);

    const v2 = await deployLive(ctx, project.slug, { "index.html": "<h1>v2</h1>", "assets/app-C5AweYwL.js": asset });
    // Publish notified the router: v2 answers within moments, headers and body together.
    await until(async () => (await request(router.port, host, "/")).body.toString() === "<h1>v2</h1>", 2000);
    const second = await request(router.port, host, "/");
    expect(second.headers["x-slipway-deployment"]).toBe(v2.id);

    await promoteDeployment({ ctx, id: v1.id });
    const flip = await until(async () => (await request(router.port, host, "/")).headers["x-slipway-deployment"] === v1.id, 1000, 1);
    expect(flip).toBeLessThan(1000);
    const back = await request(router.port, host, "/");
    expect(back.body.toString()).toBe("<h1>v1</h1>");

    // Files: directories serve index.html, hashed assets are immutable, ETag revalidates.
    expect((await request(router.port, host, "/docs/")).body.toString()).toBe("docs v1");
    const js = await request(router.port, host, "/assets/app-C5AweYwL.js", { headers: { "accept-encoding": "gzip" } });
    expect(js.headers["cache-control"]).toContain("immutable");
    expect(js.headers["content-encoding"]).toBe("gzip");
    const again = await request(router.port, host, "/assets/app-C5AweYwL.js", { headers: { "if-none-match": js.headers.etag! } });
    expect(again.status).toBe(304);
    // Answers kept for plain GETs (server.ts) are kept per encoding asked for, and HEAD and ranges are answered afresh.
    for (let i = 0; i < 2; i++) {
      const gz = await request(router.port, host, "/assets/app-C5AweYwL.js", { headers: { "accept-encoding": "gzip, deflate" } });
      expect(gz.headers["content-encoding"]).toBe("gzip");
      expect(gunzipSync(gz.body).toString()).toBe(asset);
      const plain = await request(router.port, host, "/assets/app-C5AweYwL.js");
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.body.toString()).toBe(asset);
      expect(plain.headers["x-slipway-deployment"]).toBe(v1.id);
    }
    const head = await request(router.port, host, "/assets/app-C5AweYwL.js", { method: "HEAD" });
    expect(head).toMatchObject({ status: 200, body: Buffer.alloc(0) });
    expect(head.headers["content-length"]).toBe(String(asset.length));
    const range = await request(router.port, host, "/assets/app-C5AweYwL.js", { headers: { range: "bytes=0-10" } });
    expect(range).toMatchObject({ status: 206, body: Buffer.from(asset.slice(0, 11)) });
    expect((await request(router.port, host, "/missing.js")).status).toBe(404);

    // Each deployment keeps its own URL, whatever is live.
    const pinned = await request(router.port, `${project.slug}-${v2.id}.localhost`, "/");
    expect(pinned).toMatchObject({ status: 200, body: Buffer.from("<h1>v2</h1>") });
    expect(pinned.headers["x-slipway-deployment"]).toBe(v2.id);
    const other = await seedArchiveProject(db);
    expect((await request(router.port, `${other.project.slug}-${v2.id}.localhost`, "/")).status).toBe(404);
    expect((await request(router.port, `${project.slug}-00000000-0000-4000-8000-000000000000.localhost`, "/")).status).toBe(404);
  });

  it("answers 404 for unknown hosts and names with nothing live, 400 for bad hosts", async () => {
    const { project } = await seedArchiveProject(db);
    // Creating a project registers its production route, with nothing live yet.
    expect(await db.route.count({ where: { name: project.slug, liveDeploymentId: null } })).toBe(1);
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const unknown = await request(router.port, "no-such-app.localhost", "/");
    expect(unknown.status).toBe(404);
    expect(unknown.body.toString()).toContain("nothing deployed here");
    const empty = await request(router.port, `${project.slug}.localhost`, "/");
    expect(empty.status).toBe(404);
    expect(empty.body.toString()).toContain("no deployment is live");
    for (const bad of ["exa mple.localhost", "a..b", "-x.localhost", "x".repeat(300), "[::1]:80", "user@host"]) {
      expect([400, 404]).toContain((await request(router.port, bad, "/")).status);
    }
    // A request line that is not HTTP never reaches the router: Bun's parser refuses it
    // with a status line that says why (and no page), and closes the connection.
    const unparsable = await raw(router.port, `GET %2f.. HTTP/1.1\r\nHost: ${project.slug}.localhost\r\nConnection: close\r\n\r\n`);
    expect(unparsable).toMatchObject({ status: 400, reason: "Bad Request" });
  });

  it("routes branches, verified custom domains, and heals a missed notification on resync", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const prod = await deployLive(ctx, project.slug, { "index.html": "prod" });
    const preview = await deployLive(ctx, project.slug, { "index.html": "preview" }, { environment: "preview", branch: "feat/login" });
    const router = await startTestRouter(inject("databaseUrl"), dataDir, { resyncMs: 300 });

    const branchRoute = await db.route.findFirstOrThrow({ where: { projectId: project.id, kind: "branch" } });
    expect(branchRoute.name).toMatch(new RegExp(`^${project.slug}-git-feat-login-[0-9a-f]{6}$`));
    const b = await request(router.port, `${branchRoute.name}.localhost`, "/");
    expect(b.body.toString()).toBe("preview");
    expect(b.headers["x-slipway-deployment"]).toBe(preview.id);

    const hostname = `www.${project.slug}.example.com`;
    await db.domain.create({ data: { projectId: project.id, hostname, verificationToken: "t", status: "verified", verifiedAt: new Date() } });
    await db.$executeRaw`SELECT pg_notify('slipway_routes', '{"domains":true}')`;
    await until(async () => (await request(router.port, `${hostname}:443`, "/")).body.toString() === "prod", 2000);
    await db.domain.create({ data: { projectId: project.id, hostname: `pending.${project.slug}.example.com`, verificationToken: "t" } });
    expect((await request(router.port, `pending.${project.slug}.example.com`, "/")).status).toBe(404);

    // A change written without NOTIFY (as if the message were lost) shows up at the next resync.
    await db.route.update({ where: { id: branchRoute.id }, data: { liveDeploymentId: prod.id, version: { increment: 1 } } });
    await until(async () => (await request(router.port, `${branchRoute.name}.localhost`, "/")).body.toString() === "prod", 3000);
    // And an out-of-date notification never moves a route backwards.
    await db.$transaction((tx) => notifyRouteChanged(tx, branchRoute.name));
    await new Promise((r) => setTimeout(r, 100));
    expect((await router.route(branchRoute.name))?.live).toBe(prod.id);
  });

  it("serves SPA fallbacks and a custom 404 page from the bundle", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    await deployLive(ctx, project.slug, { "index.html": "shell", "404.html": "custom missing" }, {}, { spa: true });
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const host = `${project.slug}.localhost`;
    expect((await request(router.port, host, "/settings/profile")).body.toString()).toBe("shell");
    const missing = await request(router.port, host, "/logo.png");
    expect(missing).toMatchObject({ status: 404, body: Buffer.from("custom missing") });
  });

  it("runs the bundle's functions with the deployment's own variables, never serving their source", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    await seedEnvVar(db, project.id, { key: "API_SECRET", value: "s3cret-value", sensitive: true });
    const fn = `export default async (req) => new Response(JSON.stringify({ secret: process.env.API_SECRET, url: new URL(req.url).pathname, db: process.env.DATABASE_URL ?? null }), { headers: { "content-type": "application/json" } });`;
    const d = await deployLive(ctx, project.slug, { "index.html": "home", "api/hello.js": fn });
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const host = `${project.slug}.localhost`;
    const res = await request(router.port, host, "/api/hello?x=1");
    expect(res.status).toBe(200);
    expect(res.headers["x-slipway-deployment"]).toBe(d.id);
    expect(JSON.parse(res.body.toString())).toEqual({ secret: "s3cret-value", url: "/api/hello", db: null });
    // The router is the first hop: where the request came from is its to say, not the client's.
    const who = `export default (req) => Response.json(Object.fromEntries(["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "forwarded"].map((h) => [h, req.headers.get(h)])));`;
    const d2 = await deployLive(ctx, project.slug, { "index.html": "home", "api/hello.js": fn, "api/who.js": who });
    await until(async () => (await request(router.port, host, "/api/who")).headers["x-slipway-deployment"] === d2.id, 2000);
    const spoofed = await request(router.port, host, "/api/who", { headers: { "x-forwarded-for": "203.0.113.9", "x-real-ip": "203.0.113.9", forwarded: "for=203.0.113.9", "x-forwarded-proto": "https" } });
    expect(JSON.parse(spoofed.body.toString())).toEqual({ "x-forwarded-for": "127.0.0.1", "x-forwarded-host": host, "x-forwarded-proto": "http", "x-real-ip": null, forwarded: null });
    // The function's source is not a static file.
    const source = await request(router.port, host, "/api/hello.js");
    expect(source.body.toString()).not.toContain("process.env");
    expect(sha256(source.body)).not.toBe(sha256(fn));
  });
});
