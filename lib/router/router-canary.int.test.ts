import { describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { readWindow } from "@/lib/metrics/read-window";
import { notifyRouteChanged } from "@/lib/routes/lock-route";
import { COHORT_COOKIE } from "@/lib/router/server";
import { request, startTestRouter, until } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";

const db = testDb();
const dataDir = testDataDir();

// Two published versions of one project; the test then sets the route's canary itself.
async function twoVersions() {
  const seeded = await seedArchiveProject(db);
  const ids: string[] = [];
  for (const v of ["base", "canary"]) {
    const app = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: `mkdir -p dist && echo ${v} > dist/index.html`, canary: "skip" }) });
    const d = await deployDir(seeded.ctx, seeded.project.slug, app);
    expect(await runBuild(d.id, testBuildDeps(db, inject("databaseUrl"), dataDir))).toBe("live");
    ids.push(d.id);
  }
  const [base, canary] = ids;
  const route = await db.route.findFirstOrThrow({ where: { projectId: seeded.project.id, kind: "production" } });
  const setWeight = async (weight: number) => {
    await db.$transaction(async (tx) => {
      await tx.route.update({ where: { id: route.id }, data: { liveDeploymentId: base, canaryDeploymentId: canary, canaryWeight: weight, version: { increment: 1 } } });
      await notifyRouteChanged(tx, route.name);
    });
  };
  return { ...seeded, base, canary, setWeight, host: `${seeded.project.slug}.localhost` };
}

describe("router traffic split", () => {
  it("sends the canary its weight of 10,000 cookie-less requests within ±1 point, and records both arms", async () => {
    const { base, canary, setWeight, host } = await twoVersions();
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const from = new Date(Date.now() - 1000);
    await setWeight(25);
    await until(async () => (await router.route(host.split(".")[0]))?.canaryWeight === 25, 2000);

    let toCanary = 0;
    const batch = 100;
    for (let i = 0; i < 10_000; i += batch) {
      const replies = await Promise.all(Array.from({ length: batch }, () => request(router.port, host, "/")));
      for (const r of replies) {
        expect(r.status).toBe(200);
        const id = r.headers["x-slipway-deployment"];
        expect(r.body.toString()).toBe(id === canary ? "canary\n" : "base\n");
        expect(r.headers["set-cookie"]?.[0]).toMatch(new RegExp(`^${COHORT_COOKIE}=\\d{1,4}; Path=/; Max-Age=86400; SameSite=Lax; HttpOnly$`));
        if (id === canary) toCanary++;
      }
    }
    expect(Math.abs(toCanary / 10_000 - 0.25)).toBeLessThanOrEqual(0.01);

    // Each closed second is flushed (once a second): the counts in Postgres are every request made.
    const to = new Date(Date.now() + 1000);
    const arms = () => Promise.all([readWindow(db, canary, from, to), readWindow(db, base, from, to)]);
    await until(async () => (await arms()).reduce((n, w) => n + w.requests, 0) >= 10_000, 5000, 100);
    const [c, b] = await arms();
    expect(c.requests).toBe(toCanary);
    expect(b.requests).toBe(10_000 - toCanary);
    expect(c.errors + b.errors).toBe(0);
    expect(c.histogram.count).toBe(toCanary);
    expect(c.histogram.quantile(0.95)).toBeGreaterThan(0);
  });

  it("keeps a visitor on one version for a stage and only moves it forward as the weight grows", async () => {
    const { base, canary, setWeight, host } = await twoVersions();
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const served = async (cohort: number) =>
      (await request(router.port, host, "/", { headers: { cookie: `theme=dark; ${COHORT_COOKIE}=${cohort}` } })).headers["x-slipway-deployment"];
    await setWeight(25);
    // Before the change reaches the router, the second deploy is live and every cohort
    // gets it, so wait for the table itself rather than for cohort 0's answer.
    await until(async () => (await router.route(host.split(".")[0]))?.canaryWeight === 25, 2000);
    for (let i = 0; i < 20; i++) {
      expect(await served(2499)).toBe(canary);
      expect(await served(2500)).toBe(base);
    }
    const sticky = await request(router.port, host, "/", { headers: { cookie: `${COHORT_COOKIE}=10` } });
    expect(sticky.headers["set-cookie"]).toBeUndefined();
    await setWeight(50);
    await until(async () => (await served(2500)) === canary, 2000);
    expect(await served(2499)).toBe(canary);
    expect(await served(5000)).toBe(base);
    await setWeight(0);
    await until(async () => (await served(0)) === base, 2000);
  });

  it("has every request of each finished second in Postgres within a second: a crash loses at most the current one", async () => {
    const { base, canary, setWeight, host } = await twoVersions();
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    await setWeight(50);
    await until(async () => (await router.route(host.split(".")[0]))?.canaryWeight === 50, 2000);
    const from = new Date(Date.now() - 1000);
    const answered: number[] = [];
    const end = Date.now() + 2500;
    while (Date.now() < end) {
      await request(router.port, host, "/");
      answered.push(Date.now());
    }
    // No final flush (as if the process died now): only the periodic one has run.
    const cut = Math.floor(Date.now() / 1000) * 1000;
    await new Promise((r) => setTimeout(r, 1300 - (Date.now() - cut)));
    const to = new Date(cut);
    const [c, b] = await Promise.all([readWindow(db, canary, from, to), readWindow(db, base, from, to)]);
    const closed = answered.filter((t) => t < cut).length;
    // The router stamps a request when it answers, a moment before the client
    // sees it: the one request straddling the cut may land on either side.
    expect(c.requests + b.requests).toBeGreaterThanOrEqual(closed);
    expect(c.requests + b.requests).toBeLessThanOrEqual(closed + 1);
  });
});

