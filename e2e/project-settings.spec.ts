import type { Page } from "@playwright/test";
import { E2E_ADMIN, expect, shot, signIn, test } from "./fixtures";

// The project settings page: build settings and canary rollout settings,
// saved through PATCH /api/projects/:slug and read back through GET.

async function createProject(page: Page, name: string): Promise<string> {
  const me = await (await page.request.get("/api/me")).json();
  const slug = `${name.toLowerCase().split(" ")[0]}-${Date.now().toString(36)}`;
  const created = await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name, slug, sourceKind: "archive" } });
  expect(created.status()).toBe(201);
  return slug;
}

async function storedProject(page: Page, slug: string) {
  const res = await page.request.get(`/api/projects/${slug}`);
  expect(res.status()).toBe(200);
  return (await res.json()).project;
}

test("an admin sets canary stages and synthetic checks: the server's error keeps the input, the fix survives a reload", async ({ page }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const slug = await createProject(page, "Settings app");

  await page.goto(`/projects/${slug}`);
  await expect(page.getByText("No deployments yet")).toBeVisible();
  await shot(page, "project-settings-link");
  await page.getByRole("link", { name: "Settings" }).click();
  await page.waitForURL(`**/projects/${slug}/settings`);
  const crumbs = page.getByRole("navigation", { name: "Breadcrumb" });
  await expect(crumbs.getByRole("link", { name: "Projects" })).toBeVisible();
  await expect(crumbs.getByRole("link", { name: "Settings app" })).toHaveAttribute("href", `/projects/${slug}`);
  await expect(crumbs.getByText("Settings", { exact: true })).toHaveAttribute("aria-current", "page");

  const form = page.getByRole("form", { name: "Canary rollouts" });
  const state = form.getByRole("status");
  await expect(form.getByRole("radio", { name: "Use the defaults" })).toBeChecked();
  await expect(form.getByLabel("Stages (% of traffic)")).toBeDisabled();

  // Stages out of order: the client passes them on, the server refuses them.
  await form.getByRole("radio", { name: "Canary stages" }).check();
  await form.getByLabel("Stages (% of traffic)").fill("5, 50, 25, 100");
  await expect(state).toHaveText("Unsaved changes");
  await form.getByRole("button", { name: "Save rollout settings" }).click();
  await expect(form.getByRole("alert")).toContainText("One field needs a change");
  await expect(form.getByText("Stages must increase strictly (50 is followed by 25)")).toBeVisible();
  await expect(form.getByLabel("Stages (% of traffic)")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("Stages (% of traffic)")).toHaveValue("5, 50, 25, 100");
  await expect(form.getByRole("radio", { name: "Canary stages" })).toBeChecked();
  expect((await storedProject(page, slug)).rolloutSettings).toBeNull();
  await shot(page, "project-settings-error");

  await form.getByLabel("Stages (% of traffic)").fill("10, 100");
  await form.getByLabel("Observation window (seconds)").fill("60");
  await form.getByLabel("Error-rate threshold (percentage points)").fill("5");
  await form.getByLabel("P95 latency floor (ms)").fill("40");
  await form.getByLabel("Send synthetic requests during a rollout").check();
  await form.getByLabel("Paths").fill("/\n/api/health");
  await form.getByLabel("Requests per second").fill("3");
  await form.getByRole("button", { name: "Save rollout settings" }).click();
  await expect(state).toHaveText("Saved");
  await expect(form.getByRole("alert")).toHaveCount(0);

  await page.reload();
  await expect(form.getByRole("radio", { name: "Canary stages" })).toBeChecked();
  await expect(form.getByLabel("Stages (% of traffic)")).toHaveValue("10, 100");
  await expect(form.getByLabel("Observation window (seconds)")).toHaveValue("60");
  await expect(form.getByLabel("Error-rate threshold (percentage points)")).toHaveValue("5");
  await expect(form.getByLabel("P95 latency floor (ms)")).toHaveValue("40");
  await expect(form.getByLabel("Send synthetic requests during a rollout")).toBeChecked();
  await expect(form.getByLabel("Paths")).toHaveValue("/\n/api/health");
  await expect(form.getByLabel("Requests per second")).toHaveValue("3");
  await expect(state).toHaveText("");
  expect((await storedProject(page, slug)).rolloutSettings).toEqual({
    stages: [10, 100],
    observationWindowSec: 60,
    minSamples: 100,
    autoRollback: { errorRateThreshold: 0.05, latencyP95Threshold: 1.5, latencyMinDeltaMs: 40 },
    maxInconclusiveWindows: 3,
    synthetic: { paths: ["/", "/api/health"], requestsPerSec: 3 },
  });
  await shot(page, "project-settings");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "project-settings-narrow");
  await page.setViewportSize({ width: 1280, height: 800 });

  await form.getByRole("radio", { name: "Skip" }).check();
  await expect(form.getByLabel("Stages (% of traffic)")).toHaveCount(0);
  await form.getByRole("button", { name: "Save rollout settings" }).click();
  await expect(state).toHaveText("Saved");
  expect((await storedProject(page, slug)).rolloutSettings).toBe("skip");
});

test("an admin changes the build settings; an empty command goes back to the default", async ({ page }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const slug = await createProject(page, "Build app");
  await page.goto(`/projects/${slug}/settings`);
  const form = page.getByRole("form", { name: "Build" });

  await form.getByLabel("Production branch").fill("-release");
  await form.getByLabel("Build command").fill("npm run build:prod");
  await form.getByRole("button", { name: "Save build settings" }).click();
  await expect(form.getByRole("alert")).toBeVisible();
  await expect(form.getByText("That is not a valid branch name.")).toBeVisible();
  await expect(form.getByLabel("Build command")).toHaveValue("npm run build:prod");
  expect((await storedProject(page, slug)).buildCommand).toBeNull();

  await form.getByLabel("Production branch").fill("release");
  await form.getByLabel("Output directory").fill("build");
  await form.getByRole("button", { name: "Save build settings" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved");
  expect(await storedProject(page, slug)).toMatchObject({ installCommand: null, buildCommand: "npm run build:prod", outputDirectory: "build", productionBranch: "release" });

  await page.reload();
  await expect(form.getByLabel("Build command")).toHaveValue("npm run build:prod");
  await form.getByLabel("Build command").fill("");
  await form.getByRole("button", { name: "Save build settings" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved");
  expect((await storedProject(page, slug)).buildCommand).toBeNull();
});

test("a viewer sees the settings read-only, with no Save button, and the API refuses a change", async ({ page, browser }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const slug = await createProject(page, "Viewed app");
  expect((await page.request.patch(`/api/projects/${slug}`, { data: { rolloutSettings: { stages: [20, 100] } } })).status()).toBe(200);
  const me = await (await page.request.get("/api/me")).json();
  const invited = await page.request.post(`/api/teams/${me.teams[0].id}/invitations`, { data: { email: "settings-viewer@e2e.test", role: "viewer" } });
  expect(invited.status()).toBe(201);
  const { invitation } = await invited.json();
  const accepted = await page.request.post("/api/invitations/accept", {
    data: { token: invitation.token, name: "Sam Viewer", password: "viewer-password-789" },
  });
  expect(accepted.status()).toBe(200);

  const viewer = await (await browser.newContext()).newPage();
  try {
    await signIn(viewer, "settings-viewer@e2e.test", "viewer-password-789");
    await viewer.goto(`/projects/${slug}`);
    await viewer.getByRole("link", { name: "Settings" }).click();
    await viewer.waitForURL(`**/projects/${slug}/settings`);
    await expect(viewer.getByText("You can see these settings but not change them")).toBeVisible();
    await expect(viewer.getByLabel("Stages (% of traffic)")).toHaveValue("20, 100");
    await expect(viewer.getByLabel("Stages (% of traffic)")).toBeDisabled();
    await expect(viewer.getByLabel("Build command")).toBeDisabled();
    await expect(viewer.getByRole("button", { name: /Save/ })).toHaveCount(0);
    await shot(viewer, "project-settings-viewer");
    expect((await viewer.request.patch(`/api/projects/${slug}`, { data: { rolloutSettings: "skip" } })).status()).toBe(403);
  } finally {
    await viewer.context().close();
  }
});

test("an admin opens the app database's port to the sandbox; Slipway's own ports are refused with a reason", async ({ page }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const slug = await createProject(page, "Network app");
  await page.goto(`/projects/${slug}/settings`);
  const form = page.getByRole("form", { name: "Network" });
  const field = form.getByLabel("Allowed addresses");
  await expect(field).toHaveValue("");

  // The console's own port: refused, the input kept.
  const consolePort = new URL(process.env.E2E_BASE_URL!).port;
  await field.fill(`127.0.0.1:5432\n127.0.0.1:${consolePort}`);
  await form.getByRole("button", { name: "Save network settings" }).click();
  await expect(form.getByText(`127.0.0.1:${consolePort} is a port of Slipway itself`)).toBeVisible();
  await expect(field).toHaveValue(`127.0.0.1:5432\n127.0.0.1:${consolePort}`);
  expect((await storedProject(page, slug)).egressAllow).toEqual([]);
  await shot(page, "project-settings-network-error");

  await field.fill("127.0.0.1:5432\n  \n[fd00::5]:6379");
  await form.getByRole("button", { name: "Save network settings" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved");
  expect((await storedProject(page, slug)).egressAllow).toEqual(["127.0.0.1:5432", "[fd00::5]:6379"]);
  await page.reload();
  await expect(page.getByRole("form", { name: "Network" }).getByLabel("Allowed addresses")).toHaveValue("127.0.0.1:5432\n[fd00::5]:6379");
  await shot(page, "project-settings-network");
});
