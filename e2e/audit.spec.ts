import { randomBytes } from "node:crypto";
import { E2E_ADMIN, expect, shot, signIn, test } from "./fixtures";

// An owner invites someone and creates API tokens; one token invites someone
// too. The audit log shows each change, and its filters (action, actor,
// action prefix) narrow the rows, with the filters kept in the URL.
test("the audit log lists team changes and filters them by action and by actor", async ({ page }) => {
  const tag = randomBytes(3).toString("hex");
  const invitee = `audit-${tag}@e2e.test`;
  const tokenName = `audit-ci-${tag}`;
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const me = await (await page.request.get("/api/me")).json();
  const teamId: string = me.teams[0].id;

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" }).click();
  await page.getByLabel("Email").fill(invitee);
  await page.getByLabel("Role").selectOption("developer");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText(`Invitation created for ${invitee}`)).toBeVisible();

  // A token with its scope, expiry and "never used"; the expiry is picked at creation.
  await page.getByLabel("Token name").fill(tokenName);
  await page.getByLabel("Access level").selectOption("admin");
  await page.getByLabel("Expires after").selectOption("7");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = await page.getByTestId("new-token").inputValue();
  const row = page.getByTestId("api-token").filter({ hasText: tokenName });
  await expect(row.getByTestId("token-scope")).toContainText("Admin");
  await expect(row.getByTestId("token-scope")).toContainText(`in ${me.teams[0].name}`);
  const expires = row.locator("td").nth(5).locator("time");
  await expect(expires).toHaveText("next week");
  const expiresIn = Date.parse((await expires.getAttribute("datetime"))!) - Date.now();
  expect(Math.abs(expiresIn - 7 * 86_400_000)).toBeLessThan(120_000);
  await expect(expires).toHaveAttribute("title", /\d{4}.*\d{1,2}:\d{2}:\d{2}/);
  await expect(row).toContainText("Never used");

  // The token acts: it invites someone, and its last use shows up (exact time on hover).
  const byToken = await page.request.post(`/api/teams/${teamId}/invitations`, {
    headers: { authorization: `Bearer ${secret}` },
    data: { email: `token-${tag}@e2e.test`, role: "viewer" },
  });
  expect(byToken.status()).toBe(201);
  await page.reload();
  const lastUsed = row.locator("td").nth(6).locator("time");
  await expect(lastUsed).toHaveText("just now");
  await expect(lastUsed).toHaveAttribute("title", /\d{4}.*\d{1,2}:\d{2}:\d{2}/);
  await shot(page, "audit-team-tokens");

  // Developers' tokens cannot read the audit log.
  const devToken = await page.request.post(`/api/teams/${teamId}/tokens`, { data: { name: `dev-${tag}`, role: "developer", expiresInDays: 7 } });
  const refused = await page.request.get(`/api/teams/${teamId}/audit`, { headers: { authorization: `Bearer ${(await devToken.json()).token}` } });
  expect(refused.status()).toBe(403);

  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" })).toHaveAttribute("aria-current", "page");
  const rows = page.getByTestId("audit-row");
  await expect(rows.first()).toBeVisible();
  await expect(rows.filter({ hasText: "token.create" }).filter({ hasText: tokenName })).toHaveCount(1);
  await expect(rows.filter({ hasText: "member.invite" }).filter({ hasText: invitee })).toHaveCount(1);
  await expect(rows.filter({ hasText: `token: ${tokenName}` })).toHaveCount(1);
  await shot(page, "audit-all");

  // By action: only token.create rows; their data opens below the row and holds no secret.
  await page.getByLabel("Action", { exact: true }).selectOption("token.create");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/[?&]action=token\.create/);
  await expect(rows.filter({ hasText: tokenName })).toHaveCount(1);
  expect(new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-action"))))).toEqual(new Set(["token.create"]));
  const details = rows.filter({ hasText: tokenName }).getByRole("button", { name: /^Details/ });
  await details.click();
  await expect(details).toHaveAttribute("aria-expanded", "true");
  const data = page.getByTestId("audit-data");
  await expect(data).toContainText(`"name": "${tokenName}"`);
  await expect(data).toContainText('"expiresInDays": 7');
  await expect(data).not.toContainText(secret.slice(4, 20));
  await shot(page, "audit-by-action");

  // By actor and prefix: the owner's member.* actions, including those of the owner's token.
  await page.goto("/team/audit");
  await page.getByLabel("Actor").selectOption(me.user.id);
  await page.getByLabel("Action starts with").fill("member.");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`actor=${me.user.id}.*prefix=member\\.`));
  await expect(rows.filter({ hasText: invitee })).toHaveCount(1);
  await expect(rows.filter({ hasText: `token-${tag}@e2e.test` })).toHaveCount(1);
  for (const action of await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-action")))) {
    expect(action).toMatch(/^member\./);
  }
  // The form shows the filters from the URL after a reload.
  await page.reload();
  await expect(page.getByLabel("Actor")).toHaveValue(me.user.id);
  await expect(page.getByLabel("Action starts with")).toHaveValue("member.");
  await shot(page, "audit-by-actor");

  // A filter that matches nothing says so and offers a way back.
  await page.getByLabel("From").fill("2099-01-01");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByText("No events match these filters")).toBeVisible();
  await page.getByRole("link", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/team\/audit(\?team=[\w-]+)?$/);
  await expect(rows.first()).toBeVisible();
});
