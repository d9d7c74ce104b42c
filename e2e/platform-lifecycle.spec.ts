import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { descendantPids } from "@/bench/lib/stats";
import { readProcessStatus } from "@/lib/platform/process-status";
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

test("npm start heals: a killed worker and a killed Postgres come back by themselves, the router never stops, the console says so", async ({ page }) => {
  test.setTimeout(180_000);
  const dataDir = makeDataDir();
  const admin = { email: "heal@example.test", password: "heal-password-123" };
  // Two router processes, each a unit of its own, sharing the ports.
  const platform = await startPlatform({ dataDir, env: { SLIPWAY_ADMIN_EMAIL: admin.email, SLIPWAY_ADMIN_PASSWORD: admin.password, ROUTER_WORKERS: "2" } });
  try {
    const status = (name: string) => readProcessStatus(dataDir).find((p) => p.name === name);
    expect(readProcessStatus(dataDir).map((p) => [p.name, p.state, p.restarts])).toEqual([
      ["console", "running", 0],
      ["postgres", "running", 0],
      ["router", "running", 0],
      ["router-2", "running", 0],
      ["runtime", "running", 0],
      ["worker", "running", 0],
    ]);
    const routerPid = status("router")!.pid;
    // The router answers throughout (its health, not an app's: nothing is deployed here).
    let routerDown = 0;
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const ok = await fetch(`${platform.routerAdminUrl}/healthz`).then((r) => r.ok, () => false);
        if (!ok) routerDown++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // npm start is ready once the console and the router answer; the worker may still be starting.
    await expect.poll(() => /\[worker\]\s*worker ready/.test(platform.output()), { timeout: 60_000 }).toBe(true);
    for (const name of ["worker", "postgres"]) {
      const before = status(name)!;
      process.kill(before.pid!, "SIGKILL");
      await expect.poll(() => status(name)?.state === "running" && status(name)?.pid !== before.pid, { timeout: 60_000 }).toBe(true);
      // Postgres may need a second try while the killed server's last backends exit.
      expect(status(name)!.restarts).toBeGreaterThanOrEqual(1);
      if (name === "worker") expect(status(name)).toMatchObject({ restarts: 1, lastExit: { signal: "SIGKILL" } });
    }
    // Postgres back: the console and the router see it again.
    await expect.poll(async () => (await (await fetch(`${platform.consoleUrl}/api/healthz`)).json()).database, { timeout: 30_000 }).toBe("up");
    await expect.poll(async () => (await (await fetch(`${platform.routerAdminUrl}/readyz`)).json()).status, { timeout: 30_000 }).toBe("ready");
    probing = false;
    await probe;
    expect(routerDown).toBe(0);
    expect(status("router")).toMatchObject({ state: "running", pid: routerPid, restarts: 0 });

    // Reported where operators look: /readyz, /api/healthz (no pids, no output), and the console.
    const readyz = await (await fetch(`${platform.routerAdminUrl}/readyz`)).json();
    expect(readyz.processes.map((p: { name: string; restarts: number }) => [p.name, p.restarts > 0])).toEqual([
      ["console", false],
      ["postgres", true],
      ["router", false],
      ["router-2", false],
      ["runtime", false],
      ["worker", true],
    ]);
    const health = await (await fetch(`${platform.consoleUrl}/api/healthz`)).json();
    expect(health.processes.find((p: { name: string }) => p.name === "worker")).toEqual({
      name: "worker",
      state: "running",
      restarts: 1,
      lastExit: { code: null, signal: "SIGKILL", at: expect.any(String) },
    });
    expect(platform.output()).toMatch(/\[slipway\]\s+worker was killed by SIGKILL .*; restarting it in 250 ms\./);
    expect(platform.output()).toMatch(/\[slipway\]\s+postgres was killed by SIGKILL; restarting it in 250 ms\./);

    await page.goto(`${platform.consoleUrl}/signin`);
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();
    const banner = page.getByTestId("process-banner");
    await expect(banner).toHaveAttribute("data-tone", "warning");
    await expect(banner).toContainText(/The postgres process was restarted (once|\d+ times) \(last: .+ at \d\d:\d\d:\d\d UTC\); running again\./);
    await expect(banner).toContainText(/The worker process was restarted once/);
    await shot(page, "lifecycle-healed-banner");
  } finally {
    await platform.stop("SIGINT");
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
