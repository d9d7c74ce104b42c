import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { E2E_ADMIN, expect, routerGet, shot, signIn, test } from "./fixtures";

// Runtime logs through the real platform: a function that logs and throws,
// built and served by npm start's router; its lines in the Logs view, live.
const FN = `export default async (req) => {
  const url = new URL(req.url);
  console.log("charging order " + url.searchParams.get("order"));
  if (url.searchParams.has("fail")) throw new Error("card declined for order " + url.searchParams.get("order"));
  return Response.json({ ok: true });
};`;

function archive(): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-logs-"));
  try {
    mkdirSync(path.join(dir, "api"));
    writeFileSync(path.join(dir, "index.html"), "<h1>shop</h1>");
    writeFileSync(path.join(dir, "api/charge.js"), FN);
    writeFileSync(path.join(dir, "slipway.json"), JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist/api && cp index.html dist/ && cp api/charge.js dist/api/" }));
    execFileSync("tar", ["-czf", `${dir}.tar.gz`, "-C", dir, "."]);
    return readFileSync(`${dir}.tar.gz`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.tar.gz`, { force: true });
  }
}

test("a function's requests and output reach the Logs view within 2 s, with the deployment and SHA; filters narrow them, Pause holds them, and its errors are grouped", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const me = await (await page.request.get("/api/me")).json();
  const slug = `logs-${Date.now().toString(36)}`;
  expect((await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name: "Shop", slug, sourceKind: "archive" } })).status()).toBe(201);
  expect((await page.request.patch(`/api/projects/${slug}`, { data: { rolloutSettings: "skip" } })).status()).toBe(200);
  const res = await page.request.post(`/api/projects/${slug}/deployments`, { headers: { "content-type": "application/gzip" }, data: archive() });
  expect(res.status()).toBe(201);
  const id = (await res.json()).deployment.id as string;
  await expect
    .poll(async () => (await (await page.request.get(`/api/deployments/${id}`)).json()).deployment.status, { timeout: 180_000, intervals: [1000] })
    .toBe("live");
  const sha = ((await (await page.request.get(`/api/deployments/${id}`)).json()).deployment.commitSha as string).slice(0, 7);
  const router = process.env.E2E_ROUTER_URL!;
  const host = `${slug}.localhost`;

  // From the project page to its Logs, which follow live.
  await page.goto(`/projects/${slug}`);
  await page.getByRole("link", { name: "Logs", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${slug}/logs$`));
  await expect(page.getByRole("status").filter({ hasText: "Live" })).toBeVisible();
  const lines = page.getByRole("list", { name: "Log lines" }).getByRole("listitem");

  expect((await routerGet(router, host, "/api/charge?order=41")).status).toBe(200);
  const sent = Date.now();
  expect((await routerGet(router, host, "/api/charge?order=42&fail=1")).status).toBe(500);
  const declined = lines.filter({ hasText: "card declined for order 42" }).first();
  await expect(declined).toBeVisible({ timeout: 2000 });
  const seenMs = Date.now() - sent;
  const failed = lines.filter({ hasText: "/api/charge" }).filter({ hasText: "500" });
  await expect(failed).toHaveCount(1);
  // Every line names its deployment by SHA, a link to the deployment's page.
  await expect(failed.getByRole("link", { name: sha })).toHaveAttribute("href", `/projects/${slug}/deployments/${id}`);
  await expect(lines.filter({ hasText: "charging order 41" })).toHaveCount(1);
  console.log(`logs e2e: the failing request's output was on screen ${seenMs} ms after its response`);
  await shot(page, "logs-live");

  // Filters live in the URL: the 5xx only.
  await page.getByLabel("Status").selectOption("5xx");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/status=5xx/);
  await expect(lines).toHaveCount(1);
  await expect(lines.first()).toContainText("/api/charge");
  await expect(lines.first()).toContainText("500");

  // The failing request's trace, from its line: the router's span and what the function wrote while it ran, stack included.
  await lines.first().getByRole("link", { name: "trace" }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${slug}/traces/[0-9a-f]{32}$`));
  await expect(page.getByRole("heading", { name: "Trace", exact: true })).toBeVisible();
  const spans = page.getByRole("list", { name: "Spans" }).getByRole("listitem");
  await expect(spans).toHaveCount(1);
  await expect(spans.first()).toContainText("router · GET /api/charge · 500");
  const traceLines = page.getByRole("list", { name: "Trace lines" }).getByRole("listitem");
  await expect(traceLines.filter({ hasText: "charging order 42" })).toHaveCount(1);
  await expect(traceLines.filter({ hasText: "card declined for order 42" })).toContainText("api/charge.js");
  await expect(traceLines).toHaveCount(3);
  await expect(page.getByText("charging order 41")).toHaveCount(0);
  await expect(page.getByRole("link", { name: sha })).toHaveAttribute("href", `/projects/${slug}/deployments/${id}`);
  await shot(page, "trace");
  await page.goBack();
  await expect(page).toHaveURL(/status=5xx/);
  await expect(lines).toHaveCount(1);

  // Paused, new lines wait; resumed, they come.
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Paused" })).toBeVisible();
  expect((await routerGet(router, host, "/api/charge?order=43&fail=1")).status).toBe(500);
  await page.waitForTimeout(2500);
  await expect(lines).toHaveCount(1);
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(lines).toHaveCount(2, { timeout: 3000 });

  // The deployment page: its errors, grouped (orders 42 and 43 threw the same error), and a way to their lines.
  await page.goto(`/projects/${slug}/deployments/${id}`);
  const group = page.getByTestId("error-group");
  await expect(group).toHaveCount(1, { timeout: 10_000 });
  await expect(group).toContainText("card declined for order");
  await expect(group.getByTestId("error-count")).toHaveText("2 times", { timeout: 10_000 });
  await group.getByText("Stack trace").click();
  await expect(group.locator("pre")).toContainText("api/charge.js");
  await group.scrollIntoViewIfNeeded();
  await shot(page, "deployment-errors");
  await group.getByRole("link", { name: "See its log lines" }).click();
  await expect(page).toHaveURL(/source=stderr/);
  await expect(lines).toHaveCount(2);
  await expect(lines.first()).toContainText("card declined for order 43");

  // The deployment page links to its own logs.
  await page.goto(`/projects/${slug}/deployments/${id}`);
  await page.getByRole("link", { name: "Runtime logs" }).click();
  await expect(page).toHaveURL(new RegExp(`deployment=${id}`));
  await expect(lines.filter({ hasText: "charging order 43" })).toHaveCount(1);
  await shot(page, "logs-deployment");
});

test("a log drain added in Settings receives the project's lines, signed with the secret shown once", async ({ page }) => {
  test.setTimeout(240_000);
  const got: { signature: string; timestamp: string; body: string }[] = [];
  const sink = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ signature: String(req.headers["x-slipway-signature"]), timestamp: String(req.headers["x-slipway-timestamp"]), body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  try {
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
    const me = await (await page.request.get("/api/me")).json();
    const slug = `drain-${Date.now().toString(36)}`;
    expect((await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name: "Drained", slug, sourceKind: "archive" } })).status()).toBe(201);
    expect((await page.request.patch(`/api/projects/${slug}`, { data: { rolloutSettings: "skip" } })).status()).toBe(200);
    const res = await page.request.post(`/api/projects/${slug}/deployments`, { headers: { "content-type": "application/gzip" }, data: archive() });
    const id = (await res.json()).deployment.id as string;
    await expect.poll(async () => (await (await page.request.get(`/api/deployments/${id}`)).json()).deployment.status, { timeout: 180_000, intervals: [1000] }).toBe("live");

    await page.goto(`/projects/${slug}/settings`);
    const section = page.getByRole("region", { name: "Log drains" });
    await section.getByLabel("Endpoint URL").fill(`http://127.0.0.1:${(sink.address() as AddressInfo).port}/ingest`);
    await section.getByRole("button", { name: "Add drain" }).click();
    const secret = await section.getByLabel("Signing secret").inputValue();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);

    const router = process.env.E2E_ROUTER_URL!;
    for (let i = 0; i < 5; i++) expect((await routerGet(router, `${slug}.localhost`, `/api/charge?order=${100 + i}`)).status).toBe(200);
    const lines = () => got.flatMap((g) => g.body.trim().split("\n").map((l) => JSON.parse(l) as { source: string; text: string; path: string | null }));
    await expect.poll(() => lines().filter((l) => l.source === "request").length, { timeout: 15_000 }).toBe(5);
    expect(lines().filter((l) => l.text.startsWith("charging order 10"))).toHaveLength(5);
    for (const g of got) expect(g.signature).toBe(`sha256=${createHmac("sha256", secret).update(`${g.timestamp}.${g.body}`).digest("hex")}`);
    await expect(section.getByTestId("drain-state")).toContainText("Delivering", { timeout: 10_000 });
    await shot(page, "settings-log-drains");

    // Removing one asks first; then nothing more is sent.
    await section.getByRole("button", { name: "I've copied it" }).click();
    await section.getByRole("button", { name: "Remove" }).click();
    const dialog = page.getByRole("dialog", { name: "Remove this log drain?" });
    await dialog.getByRole("button", { name: "Remove drain" }).click();
    await expect(dialog).toBeHidden();
    await expect(section.getByText("No drains: the logs stay in Slipway only.")).toBeVisible();
  } finally {
    sink.close();
  }
});
