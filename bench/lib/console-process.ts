// The console as `npm start` runs it (the production build, `next start`,
// rebuilt first if its sources changed), against a bench Platform's database
// and DATA_DIR, on a free port.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { onCleanup, spawnGroup } from "@/bench/lib/proc";
import type { Platform } from "@/bench/lib/router-fixture";
import { ensureConsoleBuild } from "@/lib/platform/console-build";
import { childEnv } from "@/lib/platform/child-env";
import { freePort } from "@/lib/platform/free-port";
import { waitForHttp } from "@/lib/platform/supervisor";

const ROOT = path.resolve(import.meta.dirname, "../..");

export type ConsoleProcess = { pid: number; url: string; output: () => string; stop: () => Promise<void> };

export async function startConsoleProcess(p: Platform, timeoutMs = 120_000): Promise<ConsoleProcess> {
  ensureConsoleBuild(ROOT, (line) => console.log(`  ${line}`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = childEnv({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: p.databaseUrl,
    DATA_DIR: p.dataDir,
    SLIPWAY_SECRET_KEY: p.secretKey,
    NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
    NEXTAUTH_URL: url,
    APPS_DOMAIN: "localhost",
  });
  const next = path.join(ROOT, "node_modules/next/dist/bin/next");
  const g = spawnGroup(process.execPath, ["--import", path.join(ROOT, "lib/platform/exit-with-parent.mjs"), next, "start", "-p", String(port), "-H", "127.0.0.1"], { cwd: ROOT, env });
  const stop = async () => {
    unregister();
    await g.stop("SIGTERM", 5000);
  };
  const unregister = onCleanup(stop);
  let exited = false;
  void g.exited.then(() => (exited = true));
  try {
    await waitForHttp(`${url}/api/healthz`, timeoutMs, () => !exited);
  } catch (e) {
    await stop();
    throw new Error(`the console did not start (${(e as Error).message}); its output:\n${g.output()}`);
  }
  if (exited) throw new Error(`the console exited before it was ready; its output:\n${g.output()}`);
  return { pid: g.child.pid!, url, output: g.output, stop };
}
