import { spawn } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { freePort } from "@/lib/platform/free-port";
import { readProcessStatus } from "@/lib/platform/process-status";
import { makeDataDir } from "@/lib/testing/platform-process";
import { removeDataDir } from "@/lib/sandbox/workspace";

// `npm start -- --only <names>`: scripts/start.ts itself, against the tests' database.
const ROOT = path.resolve(import.meta.dirname, "../..");
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function start(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGINT");
      await exited;
    }
  });
  const ready = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!/\[slipway\]\s+ready \(Ctrl-C/.test(out)) {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${out}`);
      if (Date.now() > deadline) throw new Error(`not ready in time:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, output: () => out, exited, ready };
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("npm start -- --only", () => {
  it("runs the router alone against DATABASE_URL, supervised, with no console", async () => {
    const dataDir = makeDataDir();
    cleanups.push(() => removeDataDir(dataDir));
    const [port, routerPort, adminPort] = [await freePort(), await freePort(), await freePort()];
    const p = start(["--only", "router"], {
      DATABASE_URL: inject("databaseUrl"),
      DATA_DIR: dataDir,
      PORT: String(port),
      ROUTER_PORT: String(routerPort),
      ROUTER_ADMIN_PORT: String(adminPort),
      BIND_HOST: "127.0.0.1",
      ROUTER_WORKERS: "1",
    });
    await p.ready(60_000);
    expect(p.output()).toMatch(/\[slipway\]\s+running\s+router \(--only\)/);
    expect(p.output()).not.toMatch(/\[slipway\]\s+console /);
    expect(readProcessStatus(dataDir).map((s) => [s.name, s.state])).toEqual([["router", "running"]]);
    const readyz = await (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).json();
    expect(readyz).toMatchObject({ status: "ready", processes: [{ name: "router", state: "running", restarts: 0 }] });
    await expect(fetch(`http://127.0.0.1:${port}/api/healthz`)).rejects.toThrow();

    // Killed, it comes back by itself.
    const pid = readProcessStatus(dataDir)[0].pid!;
    process.kill(pid, "SIGKILL");
    const deadline = Date.now() + 30_000;
    while (!(readProcessStatus(dataDir)[0]?.state === "running" && readProcessStatus(dataDir)[0].pid !== pid)) {
      if (Date.now() > deadline) throw new Error(`the router did not come back:\n${p.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(readProcessStatus(dataDir)[0]).toMatchObject({ restarts: 1, lastExit: { signal: "SIGKILL" } });
    expect(p.output()).toMatch(/\[slipway\]\s+router was killed by SIGKILL .*restarting it in 250 ms\./);

    // Stopped, it takes its router with it, and its status is no longer reported.
    const routerPid = readProcessStatus(dataDir)[0].pid!;
    p.child.kill("SIGINT");
    await p.exited;
    expect(readProcessStatus(dataDir)).toEqual([]);
    const gone = Date.now() + 10_000;
    while (isAlive(routerPid) && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(routerPid)).toBe(false);
  });

  it("refuses an unknown process name with one line", async () => {
    const dataDir = makeDataDir();
    cleanups.push(() => removeDataDir(dataDir));
    const p = start(["--only", "router,web"], { DATA_DIR: dataDir });
    expect(await p.exited).toBe(1);
    expect(p.output().trim()).toBe('[slipway]  --only takes one or more of postgres, console, worker, router, runtime, comma-separated (not "web").');
  });
});
