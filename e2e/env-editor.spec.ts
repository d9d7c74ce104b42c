import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "@playwright/test";
import { E2E_ADMIN, expect, shot, signIn, test } from "./fixtures";

// The variables editor: changes are staged in the table, saved together in one
// request, sensitive values never come back, bulk paste previews before it
// applies, and unsaved changes are not lost by a stray click.

const ROOT = path.resolve(import.meta.dirname, "..");

async function createProject(page: Page, name: string): Promise<string> {
  const me = await (await page.request.get("/api/me")).json();
  const slug = `${name.toLowerCase().split(" ")[0]}-${Date.now().toString(36)}`;
  const created = await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name, slug, sourceKind: "archive" } });
  expect(created.status()).toBe(201);
  return slug;
}

async function storedKeys(page: Page, slug: string): Promise<string[]> {
  const res = await page.request.get(`/api/projects/${slug}/env`);
  expect(res.status()).toBe(200);
  return ((await res.json()).variables as { key: string }[]).map((v) => v.key);
}

// A member of the owner's team with this role, signed in on a page of their own.
async function memberPage(owner: Page, browser: Browser, role: "viewer" | "developer"): Promise<Page> {
  const me = await (await owner.request.get("/api/me")).json();
  const email = `env-${role}-${Date.now().toString(36)}@e2e.test`;
  const invited = await owner.request.post(`/api/teams/${me.teams[0].id}/invitations`, { data: { email, role } });
  expect(invited.status()).toBe(201);
  const { invitation } = await invited.json();
  const password = `${role}-password-789`;
  const accepted = await owner.request.post("/api/invitations/accept", { data: { token: invitation.token, name: `Env ${role}`, password } });
  expect(accepted.status()).toBe(200);
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email, password);
  return page;
}

test("variables are staged, saved at once, sensitive values never come back, and bad input saves nothing", async ({ page }) => {
  test.setTimeout(180_000);
  const secret = `s3cr3t-${Date.now().toString(36)}-value`;
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const slug = await createProject(page, "Vars app");

  await page.goto(`/projects/${slug}/env`);
  await expect(page.getByRole("heading", { name: "Environment variables" })).toBeVisible();
  const crumbs = page.getByRole("navigation", { name: "Breadcrumb" });
  await expect(crumbs.getByRole("link", { name: "Vars app" })).toHaveAttribute("href", `/projects/${slug}`);
  await expect(crumbs.getByText("Variables", { exact: true })).toHaveAttribute("aria-current", "page");
  await expect(page.getByText(/^Changes apply to new deployments\. Deployments keep the variables they were built with, except mutable ones/)).toBeVisible();
  await expect(page.getByText("No variables yet — add one or paste a .env file")).toBeVisible();

  // A public key: the sensitive toggle is off and locked, the browser warning says why.
  await page.getByRole("button", { name: "Add variable" }).click();
  const add = page.getByRole("dialog", { name: "Add a variable" });
  await expect(add.getByLabel("Key")).toBeFocused();
  await add.getByLabel("Key").fill("PUBLIC_GREETING");
  await add.getByLabel("Value").fill("Hello from the editor");
  await expect(add.getByRole("checkbox", { name: "Production" })).toBeChecked();
  await expect(add.getByRole("checkbox", { name: "Sensitive" })).toBeDisabled();
  await expect(add.getByText("exposed to the browser and cannot be sensitive")).toBeVisible();
  await shot(page, "env-add-dialog");
  await add.getByRole("button", { name: "Add variable" }).click();
  await expect(add).toBeHidden();

  await page.getByRole("button", { name: "Add variable" }).click();
  await add.getByLabel("Key").fill("API_SECRET");
  await add.getByLabel("Value").fill(secret);
  await add.getByRole("checkbox", { name: "Sensitive" }).check();
  await add.getByRole("button", { name: "Add variable" }).click();

  const bar = page.getByTestId("env-pending-bar");
  await expect(bar).toContainText("2 unsaved changes");
  const row = (key: string) => page.locator(`[data-testid="env-row"][data-key="${key}"]`);
  await expect(row("PUBLIC_GREETING")).toHaveAttribute("data-state", "new");
  await expect(row("PUBLIC_GREETING")).toContainText("Browser");
  await expect(row("API_SECRET")).toContainText("Sensitive — write-only");
  expect(await storedKeys(page, slug)).toEqual([]);

  await bar.getByRole("button", { name: "Save" }).click();
  await expect(bar).toBeHidden();
  await expect(page.getByTestId("env-saved")).toContainText("Saved 2 changes");

  await page.reload();
  await expect(row("PUBLIC_GREETING")).toHaveAttribute("data-state", "saved");
  await expect(row("API_SECRET")).toHaveAttribute("data-state", "saved");
  await expect(page.getByRole("tab", { name: /Production/ })).toContainText("2");
  await expect(row("API_SECRET")).toContainText("Sensitive — write-only");
  await expect(row("API_SECRET").getByRole("button", { name: /Show the value/ })).toHaveCount(0);
  await expect(row("PUBLIC_GREETING")).not.toContainText("Hello from the editor");
  await row("PUBLIC_GREETING").getByRole("button", { name: "Show the value of PUBLIC_GREETING" }).click();
  await expect(row("PUBLIC_GREETING").getByTestId("env-value")).toHaveText("Hello from the editor");
  expect(await page.content()).not.toContain(secret);
  // The tabs follow the arrow keys.
  await page.getByRole("tab", { name: /Production/ }).focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: /Preview/ })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("tab", { name: /Preview/ })).toBeFocused();
  await expect(page.getByText("No Preview variables yet.")).toBeVisible();
  await page.keyboard.press("ArrowLeft");
  await expect(page.getByRole("tab", { name: /Production/ })).toHaveAttribute("aria-selected", "true");
  expect(await (await page.request.get(`/api/projects/${slug}/env`)).text()).not.toContain(secret);
  await shot(page, "env-table");

  // Editing the sensitive one: the value field starts empty, asking for a replacement.
  await row("API_SECRET").getByRole("button", { name: "Edit API_SECRET" }).click();
  const edit = page.getByRole("dialog", { name: "Edit API_SECRET" });
  await expect(edit.getByLabel("Value")).toHaveValue("");
  await expect(edit.getByLabel("Value")).toHaveAttribute("placeholder", "Enter a new value to replace it");
  await edit.getByRole("button", { name: "Cancel" }).click();

  // An invalid key is the server's to refuse: its message shows, the change stays staged, nothing is stored.
  await page.getByRole("button", { name: "Add variable" }).click();
  await add.getByLabel("Key").fill("1BAD");
  await add.getByLabel("Value").fill("x");
  await add.getByRole("button", { name: "Add variable" }).click();
  await bar.getByRole("button", { name: "Save" }).click();
  await expect(bar.getByRole("alert")).toContainText("1BAD is not a valid key");
  await expect(bar).toContainText("1 unsaved change");
  await shot(page, "env-save-error");
  await expect(row("1BAD")).toHaveAttribute("data-state", "new");
  expect(await storedKeys(page, slug)).toEqual(["API_SECRET", "PUBLIC_GREETING"]);
  await row("1BAD").getByRole("button", { name: "Undo the change to 1BAD" }).click();
  await expect(bar).toBeHidden();

  // Bulk paste with a duplicate key: the parser's line error, and nothing staged or stored.
  await page.getByRole("button", { name: "Paste .env" }).click();
  const paste = page.getByRole("dialog", { name: "Paste a .env file" });
  await paste.getByLabel(".env file contents").fill("DUP_KEY=one\n# a comment\nDUP_KEY=two\n");
  await paste.getByRole("button", { name: "Preview" }).click();
  await expect(paste.getByRole("alert")).toContainText("line 3: DUP_KEY is already set on line 1.");
  await expect(paste.getByRole("button", { name: /^Apply/ })).toHaveCount(0);
  await paste.getByRole("button", { name: "Cancel" }).click();
  await expect(bar).toBeHidden();
  expect(await storedKeys(page, slug)).toEqual(["API_SECRET", "PUBLIC_GREETING"]);

  // Bulk paste of two new keys and one already there: the dry run's preview, then Apply stages the two.
  await page.getByRole("button", { name: "Paste .env" }).click();
  await paste.getByLabel(".env file contents").fill('export BULK_ALPHA=alpha\nBULK_BETA="beta value"\nPUBLIC_GREETING=Hello from the editor\n');
  await paste.getByRole("button", { name: "Preview" }).click();
  const preview = paste.getByTestId("env-bulk-preview");
  await expect(preview).toContainText("2 added, 0 updated, 1 unchanged.");
  await expect(preview.locator('tr[data-key="BULK_ALPHA"]')).toHaveAttribute("data-action", "added");
  await expect(preview.locator('tr[data-key="BULK_BETA"]')).toHaveAttribute("data-action", "added");
  await expect(preview.locator('tr[data-key="PUBLIC_GREETING"]')).toHaveAttribute("data-action", "unchanged");
  await shot(page, "env-bulk-preview");
  expect(await storedKeys(page, slug)).toEqual(["API_SECRET", "PUBLIC_GREETING"]);
  await paste.getByRole("button", { name: "Apply 2 changes" }).click();
  await expect(paste).toBeHidden();
  await expect(bar).toContainText("2 unsaved changes");
  await bar.getByRole("button", { name: "Save" }).click();
  await expect(bar).toBeHidden();
  expect(await storedKeys(page, slug)).toEqual(["API_SECRET", "BULK_ALPHA", "BULK_BETA", "PUBLIC_GREETING"]);

  // Search filters by key.
  await page.getByLabel("Search variables by key").fill("bulk");
  await expect(page.getByTestId("env-row")).toHaveCount(2);
  await page.getByLabel("Search variables by key").fill("");

  // The unsaved-changes guard: a link asks first; staying keeps the change, leaving drops it.
  await row("BULK_BETA").getByRole("button", { name: "Delete BULK_BETA" }).click();
  await expect(row("BULK_BETA")).toHaveAttribute("data-state", "deleted");
  await expect(bar).toContainText("1 unsaved change");
  await crumbs.getByRole("link", { name: "Projects" }).click();
  const leave = page.getByRole("dialog", { name: "Leave without saving?" });
  await expect(leave).toBeVisible();
  await expect(leave.getByRole("button", { name: "Stay on this page" })).toBeFocused();
  await shot(page, "env-leave-dialog");
  await leave.getByRole("button", { name: "Stay on this page" }).click();
  await expect(leave).toBeHidden();
  expect(new URL(page.url()).pathname).toBe(`/projects/${slug}/env`);
  await expect(bar).toContainText("1 unsaved change");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" }).click();
  await leave.getByRole("button", { name: "Leave without saving" }).click();
  await page.waitForURL("**/team");
  expect(await storedKeys(page, slug)).toContain("BULK_BETA");
});

test("at 390 wide the table becomes cards and the dialogs fit", async ({ page }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const slug = await createProject(page, "Narrow vars");
  const saved = await page.request.post(`/api/projects/${slug}/env`, {
    data: {
      changes: [
        { op: "set", key: "NEXT_PUBLIC_SITE_URL", value: "https://example.test", targets: ["production", "preview"] },
        { op: "set", key: "DATABASE_URL", value: "postgres://db", targets: ["production"], sensitive: true },
        { op: "set", key: "NEXT_PUBLIC_SITE_URL", value: "https://feature.example.test", targets: ["preview"], branch: "feature/x" },
      ],
    },
  });
  expect(saved.status()).toBe(200);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/projects/${slug}/env`);
  await page.getByRole("tab", { name: /Preview/ }).click();
  const override = page.locator('[data-testid="env-row"][data-branch="feature/x"]');
  await expect(override).toContainText("override for branch feature/x");
  await shot(page, "env-table-narrow");
  // Nothing wider than the window.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.getByRole("button", { name: "Paste .env" }).click();
  await shot(page, "env-bulk-narrow");
  await page.getByRole("dialog", { name: "Paste a .env file" }).getByRole("button", { name: "Cancel" }).click();

  // With a change pending, closing the tab asks the browser's "leave site?" question.
  await override.getByRole("button", { name: "Delete NEXT_PUBLIC_SITE_URL for branch feature/x" }).click();
  await expect(page.getByTestId("env-pending-bar")).toContainText("1 unsaved change");
  await shot(page, "env-pending-narrow");
  const asked = new Promise<string>((resolve) =>
    page.once("dialog", (d) => {
      resolve(d.type());
      void d.accept();
    }),
  );
  await page.close({ runBeforeUnload: true });
  expect(await asked).toBe("beforeunload");
});

test("Redeploy production builds the live deployment's source again and opens the new deployment", async ({ page }) => {
  test.setTimeout(150_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const slug = await createProject(page, "Redeploy vars");
  expect((await page.request.patch(`/api/projects/${slug}`, { data: { rolloutSettings: "skip" } })).status()).toBe(200);
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-env-"));
  let first: string;
  try {
    const app = path.join(dir, "app");
    cpSync(path.join(ROOT, "examples/static-site"), app, { recursive: true });
    execFileSync("tar", ["-czf", `${app}.tar.gz`, "-C", app, "."]);
    const res = await page.request.post(`/api/projects/${slug}/deployments`, { headers: { "content-type": "application/gzip" }, data: readFileSync(`${app}.tar.gz`) });
    expect(res.status()).toBe(201);
    first = (await res.json()).deployment.id;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await expect
    .poll(async () => (await (await page.request.get(`/api/deployments/${first}`)).json()).deployment.status, { timeout: 90_000 })
    .toBe("live");

  await page.goto(`/projects/${slug}/env`);
  await page.getByRole("button", { name: "Redeploy production" }).click();
  const dialog = page.getByRole("dialog", { name: "Redeploy production?" });
  await expect(dialog.getByTestId("redeploy-target")).toHaveAttribute("data-deployment-id", first);
  await shot(page, "env-redeploy-dialog");
  await dialog.getByRole("button", { name: "Redeploy production" }).click();
  await page.waitForURL(/\/deployments\/[0-9a-f-]{36}$/);
  const next = new URL(page.url()).pathname.split("/").pop()!;
  expect(next).not.toBe(first);
  const detail = await (await page.request.get(`/api/deployments/${next}`)).json();
  expect(detail.deployment.environment).toBe("production");
});

test("a viewer is told they need the developer role; a developer's Production save is refused with the reason", async ({ page, browser }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const slug = await createProject(page, "Roles vars");

  const viewer = await memberPage(page, browser, "viewer");
  try {
    await viewer.goto(`/projects/${slug}/env`);
    await expect(viewer.getByText("You need the developer role to see variables")).toBeVisible();
    await expect(viewer.getByRole("button", { name: "Add variable" })).toHaveCount(0);
    await shot(viewer, "env-viewer");
  } finally {
    await viewer.context().close();
  }

  const developer = await memberPage(page, browser, "developer");
  try {
    await developer.goto(`/projects/${slug}/env`);
    await developer.getByRole("button", { name: "Add variable" }).click();
    const add = developer.getByRole("dialog", { name: "Add a variable" });
    await add.getByLabel("Key").fill("PROD_ONLY");
    await add.getByLabel("Value").fill("x");
    await add.getByRole("button", { name: "Add variable" }).click();
    const bar = developer.getByTestId("env-pending-bar");
    await expect(bar).toContainText("takes the admin role");
    await bar.getByRole("button", { name: "Save" }).click();
    await expect(bar.getByRole("alert")).toContainText("cannot change Production variables");
    await expect(bar).toContainText("1 unsaved change");

    // The same key for Preview only is theirs to save.
    await developer.locator('[data-testid="env-row"][data-key="PROD_ONLY"]').getByRole("button", { name: "Edit PROD_ONLY" }).click();
    const edit = developer.getByRole("dialog", { name: "Edit PROD_ONLY" });
    await edit.getByRole("checkbox", { name: "Preview" }).check();
    await edit.getByRole("checkbox", { name: "Production" }).uncheck();
    await edit.getByRole("button", { name: "Update variable" }).click();
    await bar.getByRole("button", { name: "Save" }).click();
    await expect(bar).toBeHidden();
    expect(await storedKeys(page, slug)).toEqual(["PROD_ONLY"]);
  } finally {
    await developer.context().close();
  }
});
