import { E2E_ADMIN, expect, shot, signIn, test } from "./fixtures";

test("sign in, create a project, see it listed, sign out", async ({ page }) => {
  await page.goto("/projects");
  await expect(page).toHaveURL(/\/signin/);
  await shot(page, "signin");

  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Email or password is incorrect.")).toBeVisible();

  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Demo" })).toBeVisible();
  await shot(page, "projects");

  await page.getByRole("link", { name: "New project" }).click();
  await page.getByLabel("Name").fill("Marketing Site");
  await expect(page.getByLabel("Slug")).toHaveValue("marketing-site");
  await page.getByLabel("Slug").fill("bad--slug");
  await page.getByRole("button", { name: "Create project" }).click();
  // Every bad field is reported at once: the slug and the missing repository URL.
  await expect(page.getByText("Slug cannot contain two hyphens in a row.")).toBeVisible();
  await expect(page.getByText("Use an https://, ssh:// or git@host:path repository URL.")).toBeVisible();
  await shot(page, "new-project-error");

  await page.getByLabel("Slug").fill("marketing-site");
  await page.getByLabel("Repository URL").fill("https://git.example.com/acme/marketing.git");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(/\/projects\/marketing-site$/);
  await expect(page.getByRole("heading", { name: "Marketing Site" })).toBeVisible();
  await expect(page.getByText(/No deployments yet/)).toBeVisible();
  await shot(page, "project-page");

  await page.getByRole("link", { name: "Projects", exact: true }).first().click();
  await expect(page.getByRole("link", { name: "Marketing Site" })).toBeVisible();

  await page.getByRole("link", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/projects");
  await expect(page).toHaveURL(/\/signin/);
  const api = await page.request.get("/api/projects");
  expect(api.status()).toBe(401);
});
