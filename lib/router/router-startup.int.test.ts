import net from "node:net";
import { afterAll, describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { freePort } from "@/lib/platform/free-port";
import { request, startTestRouter } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";

const dataDir = testDataDir();
const db = testDb();

// A TCP proxy to Postgres that holds every new connection until released,
// so the router's first route-table load can be kept waiting.
function heldProxy(target: URL) {
  let held = true;
  const waiting: (() => void)[] = [];
  const server = net.createServer((client) => {
    const connect = () => {
      const upstream = net.connect(Number(target.port), target.hostname);
      client.pipe(upstream).pipe(client);
      const end = () => (client.destroy(), upstream.destroy());
      client.on("error", end);
      upstream.on("error", end);
    };
    if (held) waiting.push(connect);
    else connect();
  });
  return {
    server,
    release() {
      held = false;
      for (const connect of waiting.splice(0)) connect();
    },
  };
}

// Found by the crash trials (npm run test:chaos): a restarted router answered
// a live site with "404 no app here" until its first table load finished.
describe("router start-up", () => {
  const proxies: net.Server[] = [];
  afterAll(() => proxies.forEach((p) => p.close()));

  it("refuses app connections until its route table is loaded, then serves the live deployment", async () => {
    const databaseUrl = inject("databaseUrl");
    const { ctx, project } = await seedArchiveProject(db);
    const app = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && echo up > dist/index.html" }) });
    const d = await deployDir(ctx, project.slug, app);
    expect(await runBuild(d.id, testBuildDeps(db, databaseUrl, dataDir))).toBe("live");

    const target = new URL(databaseUrl);
    const proxy = heldProxy(target);
    proxies.push(proxy.server);
    const proxyPort = await freePort();
    await new Promise<void>((r) => proxy.server.listen(proxyPort, "127.0.0.1", r));
    const proxied = new URL(databaseUrl);
    proxied.port = String(proxyPort);
    proxied.hostname = "127.0.0.1";

    const [port, adminPort] = [await freePort(), await freePort()];
    let started = false;
    const starting = startTestRouter(proxied.toString(), dataDir, { port, adminPort }).then((r) => ((started = true), r));
    const host = `${project.slug}.localhost`;
    // The admin port answers (not ready); the apps' port is not open yet.
    await expect.poll(async () => (await request(adminPort, "localhost", "/readyz").catch(() => null))?.status, { timeout: 5000 }).toBe(503);
    await expect(request(port, host, "/")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(started).toBe(false);

    proxy.release();
    const router = await starting;
    const res = await request(router.port, host, "/");
    expect(res.status).toBe(200);
    expect(res.headers["x-slipway-deployment"]).toBe(d.id);
  });
});
