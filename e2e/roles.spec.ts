import { E2E_ADMIN, expect, shot, signIn, test } from "./fixtures";

test("an invited viewer sees projects but cannot create one, in the UI or the API", async ({ page, browser }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await page.getByRole("link", { name: "Team" }).click();
  await expect(page.getByRole("heading", { name: "Team" })).toBeVisible();
  await page.getByLabel("Email").fill("viewer@e2e.test");
  await page.getByLabel("Role").selectOption("viewer");
  await page.getByRole("button", { name: "Send invitation" }).click();
  const link = await page.getByText(/\/invite\/[A-Za-z0-9_-]+/).first().textContent();
  const acceptUrl = /(https?:\/\/\S+\/invite\/[A-Za-z0-9_-]+)/.exec(link ?? "")?.[1];
  expect(acceptUrl).toBeTruthy();
  await shot(page, "team-invited");

  const viewer = await (await browser.newContext()).newPage();
  await viewer.goto(acceptUrl!);
  await viewer.getByLabel("Name").fill("Vera Viewer");
  await viewer.getByLabel("Password").fill("viewer-password-123");
  await viewer.getByRole("button", { name: "Join team" }).click();
  await expect(viewer).toHaveURL(/\/signin/);

  await signIn(viewer, "viewer@e2e.test", "viewer-password-123");
  await expect(viewer.getByRole("link", { name: "Demo" })).toBeVisible();
  await expect(viewer.getByRole("link", { name: "New project" })).toHaveCount(0);
  await shot(viewer, "viewer-projects");

  const me = await (await viewer.request.get("/api/me")).json();
  const res = await viewer.request.post("/api/projects", {
    data: { teamId: me.teams[0].id, name: "Sneaky", sourceKind: "archive" },
  });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.message).toMatch(/viewer/);

  const cross = await viewer.request.post("/api/projects", {
    headers: { origin: "http://evil.example" },
    data: { teamId: me.teams[0].id, name: "Forged", sourceKind: "archive" },
  });
  expect(cross.status()).toBe(403);

  await page.reload();
  await expect(page.getByRole("combobox", { name: "Access for viewer@e2e.test" })).toHaveValue("viewer");
  await viewer.context().close();
});
