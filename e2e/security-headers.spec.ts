import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { API_CONTENT_SECURITY_POLICY, contentSecurityPolicy } from "@/lib/http/content-security-policy";
import { E2E_ADMIN, expect, routerGet, shot, staticAppArchive, test } from "./fixtures";

// The console's pages under their real Content-Security-Policy in Chromium: the
// headers are sent, every script carries the response's nonce, the browser
// reports no violation, and the pages work (the sign-in and invite forms submit,
// the rollout charts draw).

// Chromium logs each violation to the console; the page's securitypolicyviolation
// events are logged there too (by a script the browser injects, outside the CSP).
async function watchViolations(page: Page) {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|securitypolicyviolation/i.test(m.text())) seen.push(`${page.url()}: ${m.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`securitypolicyviolation ${e.violatedDirective} ${e.blockedURI}`));
  });
  return seen;
}

async function visit(page: Page, url: string, nonces: Set<string>) {
  const res = await page.goto(url);
  expect(res, url).not.toBeNull();
  const csp = (await res!.headersArray()).filter((h) => h.name.toLowerCase() === "content-security-policy");
  expect(csp, `${url}: one Content-Security-Policy`).toHaveLength(1);
  const policy = csp[0].value;
  const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)' 'strict-dynamic'(;|$)/.exec(policy)?.[1];
  expect(nonce, `${url}: script-src with a nonce and no unsafe-*: ${policy}`).toBeTruthy();
  expect(policy, url).toBe(contentSecurityPolicy(nonce!));
  expect(policy).toMatch(/^default-src 'self'; .*object-src 'none'; .*frame-ancestors 'none'$/);
  expect(nonces.has(nonce!), `${url}: the nonce is fresh`).toBe(false);
  nonces.add(nonce!);
  expect(res!.headers()["x-content-type-options"]).toBe("nosniff");
  expect(res!.headers()["referrer-policy"]).toBe("same-origin");
  // Every script the server rendered carries this response's nonce.
  const unsigned = await page.evaluate((n) => [...document.scripts].filter((s) => s.nonce !== n).map((s) => s.src || s.text.slice(0, 60)), nonce!);
  expect(unsigned, `${url}: scripts without the nonce`).toEqual([]);
}

test("console pages send a nonce-based CSP, nosniff and a referrer policy, and work under them with no violation", async ({ page }) => {
  test.setTimeout(240_000);
  const nonces = new Set<string>();
  const violations = await watchViolations(page);

  await visit(page, "/signin", nonces);
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/projects/);

  // A project of this spec's own, with a canary in progress for the rollout charts.
  const me = await (await page.request.get("/api/me")).json();
  const slug = `csp-${Date.now().toString(36)}`;
  expect((await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name: "CSP app", slug, sourceKind: "archive" } })).status()).toBe(201);
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-csp-"));
  const deploy = async (version: string, status: string) => {
    const res = await page.request.post(`/api/projects/${slug}/deployments`, { headers: { "content-type": "application/gzip" }, data: staticAppArchive(dir, version) });
    expect(res.status()).toBe(201);
    const id: string = (await res.json()).deployment.id;
    await expect
      .poll(async () => (await (await page.request.get(`/api/deployments/${id}`)).json()).deployment.status, { timeout: 180_000, intervals: [500] })
      .toBe(status);
    return id;
  };
  let canary: string | undefined;
  // Traffic through the router without pause until the charts have drawn it: a burst sent
  // before every router process had loaded the canary's route would not be measured.
  let sending = true;
  let traffic: Promise<void> = Promise.resolve();
  try {
    await deploy("v1", "live");
    canary = await deploy("v2", "canary");
    traffic = (async () => {
      while (sending) await routerGet(process.env.E2E_ROUTER_URL!, `${slug}.localhost`, "/").catch(() => undefined);
    })();

    await visit(page, "/projects", nonces);
    await expect(page.getByRole("link", { name: "CSP app" })).toBeVisible();
    await visit(page, `/projects/${slug}`, nonces);
    await expect(page.getByTestId("deployment-row").first()).toBeVisible();
    await visit(page, `/projects/${slug}/deployments/${canary}`, nonces);
    await expect(page.getByTestId("rollout-chart-errors")).toHaveAttribute("data-has-traffic", "true", { timeout: 30_000 });
    await expect(page.getByTestId("rollout-chart-errors").locator("svg.recharts-surface")).toBeVisible();
    sending = false;
    await traffic;
    await shot(page, "csp-rollout-charts");
    await visit(page, `/projects/${slug}/settings`, nonces);
    await expect(page.locator("h1").first()).toBeVisible();
    await visit(page, `/projects/${slug}/env`, nonces);
    await expect(page.locator("h1").first()).toBeVisible();
    await visit(page, `/projects/${slug}/domains`, nonces);
    await expect(page.locator("h1").first()).toBeVisible();
    await visit(page, "/team/audit", nonces);
    await expect(page.locator("h1").first()).toBeVisible();
    await visit(page, "/team", nonces);
    await page.getByLabel("Email").fill(`csp-${Date.now().toString(36)}@e2e.test`);
    await page.getByLabel("Role").selectOption("viewer");
    await page.getByRole("button", { name: "Send invitation" }).click();
    await expect(page.getByText(/\/invite\/[A-Za-z0-9_-]+/).first()).toBeVisible();

    // An API answer is data: nothing in it may run or be framed.
    const api = await page.request.get("/api/healthz");
    expect(api.headers()["content-security-policy"]).toBe(API_CONTENT_SECURITY_POLICY);
    expect(API_CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'.*frame-ancestors 'none'/);

    expect(violations).toEqual([]);
    // The watch works, and the policy bites: markup injected into a page (as an XSS would)
    // with an inline script but no nonce is blocked and reported.
    // Only the page itself, once: the console's own fetches of /projects (prefetches) pass.
    const isPage = (url: URL) => url.pathname === "/projects" && !url.searchParams.has("_rsc");
    await page.route(
      isPage,
      async (route) => {
        if (route.request().resourceType() !== "document") return route.continue();
        const res = await route.fetch();
        await route.fulfill({ response: res, body: (await res.text()).replace("</head>", "<script>window.injected = true;</script></head>") });
      },
      { times: 1 },
    );
    await page.goto("/projects");
    await page.unroute(isPage);
    await expect(page.getByRole("link", { name: "CSP app" })).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
    await expect.poll(() => violations.some((v) => /script-src/.test(v))).toBe(true);
  } finally {
    sending = false;
    await traffic;
    if (canary) await page.request.post(`/api/deployments/${canary}/promote`);
    rmSync(dir, { recursive: true, force: true });
  }
});
