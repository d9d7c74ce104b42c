import { createHash } from "node:crypto";
import type { Page } from "@playwright/test";
import { E2E_ADMIN, expect, routerGet, shot, signIn, test } from "./fixtures";

// Promote from the project's history list: two production deploys of the demo,
// then the older one back to live through the "what will change" dialog.

// The demo is built from examples/vite-demo on the server, and the deploy
// dialog has nothing that changes a directory project's output (environment
// and branch only). Its build command is a project setting, though: the second
// deploy runs the usual build plus a step that adds a file and edits index.html,
// so the diff has something in every kind but "added".
const V2_BUILD = "npm run build && printf v2 > dist/version.txt && printf '<!-- v2 -->' >> dist/index.html";

async function deployDemo(page: Page): Promise<string> {
  await page.goto("/projects/demo");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await page.waitForURL(/\/projects\/demo\/deployments\/[0-9a-f-]{36}$/);
  const id = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByTestId("deployment-status")).toHaveAttribute("data-status", "live", { timeout: 180_000 });
  return id;
}

test("Promote on the history list shows what will change, then makes the older deployment live", async ({ page }) => {
  test.setTimeout(480_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);

  const { project } = await (await page.request.get("/api/projects/demo")).json();
  let v1: string;
  let v2: string;
  let note: string | null = null;
  const dropNote = async () => {
    if (note) await page.request.post("/api/projects/demo/env", { data: { changes: [{ op: "delete", id: note }] } });
    note = null;
  };
  try {
    // Both deploys go live at once: this test is about promote, not canary rollouts.
    expect((await page.request.patch("/api/projects/demo", { data: { rolloutSettings: "skip" } })).status()).toBe(200);
    v1 = await deployDemo(page);
    const patched = await page.request.patch("/api/projects/demo", { data: { buildCommand: V2_BUILD } });
    expect(patched.status()).toBe(200);
    // v2 is built with a variable v1 never had: promoting v1 back keeps v1's set, and the dialog says so.
    const set = await page.request.post("/api/projects/demo/env", { data: { changes: [{ op: "set", key: "PROMOTE_NOTE", value: "v2", targets: ["production"] }] } });
    expect(set.status()).toBe(200);
    note = (await set.json()).variables.find((v: { key: string }) => v.key === "PROMOTE_NOTE").id;
    v2 = await deployDemo(page);
  } catch (e) {
    await dropNote();
    throw e;
  } finally {
    // Later tests expect the demo to build as it ships.
    await page.request.patch("/api/projects/demo", { data: { buildCommand: project.buildCommand ?? "", rolloutSettings: project.rolloutSettings ?? null } });
  }

  await page.goto("/projects/demo");
  const row = (id: string) => page.locator(`[data-testid="deployment-row"][data-deployment-id="${id}"]`);
  await expect(row(v1)).toHaveAttribute("data-status", "superseded");
  await expect(row(v2)).toHaveAttribute("data-status", "live");
  // Live rows offer no Promote: they are what their route serves already.
  await expect(row(v2).getByTestId("row-promote")).toHaveCount(0);

  // Keyboard: the button opens the dialog with the safe choice focused; Escape closes it and focus comes back.
  const promote = row(v1).getByRole("button", { name: /^Promote deployment/ });
  const dialog = page.getByRole("dialog", { name: "Promote this deployment to live?" });
  await promote.focus();
  await page.keyboard.press("Enter");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(promote).toBeFocused();

  await promote.click();
  await expect(dialog.getByTestId("promote-preview")).toHaveAttribute("data-allowed", "true");
  await expect(dialog.getByTestId("promote-from")).toHaveAttribute("data-deployment-id", v2);
  await expect(dialog.getByTestId("promote-to")).toHaveAttribute("data-deployment-id", v1);
  const manifest = await (await page.request.get(`/api/deployments/${v1}/manifest`)).json();
  const summary = dialog.getByTestId("promote-summary");
  await expect(summary).toHaveAttribute("data-added", "0");
  await expect(summary).toHaveAttribute("data-changed", "1");
  await expect(summary).toHaveAttribute("data-removed", "1");
  await expect(summary).toHaveAttribute("data-unchanged", String(manifest.fileCount - 1));
  await expect(dialog.getByTestId("promote-env-note")).toContainText("keeps the variables it was built with");
  await expect(dialog.getByTestId("promote-variables").locator("li")).toHaveAttribute("data-key", "PROMOTE_NOTE");
  await expect(dialog.getByTestId("promote-variables").locator("li")).toHaveAttribute("data-kind", "added");
  await dialog.getByRole("button", { name: "Show the 2 changed paths" }).click();
  const files = dialog.getByTestId("promote-files");
  await expect(files.locator('li[data-kind="changed"]')).toHaveAttribute("data-path", "index.html");
  await expect(files.locator('li[data-kind="removed"]')).toHaveAttribute("data-path", "version.txt");
  await shot(page, "promote-dialog");

  await dialog.getByRole("button", { name: "Promote to live" }).click();
  await expect(dialog).toBeHidden({ timeout: 15_000 });
  // No reload: the promote refreshed the list's cache (its own poll is every 10 s).
  await expect(row(v1)).toHaveAttribute("data-status", "live", { timeout: 3_000 });
  await expect(row(v2)).toHaveAttribute("data-status", "superseded", { timeout: 3_000 });
  await expect(row(v1).getByTestId("row-promote")).toHaveCount(0);
  await expect(row(v2).getByTestId("row-promote")).toHaveCount(1);
  await shot(page, "promote-done");

  // `curl -H 'Host: demo.localhost' <router>/`: v1's bytes, under v1's headers.
  const router = process.env.E2E_ROUTER_URL!;
  await expect
    .poll(async () => (await routerGet(router, "demo.localhost", "/")).headers["x-slipway-deployment"], { timeout: 1_000 })
    .toBe(v1);
  const served = await routerGet(router, "demo.localhost", "/");
  const v1Detail = await (await page.request.get(`/api/deployments/${v1}`)).json();
  expect(served.headers["x-slipway-sha"]).toBe(v1Detail.deployment.commitSha);
  const indexEntry = manifest.files.find((f: { path: string }) => f.path === "index.html");
  expect(createHash("sha256").update(served.body).digest("hex")).toBe(indexEntry.sha256);

  // The alternative to a promote: with PROMOTE_NOTE gone, v2's dialog names it and
  // offers a redeploy of v2's own source with the current variables instead.
  await dropNote();
  await row(v2).getByRole("button", { name: /^Promote deployment/ }).click();
  const variables = dialog.getByTestId("promote-variables");
  await expect(variables.locator("li")).toHaveAttribute("data-kind", "removed");
  await shot(page, "promote-dialog-variables");
  await variables.getByRole("button", { name: "Redeploy with current variables" }).click();
  await page.waitForURL((url) => /\/projects\/demo\/deployments\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(v2));
  const redeployed = new URL(page.url()).pathname.split("/").pop()!;
  const [again, v2Detail] = await Promise.all([redeployed, v2].map(async (id) => (await (await page.request.get(`/api/deployments/${id}`)).json()).deployment));
  expect(again).toMatchObject({ commitSha: v2Detail.commitSha, environment: "production", branch: v2Detail.branch });
  // It would build and go live; that is the redeploy's own test. Stop it here.
  expect((await page.request.post(`/api/deployments/${redeployed}/cancel`)).status()).toBe(200);
});

test("a viewer sees the history list without Promote, and the API refuses the preview", async ({ page, browser }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const me = await (await page.request.get("/api/me")).json();
  const invited = await page.request.post(`/api/teams/${me.teams[0].id}/invitations`, { data: { email: "promote-viewer@e2e.test", role: "viewer" } });
  expect(invited.status()).toBe(201);
  const { invitation } = await invited.json();
  const accepted = await page.request.post("/api/invitations/accept", {
    data: { token: invitation.token, name: "Pat Viewer", password: "viewer-password-456" },
  });
  expect(accepted.status()).toBe(200);

  const viewer = await (await browser.newContext()).newPage();
  try {
    await signIn(viewer, "promote-viewer@e2e.test", "viewer-password-456");
    await viewer.goto("/projects/demo");
    const rows = viewer.getByTestId("deployment-row");
    await expect(rows.first()).toBeVisible();
    await expect(viewer.locator('[data-testid="deployment-row"][data-status="superseded"]').first()).toBeVisible();
    await expect(viewer.getByTestId("row-promote")).toHaveCount(0);
    const superseded = await viewer.locator('[data-testid="deployment-row"][data-status="superseded"]').first().getAttribute("data-deployment-id");
    const res = await viewer.request.get(`/api/deployments/${superseded}/promote`);
    expect(res.status()).toBe(403);
  } finally {
    await viewer.context().close();
  }
});
