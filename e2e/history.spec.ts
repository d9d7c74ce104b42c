import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { E2E_ADMIN, expect, routerGet, shot, signIn, test } from "./fixtures";

// The deployment history as people use it: a project with deploys on two
// branches (one live preview, one failed build) and two production releases.
// Filter by status and by branch, search by SHA prefix and by message, see the
// empty state and clear it, keep the filters across a reload and Back; the
// project page lists the branches with their URLs; a deployment arriving while
// the list is open waits behind "1 new deployment" instead of pushing rows down.

type Deployed = { id: string; commitSha: string };

function archive(dir: string, name: string, files: Record<string, string>): Buffer {
  const app = path.join(dir, name);
  mkdirSync(path.join(app, "src"), { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(app, file), content);
  execFileSync("tar", ["-czf", `${app}.tar.gz`, "-C", app, "."]);
  return readFileSync(`${app}.tar.gz`);
}

const site = (dir: string, name: string, title: string) =>
  archive(dir, name, {
    "src/index.html": `<!doctype html><title>${title}</title><h1>${title}</h1>`,
    "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "rm -rf dist && cp -r src dist", canary: "skip" }),
  });

async function deploy(page: Page, slug: string, body: Buffer, params: Record<string, string>): Promise<Deployed> {
  const res = await page.request.post(`/api/projects/${slug}/deployments?${new URLSearchParams(params)}`, { headers: { "content-type": "application/gzip" }, data: body });
  expect(res.status()).toBe(201);
  const { deployment } = await res.json();
  return { id: deployment.id, commitSha: deployment.commitSha };
}

async function settled(page: Page, id: string, status: string) {
  await expect.poll(async () => (await (await page.request.get(`/api/deployments/${id}`)).json()).deployment.status, { timeout: 90_000 }).toBe(status);
}

test("filter, search and page through the history; the URL keeps the filters; branches list their URLs", async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const me = await (await page.request.get("/api/me")).json();
  const slug = `hist-${Date.now().toString(36)}`;
  expect((await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name: "History", slug, sourceKind: "archive" } })).status()).toBe(201);
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-history-"));
  try {
    const v1 = await deploy(page, slug, site(dir, "v1", "Version one"), { message: "Initial release" });
    await settled(page, v1.id, "live");
    const v2 = await deploy(page, slug, site(dir, "v2", "Version two"), { message: "Add pricing page\n\nWith monthly and yearly plans." });
    await settled(page, v2.id, "live");
    const login = await deploy(page, slug, site(dir, "login", "Login form"), { branch: "feature-login", message: "Login form" });
    await settled(page, login.id, "live");
    const failing = archive(dir, "broken", { "src/index.html": "x", "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "echo boom >&2; exit 1" }) });
    const broken = await deploy(page, slug, failing, { branch: "broken-build", message: "Try the new bundler" });
    await settled(page, broken.id, "failed");

    const rows = page.getByTestId("deployment-row");
    const row = (id: string) => page.locator(`[data-testid="deployment-row"][data-deployment-id="${id}"]`);
    const router = process.env.E2E_ROUTER_URL!;
    const port = new URL(router).port;

    // Branches: production first, then the most recently deployed, each with its URL.
    await page.goto(`/projects/${slug}`);
    const branches = page.getByTestId("branch-row");
    await expect(branches).toHaveCount(3);
    await expect(branches.nth(0)).toHaveAttribute("data-branch", "main");
    await expect(branches.nth(0)).toContainText("Production");
    await expect(branches.nth(0).getByTestId("branch-url")).toHaveText(`${slug}.localhost:${port}`);
    await expect(branches.nth(1)).toHaveAttribute("data-branch", "broken-build");
    await expect(branches.nth(1)).toContainText("Failed");
    await expect(branches.nth(1)).toContainText("Not served");
    const preview = branches.nth(2);
    await expect(preview).toHaveAttribute("data-branch", "feature-login");
    await expect(preview.getByTestId("branch-url")).toHaveText(`${slug}-git-feature-login.localhost:${port}`);
    await expect(preview.getByRole("link", { name: /Login form/ })).toHaveAttribute("href", `/projects/${slug}/deployments/${login.id}`);
    const served = await routerGet(router, `${slug}-git-feature-login.localhost`, "/");
    expect(served.status).toBe(200);
    expect(served.headers["x-slipway-deployment"]).toBe(login.id);
    await expect(rows).toHaveCount(4);
    await expect(page.getByTestId("history-count")).toHaveText("4 deployments");
    await shot(page, "history-branches");

    // Status: Failed. The URL says so, a reload keeps it.
    await page.getByTestId("status-filter").click();
    await page.getByRole("checkbox", { name: "Failed" }).check();
    await page.keyboard.press("Escape");
    await expect(page.getByTestId("status-filter")).toBeFocused();
    await expect(page).toHaveURL(new RegExp(`/projects/${slug}\\?status=failed$`));
    await expect(rows).toHaveCount(1);
    await expect(row(broken.id)).toBeVisible();
    await expect(page.getByTestId("history-count")).toHaveText("1 deployment matches");
    await shot(page, "history-status-failed");
    await page.reload();
    await expect(page.getByTestId("status-filter")).toHaveText(/Failed/);
    await expect(rows).toHaveCount(1);
    await expect(row(broken.id)).toBeVisible();

    // Two statuses at once.
    await page.getByTestId("status-filter").click();
    await page.getByRole("checkbox", { name: "Live" }).check();
    await page.getByRole("button", { name: "Done" }).click();
    await expect(page).toHaveURL(/status=failed&status=live$/);
    await expect(rows).toHaveCount(3);

    // And branch feature-login: its live preview is left. Without Live, nothing failed there: the empty state.
    await page.getByLabel("Branch", { exact: true }).selectOption("feature-login");
    await expect(rows).toHaveCount(1);
    await expect(row(login.id)).toBeVisible();
    await page.getByTestId("status-filter").click();
    await page.getByRole("checkbox", { name: "Live" }).uncheck();
    await page.keyboard.press("Escape");
    await expect(page.getByText("No deployments match these filters.")).toBeVisible();
    await expect(page).toHaveURL(/\?branch=feature-login&status=failed$/);
    await shot(page, "history-empty");

    // Back undoes the last filter; Clear filters empties the URL.
    await page.goBack();
    await expect(page).toHaveURL(/\?branch=feature-login&status=failed&status=live$/);
    await expect(rows).toHaveCount(1);
    await page.getByRole("button", { name: "Clear filters" }).first().click();
    await expect(page).toHaveURL(new RegExp(`/projects/${slug}$`));
    await expect(rows).toHaveCount(4);
    await expect(page.getByLabel("Branch", { exact: true })).toHaveValue("");

    // Branch alone.
    await page.getByLabel("Branch", { exact: true }).selectOption("main");
    await expect(rows).toHaveCount(2);
    await expect(row(v1.id)).toBeVisible();
    await expect(row(v2.id)).toBeVisible();
    await page.getByRole("button", { name: "Clear filters" }).click();

    // Search by SHA prefix (in capitals: it is case-insensitive), after typing pauses.
    const search = page.getByRole("searchbox", { name: "Search" });
    await search.fill(v2.commitSha.slice(0, 7).toUpperCase());
    await expect(page).toHaveURL(new RegExp(`\\?q=${v2.commitSha.slice(0, 7).toUpperCase()}$`));
    await expect(rows).toHaveCount(1);
    await expect(row(v2.id)).toBeVisible();
    await shot(page, "history-sha-search");
    await page.reload();
    await expect(search).toHaveValue(v2.commitSha.slice(0, 7).toUpperCase());
    await expect(rows).toHaveCount(1);

    // By message, then something nothing matches, then clear from the empty state.
    await search.fill("pricing");
    await expect(rows).toHaveCount(1);
    await expect(row(v2.id)).toBeVisible();
    await search.fill("no such change anywhere");
    await expect(page.getByText("No deployments match these filters.")).toBeVisible();
    await page.getByRole("button", { name: "Clear filters" }).last().click();
    await expect(search).toHaveValue("");
    await expect(rows).toHaveCount(4);
    await expect(page).toHaveURL(new RegExp(`/projects/${slug}$`));

    // A deployment that arrives while the list is open waits above it; the rows stay put.
    const firstBefore = await rows.first().getAttribute("data-deployment-id");
    const boxBefore = await rows.first().boundingBox();
    const v3 = await deploy(page, slug, site(dir, "v3", "Version three"), { message: "Faster images" });
    const waiting = page.getByTestId("history-new");
    await expect(waiting).toHaveText("Show 1 new deployment", { timeout: 20_000 });
    await expect(rows).toHaveCount(4);
    expect(await rows.first().getAttribute("data-deployment-id")).toBe(firstBefore);
    expect((await rows.first().boundingBox())?.y).toBe(boxBefore?.y);
    await shot(page, "history-new-waiting");
    await waiting.click();
    await expect(rows.first()).toHaveAttribute("data-deployment-id", v3.id);
    // Its status then changes in place as it builds and goes live.
    await expect(row(v3.id)).toHaveAttribute("data-status", "live", { timeout: 90_000 });
    await expect(row(v2.id)).toHaveAttribute("data-status", "superseded");

    // On a phone: the filters wrap, the list becomes cards, nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel("Environment", { exact: true }).selectOption("production");
    await expect(rows).toHaveCount(3);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, "history-narrow");
    await page.setViewportSize({ width: 1280, height: 800 });

    // The deployment page: the summary, the whole message, and its permalink, served by the router.
    await page.goto(`/projects/${slug}/deployments/${v2.id}`);
    await expect(page.getByTestId("commit-message")).toHaveText("Add pricing page\n\nWith monthly and yearly plans.");
    await expect(page.getByText(v2.commitSha.slice(0, 7), { exact: true })).toHaveAttribute("title", v2.commitSha);
    await expect(page.getByRole("button", { name: "Copy the commit SHA" })).toBeVisible();
    await expect(page.locator("time").first()).toHaveAttribute("title", /\d{4}/);
    const permalink = page.getByTestId("deployment-url");
    await expect(permalink).toHaveText(`${slug}-${v2.id}.localhost:${port}`);
    const pinned = await routerGet(router, `${slug}-${v2.id}.localhost`, "/");
    expect(pinned.status).toBe(200);
    expect(pinned.body.toString()).toContain("Version two");
    await shot(page, "history-deployment-page");

    // More than a page: 52 deploys of one branch in a row (each cancels the one
    // still queued before it). Under the branch filter, 50 rows, then "Load more"
    // brings the rest, each row once.
    const bulk = site(dir, "bulk", "Bulk");
    const bulkIds: string[] = [];
    for (let i = 0; i < 52; i++) bulkIds.push((await deploy(page, slug, bulk, { branch: "bulk", message: `Bulk ${i}` })).id);
    await page.goto(`/projects/${slug}?branch=bulk`);
    await expect(rows).toHaveCount(50);
    await expect(page.getByTestId("history-count")).toHaveText("50+ deployments match");
    await expect(rows.first()).toHaveAttribute("data-deployment-id", bulkIds[51]);
    await page.getByRole("button", { name: "Load more" }).click();
    await expect(rows).toHaveCount(52);
    await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);
    const listed = await rows.evaluateAll((els) => els.map((el) => el.getAttribute("data-deployment-id")));
    expect(listed).toEqual([...bulkIds].reverse());
    await shot(page, "history-load-more");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
