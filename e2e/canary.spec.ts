import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { E2E_ADMIN, expect, routerGet, shot, signIn, test } from "./fixtures";

// Canary rollouts against the real platform: the router splits real traffic,
// records it, the worker's controller judges each stage. Windows are short.
const WINDOW_SEC = 45;
const settings = (windowSec: number) => ({ stages: [5, 25, 50, 100], observationWindowSec: windowSec, minSamples: 20 });

// An app whose /api/hello function fails `failRate` of its requests with a
// 500, and whose module takes `loadMs` to load (as a framework's may).
function writeApp(dir: string, version: string, failRate: number, windowSec: number, loadMs = 0) {
  mkdirSync(path.join(dir, "src/api"), { recursive: true });
  writeFileSync(path.join(dir, "src/index.html"), `<!doctype html><title>canary ${version}</title><h1>${version}</h1>`);
  writeFileSync(
    path.join(dir, "src/api/hello.js"),
    `const until = Date.now() + ${loadMs}; while (Date.now() < until) {}\n` +
      `export default () => Math.random() < ${failRate} ? new Response("boom", { status: 500 }) : new Response("hello from ${version}");\n`,
  );
  writeFileSync(path.join(dir, "slipway.json"), JSON.stringify({ installCommand: "true", buildCommand: "rm -rf dist && cp -r src dist", canary: settings(windowSec) }));
  execFileSync("tar", ["-czf", `${dir}.tar.gz`, "-C", dir, "."]);
  return readFileSync(`${dir}.tar.gz`);
}

async function deploy(page: Page, slug: string, archive: Buffer): Promise<string> {
  const res = await page.request.post(`/api/projects/${slug}/deployments`, { headers: { "content-type": "application/gzip" }, data: archive });
  expect(res.status()).toBe(201);
  return (await res.json()).deployment.id;
}

const status = async (page: Page, id: string) => (await (await page.request.get(`/api/deployments/${id}`)).json()).deployment.status as string;

// About 100 requests a second to /api/hello without cookies (every request a
// new visitor, so the split follows the weight), each answer kept.
function startTraffic(router: string, host: string) {
  const seen: { at: number; status: number; deployment: string }[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  let running = true;
  const loops = Array.from({ length: 10 }, async () => {
    while (running) {
      const started = Date.now();
      await new Promise<void>((resolve) => {
        const req = http.request(new URL("/api/hello", router), { headers: { host }, agent }, (res) => {
          res.resume();
          res.on("end", () => {
            seen.push({ at: Date.now(), status: res.statusCode ?? 0, deployment: String(res.headers["x-slipway-deployment"]) });
            resolve();
          });
        });
        req.on("error", () => resolve());
        req.end();
      });
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
    }
  });
  return {
    seen,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

test("a bad canary is rolled back automatically at its first stage; the charts and the banner show it; the old version keeps serving", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const me = await (await page.request.get("/api/me")).json();
  const slug = `canary-${Date.now().toString(36)}`;
  expect((await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name: "Canary app", slug, sourceKind: "archive" } })).status()).toBe(201);
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-canary-"));
  const router = process.env.E2E_ROUTER_URL!;
  const host = `${slug}.localhost`;
  const traffic = startTraffic(router, host);
  try {
    const v1 = await deploy(page, slug, writeApp(path.join(dir, "v1"), "v1", 0, WINDOW_SEC));
    await expect.poll(() => status(page, v1), { timeout: 60_000 }).toBe("live");

    const v2 = await deploy(page, slug, writeApp(path.join(dir, "v2"), "v2", 0.2, WINDOW_SEC));
    await expect.poll(() => status(page, v2), { timeout: 60_000 }).toBe("canary");
    await page.goto(`/projects/${slug}/deployments/${v2}`);
    const panel = page.getByTestId("rollout-panel");
    await expect(panel.getByTestId("rollout-status")).toHaveAttribute("data-status", "running");
    await expect(panel.getByTestId("rollout-weight")).toHaveAttribute("data-weight", "5");
    await expect(page.getByTestId("rollout-chart-errors")).toHaveAttribute("data-has-traffic", "true", { timeout: 20_000 });
    await shot(page, "canary-charts");

    const banner = page.getByTestId("rollout-banner");
    await expect(banner).toHaveAttribute("data-kind", "rolled_back", { timeout: (WINDOW_SEC + 30) * 1000 });
    await expect(banner).toHaveAttribute("role", "alert");
    await expect(banner).toContainText("error rate");
    await expect(page.getByTestId("deployment-status")).toHaveAttribute("data-status", "failed");
    await expect(page.locator('[data-testid="rollout-stage"][data-stage-index="0"]')).toHaveAttribute("data-state", "failed");
    await shot(page, "canary-rolled-back");

    // From the first bad answer to weight 0 (the rollout's end), against one window + 2 s.
    const rollout = (await (await page.request.get(`/api/deployments/${v2}/rollout`)).json()).rollout;
    expect(rollout.stageIndex).toBe(0);
    const firstBad = traffic.seen.find((r) => r.deployment === v2 && r.status === 500)!.at;
    const detected = (new Date(rollout.finishedAt).getTime() - firstBad) / 1000;
    console.log(`canary e2e: first bad answer to weight 0 took ${detected.toFixed(1)} s (window ${WINDOW_SEC} s)`);
    expect(detected).toBeLessThanOrEqual(WINDOW_SEC + 2);

    // The old version serves everything again.
    await expect.poll(async () => (await routerGet(router, host, "/")).headers["x-slipway-deployment"], { timeout: 2_000 }).toBe(v1);
    const after = Date.now() + 1000;
    await new Promise((r) => setTimeout(r, 3000));
    const late = traffic.seen.filter((r) => r.at > after);
    expect(late.length).toBeGreaterThan(100);
    expect(late.every((r) => r.deployment === v1 && r.status === 200)).toBe(true);
  } finally {
    await traffic.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a good canary walks every stage and becomes live, the history list shows it, the timeline says what warm-up it left out", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const me = await (await page.request.get("/api/me")).json();
  const slug = `good-${Date.now().toString(36)}`;
  expect((await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name: "Good canary", slug, sourceKind: "archive" } })).status()).toBe(201);
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-canary-good-"));
  const traffic = startTraffic(process.env.E2E_ROUTER_URL!, `${slug}.localhost`);
  try {
    // The same code with a slow module load: its new host's warm-up must not roll it back.
    const v1 = await deploy(page, slug, writeApp(path.join(dir, "v1"), "v1", 0, 6, 1500));
    await expect.poll(() => status(page, v1), { timeout: 60_000 }).toBe("live");
    const v2 = await deploy(page, slug, writeApp(path.join(dir, "v2"), "v2", 0, 6, 1500));
    await expect.poll(() => status(page, v2), { timeout: 60_000 }).toBe("canary");
    await page.goto(`/projects/${slug}`);
    const row = (id: string) => page.locator(`[data-testid="deployment-row"][data-deployment-id="${id}"]`);
    await expect(row(v2)).toHaveAttribute("data-canary-weight", /^(5|25|50|100)$/);
    await expect(row(v2)).toHaveAttribute("data-status", "live", { timeout: 150_000 });
    await expect(row(v1)).toHaveAttribute("data-status", "superseded");
    await shot(page, "canary-promoted-list");
    const rollout = (await (await page.request.get(`/api/deployments/${v2}/rollout`)).json()).rollout;
    expect(rollout.status).toBe("succeeded");
    expect(rollout.analyses.filter((a: { verdict: string }) => a.verdict === "pass").map((a: { weight: number }) => a.weight)).toEqual([5, 25, 50, 100]);

    // The first stage's verdict (shown first; earlier windows fold below it) says what it left out.
    await page.goto(`/projects/${slug}/deployments/${v2}`);
    const first = page.locator('[data-testid="rollout-stage"][data-stage-index="0"]');
    await expect(first.getByTestId("rollout-verdict-notes").first()).toContainText(
      /latency leaves out [1-9]\d* canary and \d+ baseline requests served while a new host was starting/,
    );
    await shot(page, "canary-warmup-note");
  } finally {
    await traffic.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
