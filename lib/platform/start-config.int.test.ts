import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// `npm start` with bad settings must stop with one readable line, not a stack trace.
const ROOT = path.resolve(import.meta.dirname, "../..");
const dataDir = mkdtempSync(path.join(os.tmpdir(), "slipway-badconfig-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function start(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  const lines = `${r.stdout}${r.stderr}`.split("\n").filter((l) => l.trim() && !l.startsWith("npm warn"));
  return { status: r.status, lines };
}

describe("start-up configuration errors", () => {
  it.each([
    [{ PORT: "abc" }, /^\[slipway\]\s+Invalid configuration: PORT must be a port number \(got "abc"\)\.$/],
    [{ ROUTER_PORT: "70000" }, /ROUTER_PORT must be between 0 and 65535/],
    [{ ROUTER_PORT: "0" }, /ROUTER_PORT and ROUTER_ADMIN_PORT must be set to a port \(not 0\) for npm start/],
    [{ APPS_DOMAIN: "Apps.Example.com" }, /APPS_DOMAIN must be a lowercase host name/],
    [{ DATABASE_URL: "mysql://u:p@localhost/db" }, /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [{ SLIPWAY_ADMIN_PASSWORD: "short" }, /SLIPWAY_ADMIN_PASSWORD must be at least 12 characters\.$/],
  ])("%o stops with one line naming the variable", (env, message) => {
    const { status, lines } = start(env);
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it("an unreachable DATABASE_URL names the host and hides the password", () => {
    const { status, lines } = start({ DATABASE_URL: "postgresql://admin:s3cret-pw@127.0.0.1:1/slipway" });
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Cannot reach the database at 127\.0\.0\.1:1\/slipway: ECONNREFUSED/);
    expect(lines[0]).not.toContain("s3cret-pw");
  });
});
