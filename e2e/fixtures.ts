import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { test as base, expect, type Page } from "@playwright/test";
import { type DnsZone, writeDnsZone } from "@/lib/testing/dns-server";
import { E2E_ADMIN } from "./global-setup";

// baseURL comes from the platform global-setup started on free ports.
export const test = base.extend({
  baseURL: async ({}, use) => use(process.env.E2E_BASE_URL),
});

export { expect, E2E_ADMIN };

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/projects/);
}

// The demo's live production deployment, deploying it first if nothing is live.
export async function demoLiveDeployment(page: Page): Promise<string> {
  type Summary = { id: string; status: string };
  const list = async (): Promise<Summary[]> => (await (await page.request.get("/api/projects/demo/deployments?environment=production")).json()).deployments;
  const live = (await list()).find((d) => d.status === "live");
  if (live) return live.id;
  const created = await page.request.post("/api/projects/demo/deployments", { data: {} });
  expect(created.status()).toBe(201);
  const { deployment } = await created.json();
  await expect.poll(async () => (await list()).find((d) => d.id === deployment.id)?.status, { timeout: 240_000, intervals: [1000] }).toBe("live");
  return deployment.id;
}

// Node's fetch cannot set Host; the router picks the app by it.
export function routerGet(base: string, host: string, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname, base), { headers: { ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

// Replaces every record the e2e DNS server (started in global-setup, and the
// platform's DNS_SERVERS) answers with; names absent from `zone` get NXDOMAIN.
export function setDnsRecords(zone: DnsZone) {
  writeDnsZone(process.env.E2E_DNS_ZONE_FILE!, zone);
}

// A static app (the build copies src to dist) as a .tar.gz to upload, made in `dir`.
// Its canary's first stage lasts long enough that a rollout stays in progress for the spec.
export function staticAppArchive(dir: string, version: string): Buffer {
  const root = path.join(dir, version);
  mkdirSync(path.join(root, "src"), { recursive: true });
  writeFileSync(path.join(root, "src/index.html"), `<!doctype html><title>${version}</title><h1>${version}</h1>`);
  const canary = { stages: [5, 100], observationWindowSec: 600, minSamples: 1000 };
  writeFileSync(path.join(root, "slipway.json"), JSON.stringify({ installCommand: "true", buildCommand: "rm -rf dist && cp -r src dist", canary }));
  execFileSync("tar", ["-czf", `${root}.tar.gz`, "-C", root, "."]);
  return readFileSync(`${root}.tar.gz`);
}
