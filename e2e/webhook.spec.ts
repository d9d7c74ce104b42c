import { createHmac, randomUUID } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { E2E_ADMIN, expect, shot, signIn, test } from "./fixtures";

// The push webhook: an admin makes the signing secret on the settings page, and
// a git host's signed push (sent here with no session, as GitHub sends it)
// queues a deployment of exactly the pushed commit.

// No serious or critical WCAG 2.1 A/AA violation in the section, in the state on screen.
async function scanSection(page: Page) {
  const { violations } = await new AxeBuilder({ page }).include('section[aria-labelledby="webhook-title"]').withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

async function createProject(page: Page, name: string, source: Record<string, string>): Promise<string> {
  const me = await (await page.request.get("/api/me")).json();
  const slug = `${name.toLowerCase().split(" ")[0]}-${Date.now().toString(36)}`;
  const created = await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name, slug, ...source } });
  expect(created.status()).toBe(201);
  return slug;
}

function pushBody(branch: string, sha: string) {
  return JSON.stringify({
    ref: `refs/heads/${branch}`,
    after: sha,
    deleted: false,
    head_commit: { id: sha, message: "Ship the webhook" },
    repository: { full_name: "acme/hooked", pushed_at: Math.floor(Date.now() / 1000) },
  });
}

// Plain fetch: no cookies, no Origin, like a git host.
async function sendPush(url: string, body: string, secret: string | null) {
  const headers: Record<string, string> = { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": randomUUID() };
  if (secret) headers["x-hub-signature-256"] = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  const res = await fetch(url, { method: "POST", headers, body });
  return { status: res.status, json: await res.json() };
}

test("an admin generates the webhook secret, a signed push deploys the pushed commit, and rotating it retires the old secret", async ({ page, baseURL }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  // Nothing listens on port 9: the build fails at its source stage, after the webhook has done its part.
  const slug = await createProject(page, "Hooked app", { sourceKind: "git", gitUrl: "https://127.0.0.1:9/acme/hooked.git" });
  const hookUrl = `${baseURL}/api/hooks/git/${slug}`;

  await page.goto(`/projects/${slug}/settings`);
  const section = page.getByRole("region", { name: "Git push webhook" });
  await expect(section.getByTestId("webhook-url")).toHaveText(hookUrl);
  await expect(section.getByTestId("webhook-state")).toHaveText("Not configured");
  await expect(section.getByText("application/json")).toBeVisible();
  expect((await sendPush(hookUrl, pushBody("main", "a".repeat(40)), "guess")).status).toBe(404);

  await section.getByRole("button", { name: "Generate secret" }).click();
  const secretBox = section.getByLabel("Webhook secret");
  await expect(secretBox).toHaveValue(/^[0-9a-f]{64}$/);
  await expect(section.getByText("Copy it now: it won't be shown again.")).toBeVisible();
  await expect(section.getByTestId("webhook-state")).toHaveText(/^Configured · set (just now|\d+ seconds? ago)$/);
  const secret = await secretBox.inputValue();
  await section.scrollIntoViewIfNeeded();
  await shot(page, "webhook-secret");
  await scanSection(page);

  const unsigned = await sendPush(hookUrl, pushBody("main", "a".repeat(40)), null);
  expect(unsigned.status).toBe(401);
  expect(unsigned.json.error.message).toMatch(/not signed/);

  const sha = "0123456789abcdef0123456789abcdef01234567";
  const pushed = await sendPush(hookUrl, pushBody("main", sha), secret);
  expect(pushed.status).toBe(201);
  expect(pushed.json).toMatchObject({ result: "deployed", deployment: { environment: "production", branch: "main", commitSha: sha } });
  expect(JSON.stringify(pushed.json)).not.toContain(secret);
  const deployment = await (await page.request.get(`/api/deployments/${pushed.json.deployment.id}`)).json();
  expect(deployment.deployment).toMatchObject({ environment: "production", branch: "main", commitSha: sha, commitMessage: "Ship the webhook" });

  const preview = await sendPush(hookUrl, pushBody("feature/login", sha), secret);
  expect(preview.json.deployment).toMatchObject({ environment: "preview", branch: "feature/login" });

  // Once dismissed, or after a reload, the secret is gone from the page for good.
  await section.getByRole("button", { name: "I've copied it" }).click();
  await expect(secretBox).toHaveCount(0);
  await page.reload();
  await expect(section.getByTestId("webhook-state")).toHaveText(/^Configured/);
  expect(await page.content()).not.toContain(secret);

  await section.getByRole("button", { name: "Rotate secret" }).click();
  const dialog = page.getByRole("dialog", { name: "Rotate the webhook secret?" });
  await expect(dialog.getByRole("button", { name: "Keep the current one" })).toBeFocused();
  await shot(page, "webhook-rotate-confirm");
  await dialog.getByRole("button", { name: "Rotate secret" }).click();
  await expect(dialog).toHaveCount(0);
  const rotated = await section.getByLabel("Webhook secret").inputValue();
  await expect(section.getByTestId("webhook-state")).toHaveText(/^Configured · set (just now|\d+ seconds? ago)$/);
  expect(rotated).not.toBe(secret);
  expect((await sendPush(hookUrl, pushBody("main", "b".repeat(40)), secret)).status).toBe(401);
  expect((await sendPush(hookUrl, pushBody("main", "b".repeat(40)), rotated)).status).toBe(201);

  await page.setViewportSize({ width: 390, height: 844 });
  await section.scrollIntoViewIfNeeded();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot(page, "webhook-secret-phone");
  await scanSection(page);
});

test("a signed push to a project that does not deploy from git is refused with the reason", async ({ page, baseURL }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const slug = await createProject(page, "Archive hook", { sourceKind: "archive" });
  await page.goto(`/projects/${slug}/settings`);
  await expect(page.getByRole("region", { name: "Git push webhook" })).toContainText("Pushes can deploy only projects created from a git repository");

  const rotated = await page.request.post(`/api/projects/${slug}/webhook`);
  expect(rotated.status()).toBe(201);
  const { secret, url } = await rotated.json();
  expect(url).toBe(`${baseURL}/api/hooks/git/${slug}`);
  const refused = await sendPush(url, pushBody("main", "c".repeat(40)), secret);
  expect(refused.status).toBe(400);
  expect(refused.json.error.message).toMatch(/deploys uploaded archives, not a git repository/);
  expect((await (await page.request.get(`/api/projects/${slug}/webhook`)).json())).toEqual({ configured: true, url, updatedAt: expect.any(String) });
});
