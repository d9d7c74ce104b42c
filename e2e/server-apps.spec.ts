import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { openWebSocket } from "@/lib/runtime/testing/websocket-client";
import { E2E_ADMIN, expect, routerGet, shot, signIn, test } from "./fixtures";

// Server apps through the real platform: the Express example (examples/express-api)
// installed from the npm registry and built in the sandbox, run by npm start's
// runtime, served by the router (JSON, a WebSocket), and promoted back.
const ROOT = path.resolve(import.meta.dirname, "..");

function archive(dir: string, version: string): Buffer {
  const app = path.join(dir, version);
  cpSync(path.join(ROOT, "examples/express-api"), app, { recursive: true, filter: (src) => !src.includes("node_modules") });
  const server = path.join(app, "server.js");
  writeFileSync(server, readFileSync(server, "utf8").replace('"Hello from Express"', `"Hello from ${version}"`));
  execFileSync("tar", ["-czf", `${app}.tar.gz`, "-C", app, "."]);
  return readFileSync(`${app}.tar.gz`);
}

async function deploy(page: Page, slug: string, data: Buffer): Promise<string> {
  const res = await page.request.post(`/api/projects/${slug}/deployments`, { headers: { "content-type": "application/gzip" }, data });
  expect(res.status()).toBe(201);
  const id = (await res.json()).deployment.id as string;
  await expect
    .poll(async () => (await (await page.request.get(`/api/deployments/${id}`)).json()).deployment.status, { timeout: 240_000, intervals: [1000] })
    .toBe("live");
  return id;
}

test("the Express example deploys as a server: health-checked instances, JSON and a WebSocket through the router, Promote back, the old one drained", async ({ page }) => {
  test.setTimeout(600_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const me = await (await page.request.get("/api/me")).json();
  const slug = `api-${Date.now().toString(36)}`;
  expect((await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name: "Express API", slug, sourceKind: "archive" } })).status()).toBe(201);
  expect((await page.request.patch(`/api/projects/${slug}`, { data: { rolloutSettings: "skip" } })).status()).toBe(200);
  const router = process.env.E2E_ROUTER_URL!;
  const host = `${slug}.localhost`;
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-server-"));
  try {
    const v1 = await deploy(page, slug, archive(dir, "v1"));
    const first = await routerGet(router, host, "/");
    expect(first.status).toBe(200);
    expect(first.headers["x-slipway-deployment"]).toBe(v1);
    expect(JSON.parse(first.body.toString())).toMatchObject({ message: "Hello from v1", path: "/", forwardedFor: "127.0.0.1" });

    // The WebSocket, through the router to the instance and back.
    const ws = await openWebSocket(Number(new URL(router).port), host, "/ws");
    expect(ws.status).toBe(101);
    expect(JSON.parse(await ws.next())).toEqual({ hello: "Hello from v1" });
    ws.send("ping");
    expect(JSON.parse(await ws.next())).toEqual({ echo: "ping" });

    await page.goto(`/projects/${slug}/deployments/${v1}`);
    const runtime = page.getByRole("region", { name: "Runtime" });
    await expect(runtime.getByTestId("runtime-state")).toHaveText("Running");
    await expect(runtime.getByTestId("runtime-detected")).toContainText("Express 5");
    await expect(runtime.getByTestId("runtime-instances").getByRole("row")).toHaveCount(2);
    await expect(runtime.getByTestId("runtime-instances")).toContainText("Ready");
    await shot(page, "server-runtime-running");

    // v2 replaces it: the open WebSocket to v1 is closed by v1 going away (drained, then SIGTERM: 1001).
    const v2 = await deploy(page, slug, archive(dir, "v2"));
    expect(JSON.parse((await routerGet(router, host, "/")).body.toString()).message).toBe("Hello from v2");
    expect(await ws.closed).toBe(1001);
    await page.goto(`/projects/${slug}/deployments/${v1}`);
    await expect(runtime.getByTestId("runtime-state")).toHaveText("Stopped", { timeout: 30_000 });

    // Promote v1 back from its page: its instance starts, passes its health check, then the route moves.
    await page.getByRole("button", { name: "Promote", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Promote to live" }).click();
    await expect(page.getByTestId("deployment-status")).toHaveAttribute("data-status", "live", { timeout: 60_000 });
    await expect(runtime.getByTestId("runtime-state")).toHaveText("Running");
    expect(JSON.parse((await routerGet(router, host, "/")).body.toString()).message).toBe("Hello from v1");
    await shot(page, "server-runtime-promoted");
    // And v2, out of every route, drains and stops.
    await page.goto(`/projects/${slug}/deployments/${v2}`);
    await expect(runtime.getByTestId("runtime-state")).toHaveText("Stopped", { timeout: 30_000 });
    // The project's history says which deployments run.
    await page.goto(`/projects/${slug}`);
    const row = (id: string) => page.locator(`[data-testid="deployment-row"][data-deployment-id="${id}"]`);
    await expect(row(v1).getByTestId("runtime-running")).toBeVisible();
    await expect(row(v2).getByTestId("runtime-running")).toHaveCount(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the Next.js example deploys as a standalone server: the page is rendered per request and the route handler answers", async ({ page }) => {
  test.setTimeout(600_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const me = await (await page.request.get("/api/me")).json();
  const slug = `next-${Date.now().toString(36)}`;
  expect((await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name: "Next.js app", slug, sourceKind: "archive" } })).status()).toBe(201);
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-next-"));
  try {
    cpSync(path.join(ROOT, "examples/nextjs-app"), path.join(dir, "app"), { recursive: true, filter: (src) => !/node_modules|\.next/.test(src) });
    execFileSync("tar", ["-czf", `${dir}/app.tar.gz`, "-C", path.join(dir, "app"), "."]);
    const id = await deploy(page, slug, readFileSync(`${dir}/app.tar.gz`));
    const router = process.env.E2E_ROUTER_URL!;
    const host = `${slug}.localhost`;

    // Server-rendered: each request renders anew.
    const first = await routerGet(router, host, "/");
    expect(first.status).toBe(200);
    expect(first.headers["x-slipway-deployment"]).toBe(id);
    expect(first.body.toString()).toContain("Hello from Next.js");
    const renderedAt = (html: string) => /data-testid="rendered-at"[^>]*>([^<]+)</.exec(html)?.[1];
    await new Promise((r) => setTimeout(r, 20));
    expect(renderedAt((await routerGet(router, host, "/")).body.toString())).not.toBe(renderedAt(first.body.toString()));
    const api = await routerGet(router, host, "/api/hello?name=slipway");
    expect(JSON.parse(api.body.toString())).toMatchObject({ hello: "slipway" });

    // In Chromium, through the router: the page and its static assets (copied next to the standalone server).
    const asset = page.waitForResponse((r) => r.url().includes("/_next/static/"));
    await page.goto(`${router.replace("127.0.0.1", host)}/`);
    await expect(page.getByRole("heading", { name: "Hello from Next.js" })).toBeVisible();
    expect((await asset).status()).toBe(200);
    await expect(page.getByTestId("host")).toHaveText(`${host}:${new URL(router).port}`);

    await page.goto(`/projects/${slug}/deployments/${id}`);
    const runtime = page.getByRole("region", { name: "Runtime" });
    await expect(runtime.getByTestId("runtime-state")).toHaveText("Running");
    await expect(runtime.getByTestId("runtime-detected")).toContainText("Next.js 16, standalone output → server");
    await shot(page, "server-runtime-nextjs");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a mutable variable changed in the console reaches the running server, one instance at a time, with no new deployment", async ({ page }) => {
  test.setTimeout(600_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const me = await (await page.request.get("/api/me")).json();
  const slug = `mut-${Date.now().toString(36)}`;
  expect((await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name: "Mutable API", slug, sourceKind: "archive" } })).status()).toBe(201);
  expect((await page.request.patch(`/api/projects/${slug}`, { data: { rolloutSettings: "skip" } })).status()).toBe(200);
  const router = process.env.E2E_ROUTER_URL!;
  const host = `${slug}.localhost`;
  const message = async () => JSON.parse((await routerGet(router, host, "/")).body.toString()).message as string;
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-mutable-"));
  try {
    // GREETING, mutable, and nothing running yet: the save says it waits for a deployment.
    await page.goto(`/projects/${slug}/env`);
    await page.getByRole("button", { name: "Add variable" }).click();
    const add = page.getByRole("dialog", { name: "Add a variable" });
    await add.getByLabel("Key").fill("GREETING");
    await add.getByLabel("Value").fill("Hello from a variable");
    await add.getByRole("checkbox", { name: "Mutable" }).check();
    await add.getByRole("button", { name: "Add variable" }).click();
    await page.getByTestId("env-pending-bar").getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("env-saved-later")).toHaveText("GREETING takes effect with the next deployment.");
    const row = page.locator('[data-testid="env-row"][data-key="GREETING"]');
    await expect(row).toContainText("Mutable");

    const id = await deploy(page, slug, archive(dir, "v1"));
    expect(await message()).toBe("Hello from a variable");

    // Changed while it runs: the console says what restarts, and the app answers with the new value soon after.
    await row.getByRole("button", { name: "Edit GREETING" }).click();
    const edit = page.getByRole("dialog", { name: "Edit GREETING" });
    await edit.getByLabel("Value").fill("Hola from a mutable variable");
    await edit.getByRole("button", { name: "Update variable" }).click();
    await page.getByTestId("env-pending-bar").getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("env-saved-restarted")).toHaveText(
      "GREETING is mutable: 1 running deployment restarts with the new value, one instance at a time, without a rebuild.",
    );
    await shot(page, "env-mutable-saved");
    // Every answer meanwhile is a 200 from one value or the other.
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          const r = await routerGet(router, host, "/");
          expect(r.status).toBe(200);
          seen.add(JSON.parse(r.body.toString()).message);
          return JSON.parse(r.body.toString()).message;
        },
        { timeout: 90_000, intervals: [100] },
      )
      .toBe("Hola from a mutable variable");
    expect([...seen].every((m) => m === "Hello from a variable" || m === "Hola from a mutable variable")).toBe(true);

    // The same deployment, no new one; its page names what can change and shows both instances on the new values.
    const list = await (await page.request.get(`/api/projects/${slug}/deployments`)).json();
    expect(list.deployments.map((d: { id: string }) => d.id)).toEqual([id]);
    await page.goto(`/projects/${slug}/deployments/${id}`);
    const runtime = page.getByRole("region", { name: "Runtime" });
    await expect(runtime.getByTestId("runtime-mutable")).toContainText("Mutable while it runs: GREETING (changed once since it was built)");
    const instances = runtime.getByTestId("runtime-instances");
    await expect(instances.getByRole("row")).toHaveCount(2, { timeout: 60_000 }); // a header and its one instance, the old one gone
    await expect(instances.getByText("Current")).toHaveCount(1);
    await shot(page, "server-runtime-mutable");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
