import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createDb, type Db } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { childEnv } from "@/lib/platform/child-env";
import { createTestDatabase } from "@/lib/testing/db";

const ROOT = path.resolve(import.meta.dirname, "../..");

// Real worker processes (lib/worker/main.ts) on a database of the test file's
// own, killed after each test. `db` and `databaseUrl` are set in beforeAll.
export function workerProcesses(dataDir: string) {
  const workers: ChildProcess[] = [];
  const h = {
    databaseUrl: "",
    db: undefined as unknown as Db,
    startWorker(extraEnv: Record<string, string> = {}) {
      const child = spawn(process.execPath, ["--import", "tsx", "lib/worker/main.ts"], {
        cwd: ROOT,
        env: childEnv({ PATH: process.env.PATH, DATABASE_URL: h.databaseUrl, DATA_DIR: dataDir, SLIPWAY_SECRET_KEY: process.env.SLIPWAY_SECRET_KEY, WORKER_CONCURRENCY: "2", ...extraEnv }),
        stdio: ["ignore", "pipe", "pipe"],
      });
      const output: string[] = [];
      child.stdout!.on("data", (b) => output.push(String(b)));
      child.stderr!.on("data", (b) => output.push(String(b)));
      workers.push(child);
      return { child, output };
    },
  };
  beforeAll(async () => {
    h.databaseUrl = await createTestDatabase();
    await applyMigrations(h.databaseUrl);
    await installJobQueue(h.databaseUrl);
    h.db = createDb(h.databaseUrl);
  });
  afterEach(() => {
    for (const w of workers.splice(0)) w.kill("SIGKILL");
  });
  afterAll(() => h.db?.$disconnect());
  return h;
}
