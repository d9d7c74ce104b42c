import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { demoLiveDeployment, E2E_ADMIN, expect, routerGet, setDnsRecords, shot, signIn, test } from "./fixtures";

// Custom domains end to end: the platform resolves TXT records through the DNS
// server global-setup started (DNS_SERVERS), whose records this spec sets.
const HOST = "shop.example.test";

// No serious or critical WCAG 2.1 A/AA violation in the state on screen.
async function expectAccessible(page: Page) {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
}

test("add and verify a domain", async ({ page }) => {
  test.setTimeout(300_000);
  const router = process.env.E2E_ROUTER_URL!;
  setDnsRecords({});
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const live = await demoLiveDeployment(page);
  expect((await routerGet(router, HOST, "/")).status).toBe(404);

  await page.goto("/projects/demo/domains");
  await expect(page.getByRole("heading", { level: 1, name: "Domains" })).toBeVisible();
  await expect(page.getByText("No custom domains yet")).toBeVisible();

  // Keyboard: the dialog opens with the host name field focused; a bad name is refused with the reason.
  await page.getByRole("button", { name: "Add domain" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a domain" });
  const hostField = dialog.getByLabel("Domain");
  await expect(hostField).toBeFocused();
  await hostField.fill("demo.localhost");
  await hostField.press("Enter");
  await expect(dialog.getByText("Names under localhost only reach this machine; add a domain you own.")).toBeVisible();
  await expect(hostField).toHaveAttribute("aria-invalid", "true");
  await hostField.fill("Shop.Example.Test");
  await dialog.getByRole("button", { name: "Add domain" }).click();
  await expect(dialog).toBeHidden();

  const card = page.locator(`[data-testid="domain"][data-hostname="${HOST}"]`);
  await expect(card.getByRole("heading", { name: HOST })).toBeVisible();
  await expect(card.getByText("Serves production")).toBeVisible();
  await expect(card.getByTestId("txt-type")).toHaveText("TXT");
  await expect(card.getByTestId("txt-name")).toHaveText(`_slipway.${HOST}`);
  const value = (await card.getByTestId("txt-value").textContent())!;
  expect(value).toMatch(/^slipway-verify=[0-9a-f]{32}$/);
  await expect(card.getByRole("button", { name: "Copy the record's value" })).toBeVisible();
  await shot(page, "domains-txt-instructions");
  await expectAccessible(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "domains-txt-instructions-phone");
  await page.setViewportSize({ width: 1280, height: 800 });

  // No record yet: the check says so, in words.
  await card.getByRole("button", { name: `Verify ${HOST}` }).click();
  await expect(card.getByRole("alert")).toContainText(`Not verified: No TXT record at _slipway.${HOST}.`);
  await expect(card.getByTestId("domain-status")).toHaveAttribute("data-status", "error");
  await expect(card.getByText(/^Last checked/)).toBeVisible();
  await shot(page, "domains-verify-failed");

  // The record appears; Verify now succeeds (the worker may have got there first: same outcome).
  setDnsRecords({ [`_slipway.${HOST}`]: { TXT: [value] } });
  await card.getByRole("button", { name: new RegExp(`^(Verify|Check again) ${HOST.replace(/\./g, "\\.")}$`) }).click();
  await expect(card.getByTestId("domain-status")).toHaveAttribute("data-status", "verified");
  await expect(card.getByRole("status").filter({ hasText: "Verified." })).toHaveText(`Verified. ${HOST} serves production.`);
  await expect(card.getByTestId("txt-record")).toHaveCount(0);
  await shot(page, "domains-verified");
  await expectAccessible(page);

  // The edge router serves the demo's live deployment on the domain, as on its own URL.
  await expect.poll(async () => (await routerGet(router, HOST, "/")).headers["x-slipway-deployment"], { timeout: 5000 }).toBe(live);
  const viaDomain = await routerGet(router, HOST, "/");
  const viaApp = await routerGet(router, "demo.localhost", "/");
  expect(viaDomain.status).toBe(200);
  expect(viaDomain.headers["x-slipway-deployment"]).toBe(viaApp.headers["x-slipway-deployment"]);
  expect(viaDomain.body.equals(viaApp.body)).toBe(true);

  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "domains-verified-phone");
  await page.setViewportSize({ width: 1280, height: 800 });

  // Removing it (after a confirmation) stops the routing.
  await card.getByRole("button", { name: `Remove ${HOST}` }).click();
  const confirm = page.getByRole("dialog", { name: `Remove ${HOST}?` });
  await expect(confirm.getByRole("button", { name: "Keep it" })).toBeFocused();
  await confirm.getByRole("button", { name: "Remove domain" }).click();
  await expect(card).toHaveCount(0);
  await expect.poll(async () => (await routerGet(router, HOST, "/")).status, { timeout: 5000 }).toBe(404);
  setDnsRecords({});
});

test("a viewer sees a project's domains and the record to create, with no controls, and the API refuses their changes", async ({ page, browser }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const added = await page.request.post("/api/projects/demo/domains", { data: { hostname: "blog.example.test", branch: "feature-x" } });
  expect(added.status()).toBe(200);
  const { domain } = await added.json();
  const viewerPage = await (await browser.newContext()).newPage();
  try {
    const me = await (await page.request.get("/api/me")).json();
    const email = `domains-viewer-${Date.now()}@e2e.test`;
    const invited = await page.request.post(`/api/teams/${me.teams[0].id}/invitations`, { data: { email, role: "viewer" } });
    expect(invited.status()).toBe(201);
    const { token } = (await invited.json()).invitation;
    const accepted = await viewerPage.request.post("/api/invitations/accept", { data: { token, name: "Dana Viewer", password: "viewer-password-123" } });
    expect(accepted.status()).toBe(200);
    await signIn(viewerPage, email, "viewer-password-123");

    await viewerPage.goto("/projects/demo/domains");
    const card = viewerPage.locator('[data-testid="domain"][data-hostname="blog.example.test"]');
    await expect(card.getByText("Serves the preview of branch feature-x")).toBeVisible();
    await expect(card.getByTestId("domain-status")).toHaveAttribute("data-status", /pending|error/);
    await expect(card.getByTestId("txt-value")).toHaveText(domain.txtRecord.value);
    await expect(viewerPage.getByText("You can see this project's domains but not change them")).toBeVisible();
    await expect(viewerPage.getByRole("button", { name: /Add domain|Verify|Remove/ })).toHaveCount(0);
    await shot(viewerPage, "domains-viewer");

    expect((await viewerPage.request.post("/api/projects/demo/domains", { data: { hostname: "sneaky.example.test" } })).status()).toBe(403);
    expect((await viewerPage.request.post(`/api/domains/${domain.id}/verify`)).status()).toBe(403);
    expect((await viewerPage.request.delete(`/api/domains/${domain.id}`)).status()).toBe(403);
  } finally {
    await viewerPage.context().close();
    await page.request.delete(`/api/domains/${domain.id}`);
  }
});
