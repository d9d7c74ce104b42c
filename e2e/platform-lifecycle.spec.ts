import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { descendantPids } from "@/bench/lib/stats";
import { makeDataDir, startPlatform } from "@/lib/testing/platform-process";
import { expect, shot, test } from "./fixtures";

// The newcomer's path: first start prints credentials and seeds the demo; Ctrl-C
// stops every process; a second start keeps the data and does not seed again.
test("npm start: seed once, sign in, stop cleanly, restart with data intact", async ({ page }) => {
  test.setTimeout(180_000);
  const dataDir = makeDataDir();
  try {
    const first = await startPlatform({ dataDir, env: { SLIPWAY_ADMIN_EMAIL: "", SLIPWAY_ADMIN_PASSWORD: "" } });
    const creds = /sign in as (\S+) with password (\S+)/.exec(first.output());
    expect(creds, first.output()).not.toBeNull();
    const [, email, password] = creds!;
    expect(email).toBe("admin@slipway.local");

    const health = await fetch(`${first.routerAdminUrl}/healthz`);
    expect(health.status).toBe(200);
    const unknownApp = await fetch(`${first.routerUrl}/`, { headers: { host: "nothing.localhost" } });
    expect(unknownApp.status).toBe(404);

    await page.goto(`${first.consoleUrl}/signin`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Demo" })).toBeVisible();
    await shot(page, "lifecycle-first-start-projects");

    const pids = descendantPids(first.child.pid!);
    expect(pids.length).toBeGreaterThanOrEqual(4); // console, worker, router, postgres
    await first.stop("SIGINT");
    await expect.poll(() => pids.filter((pid) => existsSync(`/proc/${pid}`)), { timeout: 15_000 }).toEqual([]);

    const second = await startPlatform({ dataDir, env: { SLIPWAY_ADMIN_EMAIL: "", SLIPWAY_ADMIN_PASSWORD: "" } });
    try {
      expect(second.output()).not.toMatch(/first start/);
      expect(second.output()).toMatch(/database schema is up to date/);
      await page.context().clearCookies();
      await page.goto(`${second.consoleUrl}/signin`);
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("link", { name: "Demo" })).toHaveCount(1);
      await shot(page, "lifecycle-restart-projects");
    } finally {
      // A supervisor killed outright: its node children notice and exit by themselves.
      const nodeChildren = descendantPids(second.child.pid!).filter((pid) => !isPostgres(pid));
      await second.stop("SIGKILL");
      await expect.poll(() => nodeChildren.filter((pid) => existsSync(`/proc/${pid}`)), { timeout: 5_000 }).toEqual([]);
    }
    // The Postgres it left behind is shut down by the next start, which then works.
    const third = await startPlatform({ dataDir });
    const thirdPids = descendantPids(third.child.pid!);
    await third.stop("SIGINT");
    await expect.poll(() => thirdPids.filter((pid) => existsSync(`/proc/${pid}`)), { timeout: 15_000 }).toEqual([]);
    expect(readdirSync("/proc").filter((p) => /^\d+$/.test(p) && postgresOf(Number(p), dataDir))).toEqual([]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
};
const isPostgres = (pid: number) => cmdline(pid).includes("postgres");
const postgresOf = (pid: number, dataDir: string) => isPostgres(pid) && cmdline(pid).includes(dataDir);
