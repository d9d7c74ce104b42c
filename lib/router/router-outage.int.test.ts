import { rm } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { createDb, type Db } from "@/lib/db/client";
import { type EmbeddedDb, startEmbeddedPostgres } from "@/lib/db/embedded";
import { applyMigrations } from "@/lib/db/migrate";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { freePort } from "@/lib/platform/free-port";
import { promoteDeployment } from "@/lib/routes/promote-deployment";
import { request, startTestRouter, until } from "@/lib/router/testing";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";
import { makeDataDir } from "@/lib/testing/platform-process";

const dataDir = testDataDir();

// Its own Postgres server, so the test can really stop it and start it again.
describe("router while Postgres is down", () => {
  let pgDataDir: string;
  let server: EmbeddedDb | undefined;
  let db: Db | undefined;
  afterAll(async () => {
    await db?.$disconnect();
    await server?.stop();
    if (pgDataDir) await rm(pgDataDir, { recursive: true, force: true });
  });

  it("keeps serving the last table, reports degraded, drops and counts its log lines, and picks up a promote within 1 s once Postgres is back (its logs too)", async () => {
    pgDataDir = makeDataDir();
    const port = await freePort();
    const start = () => startEmbeddedPostgres({ dataDir: pgDataDir, port, database: "outage" });
    server = await start();
    await applyMigrations(server.url);
    await installJobQueue(server.url);
    db = createDb(server.url);

    const { ctx, project } = await seedArchiveProject(db);
    const ids: string[] = [];
    for (const v of ["v1", "v2"]) {
      const app = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: `mkdir -p dist && echo ${v} > dist/index.html` }) });
      const d = await deployDir(ctx, project.slug, app);
      expect(await runBuild(d.id, testBuildDeps(db, server.url, dataDir))).toBe("live");
      ids.push(d.id);
    }
    const router = await startTestRouter(server.url, dataDir);
    const host = `${project.slug}.localhost`;
    const readyz = async () => JSON.parse((await request(router.adminPort, "localhost", "/readyz")).body.toString());
    expect(await readyz()).toMatchObject({ status: "ready", database: "up" });
    expect((await request(router.port, host, "/")).body.toString()).toBe("v2\n");

    await db.$disconnect();
    await server.stop();
    server = undefined;
    await until(async () => (await readyz()).status === "degraded", 5000, 50);
    // The log store is the same Postgres: request lines cannot be written, so they are dropped and counted, and no request waits for them.
    const droppedBefore = (await readyz()).logs.dropped;
    for (let i = 0; i < 20; i++) {
      const res = await request(router.port, host, "/");
      expect(res).toMatchObject({ status: 200, body: Buffer.from("v2\n") });
      expect(res.headers["x-slipway-deployment"]).toBe(ids[1]);
    }
    expect((await request(router.adminPort, "localhost", "/readyz")).status).toBe(200);
    await until(async () => (await readyz()).logs.dropped >= droppedBefore + 20, 3000, 50);
    expect(router.output().split("\n").filter((l) => l.includes("runtime logs: the log store refused a write"))).toHaveLength(1);

    server = await start();
    db = createDb(server.url);
    const ctxBack = { ...ctx, db };
    await promoteDeployment({ ctx: ctxBack, id: ids[0] });
    const took = await until(async () => (await request(router.port, host, "/")).body.toString() === "v1\n", 1000, 5);
    expect(took).toBeLessThan(1000);
    await until(async () => (await readyz()).status === "ready", 3000, 50);
    // And the logs heal by themselves: new lines are written again, and the outage is told once, with its count.
    await request(router.port, host, "/?after-outage=1");
    await until(async () => (await db!.logLine.count({ where: { projectId: project.id, path: "/", deploymentId: ids[0] } })) >= 1, 3000, 50);
    expect(router.output().split("\n").filter((l) => /runtime logs: the log store is back; \d+ line\(s\) were dropped/.test(l))).toHaveLength(1);
  });
});
