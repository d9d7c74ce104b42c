import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { E2E_ADMIN, expect, shot, signIn, test } from "./fixtures";

const ROOT = path.resolve(import.meta.dirname, "..");
const LINES = 100_000;

// A build that prints 100,000 lines: the deployment page stays usable, renders
// only the rows in view, and keeps the page's memory bounded.
test("a 100,000-line build log stays readable and light", async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-log-"));
  try {
    const me = await (await page.request.get("/api/me")).json();
    const slug = `chatty-${Date.now().toString(36)}`;
    const created = await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name: "Chatty app", slug, sourceKind: "archive" } });
    expect(created.status()).toBe(201);
    const app = path.join(dir, "app");
    cpSync(path.join(ROOT, "examples/static-site"), app, { recursive: true });
    writeFileSync(path.join(app, "slipway.json"), JSON.stringify({ installCommand: "true", buildCommand: `seq 1 ${LINES} && node build.mjs` }));
    execFileSync("tar", ["-czf", path.join(dir, "app.tar.gz"), "-C", app, "."]);
    const res = await page.request.post(`/api/projects/${slug}/deployments`, {
      headers: { "content-type": "application/gzip" },
      data: readFileSync(path.join(dir, "app.tar.gz")),
    });
    expect(res.status()).toBe(201);
    const { deployment } = await res.json();

    await page.goto(`/projects/${slug}/deployments/${deployment.id}`);
    await expect(page.getByTestId("deployment-status")).toHaveAttribute("data-status", "live", { timeout: 120_000 });
    const log = page.getByTestId("build-log");
    await expect(log.getByTestId("log-line").first()).toBeVisible();

    // Jump to the end: the last printed number is there, and only a window of rows is in the DOM.
    await expect(page.getByTestId("build-log-count")).toContainText("100,0");
    await log.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect(log.getByTestId("log-line").filter({ hasText: new RegExp(`^${LINES}$`) })).toBeVisible({ timeout: 20_000 });
    expect(await log.getByTestId("log-line").count()).toBeLessThan(300);
    const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
    expect(heap).toBeLessThan(150 * 1024 * 1024);
    await shot(page, "build-log-100k");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
