import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "@/lib/platform/free-port";
import { removeDataDir } from "@/lib/sandbox/workspace";

// Starts the whole platform exactly as `npm start` does, on free ports and a
// throwaway data directory, for e2e tests and benchmarks.
export type RunningPlatform = {
  consoleUrl: string;
  routerUrl: string;
  routerAdminUrl: string;
  pgPort: number;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
};

const ROOT = path.resolve(import.meta.dirname, "../..");

// A throwaway data directory the embedded Postgres (run as "postgres" when we are
// root) can enter, so its data stays inside and is removed with it.
export function makeDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-platform-"));
  chmodSync(dir, 0o755);
  return dir;
}

export async function startPlatform(opts: { env?: Record<string, string>; dataDir?: string; timeoutMs?: number } = {}) {
  const dataDir = opts.dataDir ?? makeDataDir();
  const [port, routerPort, adminPort, pgPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    PORT: String(port),
    ROUTER_PORT: String(routerPort),
    ROUTER_ADMIN_PORT: String(adminPort),
    EMBEDDED_PG_PORT: String(pgPort),
    DATA_DIR: dataDir,
    BIND_HOST: "127.0.0.1",
    DATABASE_URL: "",
    ...opts.env,
  };
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`platform not ready in time:\n${out}`)), opts.timeoutMs ?? 240_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (/\[slipway\]\s+ready \(Ctrl-C/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`platform exited with code ${code} before it was ready:\n${out}`));
    });
  });
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill(signal);
      await exited;
    }
    if (!opts.dataDir) await removeDataDir(dataDir);
  };
  try {
    await ready;
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    consoleUrl: `http://localhost:${port}`,
    routerUrl: `http://127.0.0.1:${routerPort}`,
    routerAdminUrl: `http://127.0.0.1:${adminPort}`,
    pgPort,
    dataDir,
    child,
    output: () => out,
    stop,
  } satisfies RunningPlatform;
}
