import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { E2E_ADMIN, expect, routerGet, shot, signIn, test } from "./fixtures";

// Every main page, signed in as the owner (or signed out for sign-in and 404):
// axe-core finds no serious or critical WCAG 2.1 A/AA violation at 1280×800
// nor at 390×844, and the phone layout never scrolls sideways.

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const DOMAINS_PAGE = path.resolve(import.meta.dirname, "../app/(console)/projects/[slug]/domains/page.tsx");

type Target = { name: string; path: (page: Page) => Promise<string>; signedOut?: boolean; skip?: string };

const at = (p: string) => async () => p;

const TARGETS: Target[] = [
  { name: "projects", path: at("/projects") },
  { name: "new-project", path: at("/projects/new") },
  // With a deployment, so its history table is scanned with rows in it.
  { name: "project", path: async (page) => (await demoDeployment(page), "/projects/demo") },
  { name: "deployment", path: async (page) => `/projects/demo/deployments/${await demoDeployment(page)}` },
  { name: "project-settings", path: at("/projects/demo/settings") },
  { name: "project-env", path: at("/projects/demo/env") },
  // After a deployment, so the demo has request lines to list.
  { name: "project-logs", path: async (page) => (await demoDeployment(page), "/projects/demo/logs") },
  { name: "trace", path: async (page) => `/projects/demo/traces/${await demoTrace(page)}` },
  {
    name: "project-domains",
    path: at("/projects/demo/domains"),
    skip: existsSync(DOMAINS_PAGE) ? undefined : "the domains page does not exist yet",
  },
  { name: "team", path: at("/team") },
  { name: "audit", path: at("/team/audit") },
  { name: "signin", path: at("/signin"), signedOut: true },
  { name: "not-found", path: at("/no-such-page"), signedOut: true },
];

// A deployment of the demo that has finished building: an earlier spec's, or a new one.
async function demoDeployment(page: Page): Promise<string> {
  const done = ["canary", "live", "superseded", "failed"];
  const list = await (await page.request.get("/api/projects/demo/deployments?limit=20")).json();
  const existing = list.deployments?.find((d: { status: string }) => done.includes(d.status));
  if (existing) return existing.id;
  const created = await page.request.post("/api/projects/demo/deployments", { data: {} });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()).deployment;
  await expect
    .poll(async () => (await (await page.request.get(`/api/deployments/${id}`)).json()).deployment?.status, { timeout: 240_000, intervals: [2000] })
    .toMatch(new RegExp(`^(${done.join("|")})$`));
  return id;
}

// The trace of a request to the demo (a static site: its line names the
// trace the client sent), once its line is stored.
async function demoTrace(page: Page): Promise<string> {
  await demoDeployment(page);
  const traceId = randomBytes(16).toString("hex");
  const sent = await routerGet(process.env.E2E_ROUTER_URL!, "demo.localhost", "/", { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` });
  expect(sent.status).toBeLessThan(500);
  await expect.poll(async () => (await page.request.get(`/api/projects/demo/traces/${traceId}`)).status(), { timeout: 10_000 }).toBe(200);
  return traceId;
}

// Loaded: the page heading is there and no data view shows its placeholder rows.
async function settled(page: Page) {
  await expect(page.locator("h1").first()).toBeVisible();
  await expect(page.locator('[role="status"]:has(> .animate-pulse)')).toHaveCount(0, { timeout: 20_000 });
}

async function scan(page: Page, label: string) {
  const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const report = violations
    .map((v) => [`[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`, ...v.nodes.map((n) => `    ${n.target.join(" ")}\n      ${n.failureSummary?.replace(/\n/g, "\n      ")}\n      ${n.html}`)].join("\n"))
    .join("\n");
  if (violations.length > 0) console.log(`axe on ${label}:\n${report}`);
  const blocking = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(blocking.map((v) => v.id), `serious or critical axe violations on ${label}:\n${report}`).toEqual([]);
}

// Elements sticking out past the right edge, for the failure message.
const overflowReport = (page: Page) =>
  page.evaluate(() => {
    const width = window.innerWidth;
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: width,
      culprits: [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > width + 0.5)
        .slice(0, 8)
        .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} right=${Math.round(el.getBoundingClientRect().right)}`),
    };
  });

test.describe("accessibility of the main pages", () => {
  for (const target of TARGETS) {
    test(target.name, async ({ page }) => {
      test.skip(!!target.skip, target.skip);
      test.setTimeout(300_000);
      if (!target.signedOut) await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
      const url = await target.path(page);

      await page.setViewportSize(DESKTOP);
      await page.goto(url);
      await settled(page);
      await shot(page, `a11y-${target.name}-desktop`);
      await scan(page, `${target.name} at 1280×800`);

      await page.setViewportSize(PHONE);
      await page.goto(url);
      await settled(page);
      await shot(page, `a11y-${target.name}-phone`);
      const overflow = await overflowReport(page);
      await scan(page, `${target.name} at 390×844`);
      expect(overflow.scrollWidth, `${target.name} scrolls sideways at 390 wide:\n${overflow.culprits.join("\n")}`).toBeLessThanOrEqual(overflow.innerWidth);
    });
  }
});

// The focused element shows a solid outline at least 2px wide (the :focus-visible ring).
const focusRing = (page: Page) =>
  page.evaluate(() => {
    const s = getComputedStyle(document.activeElement!);
    return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
  });

test("every console page has the same shell: skip link first, main navigation, one h1, breadcrumbs below the top level", async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const pages = [
    { path: "/projects", nested: false },
    { path: "/projects/new", nested: true },
    { path: "/projects/demo", nested: true },
    { path: `/projects/demo/deployments/${await demoDeployment(page)}`, nested: true },
    { path: "/projects/demo/settings", nested: true },
    { path: "/projects/demo/env", nested: true },
    { path: "/projects/demo/logs", nested: true },
    { path: "/team", nested: false },
    { path: "/team/audit", nested: true },
    ...(existsSync(DOMAINS_PAGE) ? [{ path: "/projects/demo/domains", nested: true }] : []),
  ];
  for (const { path: url, nested } of pages) {
    await page.goto(url);
    await settled(page);
    await expect(page.getByRole("navigation", { name: "Main" }), url).toBeVisible();
    await expect(page.locator("main#main"), url).toHaveCount(1);
    await expect(page.locator("h1"), url).toHaveCount(1);
    await expect(page.getByRole("navigation", { name: "Breadcrumb" }), url).toHaveCount(nested ? 1 : 0);
    // Every relative time carries its exact time for hovering.
    for (const time of await page.locator("time").all()) {
      await expect(time, url).toHaveAttribute("title", /\d{1,2}:\d{2}:\d{2}/);
    }

    // "Skip to content" is the first thing Tab reaches (a form that focuses its
    // first field on load starts from there instead, so it is focused directly);
    // it shows when focused, Enter takes focus to the main content, and the next Tab stays in it.
    const skip = page.getByRole("link", { name: "Skip to content" });
    expect(await page.evaluate(() => document.querySelector("a[href], button, input, select, textarea, [tabindex]")?.textContent), url).toBe("Skip to content");
    if (await page.evaluate(() => document.activeElement === document.body)) await page.keyboard.press("Tab");
    else await skip.focus();
    await expect(skip, url).toBeFocused();
    await expect(skip, url).toBeVisible();
    expect(await focusRing(page), url).toBe(true);
    await page.keyboard.press("Enter");
    await expect(page.locator("main#main"), url).toBeFocused();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.closest("main") !== null), url).toBe(true);
    expect(await focusRing(page), url).toBe(true);
  }
});

test("dialogs keep focus inside, close on Escape and give focus back", async ({ page }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const me = await (await page.request.get("/api/me")).json();
  const name = `a11y-dialog-${Date.now()}`;
  expect((await page.request.post(`/api/teams/${me.teams[0].id}/tokens`, { data: { name, role: "viewer", expiresInDays: 7 } })).status()).toBe(201);
  await page.goto("/team");
  const revoke = page.getByRole("button", { name: `Revoke ${name}` });
  await revoke.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: `Revoke “${name}”?` });
  await expect(dialog.getByRole("button", { name: "Keep it" })).toBeFocused();
  // Tab and Shift+Tab cycle through the dialog's two buttons and never leave it.
  for (const key of ["Tab", "Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"]) {
    await page.keyboard.press(key);
    expect(await dialog.evaluate((d) => d.contains(document.activeElement)), key).toBe(true);
  }
  await shot(page, "a11y-dialog");
  await scan(page, "the revoke dialog");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(revoke).toBeFocused();

  // A form dialog: Deploy options… on the project page.
  await page.goto("/projects/demo");
  const options = page.getByRole("button", { name: /^Deploy options/ });
  await options.focus();
  await page.keyboard.press("Enter");
  const deploy = page.getByRole("dialog");
  await expect(deploy).toBeVisible();
  expect(await deploy.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press(i < 6 ? "Tab" : "Shift+Tab");
    expect(await deploy.evaluate((d) => d.contains(document.activeElement)), `Tab ${i}`).toBe(true);
  }
  await scan(page, "the deploy options dialog");
  await shot(page, "a11y-deploy-dialog");
  await page.keyboard.press("Escape");
  await expect(deploy).toBeHidden();
  await expect(options).toBeFocused();
});
