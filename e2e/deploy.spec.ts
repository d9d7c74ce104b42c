import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { E2E_ADMIN, expect, shot, signIn, test } from "./fixtures";

const ROOT = path.resolve(import.meta.dirname, "..");

// The files a plain `npm ci && npm run build` of the demo produces, by sha256:
// what the deployment's manifest must list.
function referenceBuild(): Map<string, string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-ref-"));
  try {
    const src = path.join(ROOT, "examples/vite-demo");
    cpSync(src, dir, { recursive: true, filter: (p) => !/\/(node_modules|dist)(\/|$)/.test(p.slice(src.length)) });
    execFileSync("npm", ["ci"], { cwd: dir, stdio: "ignore" });
    execFileSync("npm", ["run", "build"], { cwd: dir, stdio: "ignore" });
    const out = new Map<string, string>();
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = path.join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else out.set(path.relative(path.join(dir, "dist"), p), createHash("sha256").update(readFileSync(p)).digest("hex"));
      }
    };
    walk(path.join(dir, "dist"));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("Deploy on the demo project streams the build log, ends live, and lists the built files", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  // Earlier specs may have left the demo live: this deploy goes live at once
  // (this test is about the build, not canary rollouts), then the setting is restored.
  const { project } = await (await page.request.get("/api/projects/demo")).json();
  expect((await page.request.patch("/api/projects/demo", { data: { rolloutSettings: "skip" } })).status()).toBe(200);
  try {
    await deployAndCheck(page);
  } finally {
    await page.request.patch("/api/projects/demo", { data: { rolloutSettings: project.rolloutSettings ?? null } });
  }
});

async function deployAndCheck(page: Page) {
  await page.goto("/projects/demo");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await page.waitForURL(/\/projects\/demo\/deployments\/[0-9a-f-]{36}$/);

  // The log streams while the build runs: lines show up before the deployment is live.
  const log = page.getByTestId("build-log");
  await expect(log.getByTestId("log-line").first()).toBeVisible({ timeout: 60_000 });
  const status = page.getByTestId("deployment-status");
  await expect(status).not.toHaveAttribute("data-status", "live");
  await shot(page, "deploy-building");

  await expect(status).toHaveAttribute("data-status", "live", { timeout: 180_000 });
  await expect(log).toContainText("vite");
  await shot(page, "deploy-live");

  const reference = referenceBuild();
  const files = page.getByTestId("manifest").getByTestId("manifest-file");
  await expect(files).toHaveCount(reference.size);
  const listed = new Map<string, string>();
  for (const row of await files.all()) listed.set((await row.getAttribute("data-path"))!, (await row.getAttribute("data-sha256"))!);
  expect(listed).toEqual(reference);
  await shot(page, "deploy-manifest");

  // The deployment's own URL, served by the edge router, opens the built app in the browser.
  const id = page.url().split("/").pop()!;
  const url = await page.getByTestId("deployment-url").getAttribute("href");
  expect(url).toMatch(new RegExp(`^http://demo-${id}\\.localhost:\\d+$`));
  const response = await page.goto(url!);
  expect(response?.headers()["x-slipway-deployment"]).toBe(id);
  await expect(page).toHaveTitle("Slipway demo");
  await shot(page, "deploy-app-served");
}

test("Cancel stops a slow build and shows it canceled", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  // A slow app, deployed through the API with the page's session.
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-slow-"));
  try {
    const me = await (await page.request.get("/api/me")).json();
    const teamId = me.teams[0].id as string;
    const slug = `slow-${Date.now().toString(36)}`;
    const created = await page.request.post("/api/projects", { data: { teamId, name: "Slow app", slug, sourceKind: "archive" } });
    expect(created.status()).toBe(201);
    const archive = path.join(dir, "app.tar.gz");
    const app = path.join(dir, "app");
    cpSync(path.join(ROOT, "examples/static-site"), app, { recursive: true });
    const slowBuild = JSON.stringify({ installCommand: "true", buildCommand: "echo starting a long build; sleep 300" });
    execFileSync("node", ["-e", `require("fs").writeFileSync(${JSON.stringify(path.join(app, "slipway.json"))}, ${JSON.stringify(slowBuild)})`]);
    execFileSync("tar", ["-czf", archive, "-C", app, "."]);
    const res = await page.request.post(`/api/projects/${slug}/deployments`, {
      headers: { "content-type": "application/gzip" },
      data: readFileSync(archive),
    });
    expect(res.status()).toBe(201);
    const { deployment } = await res.json();

    await page.goto(`/projects/${slug}/deployments/${deployment.id}`);
    await expect(page.getByTestId("build-log")).toContainText("starting a long build", { timeout: 60_000 });
    await page.getByRole("button", { name: "Cancel deployment" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Yes, stop it" }).click();
    await expect(page.getByTestId("deployment-status")).toHaveAttribute("data-status", "canceled", { timeout: 15_000 });
    await expect(page.locator('[data-testid="stage"][data-stage="build"]')).toHaveAttribute("data-status", "canceled");
    await expect(page.getByTestId("build-log")).toContainText("Canceled.", { timeout: 15_000 });
    await shot(page, "deploy-canceled");
    const after = await (await page.request.get(`/api/deployments/${deployment.id}`)).json();
    expect(after.deployment.status).toBe("canceled");
    expect(after.deployment.finishedAt).not.toBeNull();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Promote makes an earlier deployment live again, and the newer one superseded", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-promote-"));
  try {
    const me = await (await page.request.get("/api/me")).json();
    const slug = `promo-${Date.now().toString(36)}`;
    expect((await page.request.post("/api/projects", { data: { teamId: me.teams[0].id, name: "Promo app", slug, sourceKind: "archive" } })).status()).toBe(201);
    // Both deploys go live at once: this test is about promote, not canary rollouts.
    expect((await page.request.patch(`/api/projects/${slug}`, { data: { rolloutSettings: "skip" } })).status()).toBe(200);
    const ids: string[] = [];
    for (const version of ["one", "two"]) {
      const app = path.join(dir, version);
      cpSync(path.join(ROOT, "examples/static-site"), app, { recursive: true });
      execFileSync("node", ["-e", `require("fs").appendFileSync(${JSON.stringify(path.join(app, "public/index.html"))}, "<!-- ${version} -->")`]);
      execFileSync("tar", ["-czf", `${app}.tar.gz`, "-C", app, "."]);
      const res = await page.request.post(`/api/projects/${slug}/deployments`, { headers: { "content-type": "application/gzip" }, data: readFileSync(`${app}.tar.gz`) });
      const { deployment } = await res.json();
      ids.push(deployment.id);
      await expect
        .poll(async () => (await (await page.request.get(`/api/deployments/${deployment.id}`)).json()).deployment.status, { timeout: 60_000 })
        .toBe("live");
    }
    await page.goto(`/projects/${slug}/deployments/${ids[0]}`);
    await expect(page.getByTestId("deployment-status")).toHaveAttribute("data-status", "superseded");
    await page.getByRole("button", { name: "Promote", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Promote to live" }).click();
    await expect(page.getByTestId("deployment-status")).toHaveAttribute("data-status", "live", { timeout: 10_000 });
    await shot(page, "deploy-promoted");
    const newer = await (await page.request.get(`/api/deployments/${ids[1]}`)).json();
    expect(newer.deployment.status).toBe("superseded");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
