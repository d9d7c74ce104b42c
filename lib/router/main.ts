import cluster from "node:cluster";
import os from "node:os";
import { blobStore } from "@/lib/bundles/current-store";
import { loadConfig } from "@/lib/config/env";
import { readProcessStatus } from "@/lib/platform/process-status";
import { poolSandbox } from "@/lib/router/functions/pool-sandbox";
import { startRouter } from "@/lib/router/start-router";
import { currentSecretKey } from "@/lib/secrets/keyring";

// Router entry point: one process per core (ROUTER_WORKERS) under node:cluster,
// sharing the apps' port and the admin port. The primary only restarts
// workers that die; each worker holds its own route table and listener.
const config = loadConfig();
const workers = config.ROUTER_WORKERS || os.availableParallelism();
const log = (line: string) => console.log(line);

const CRASH_WINDOW_MS = 60_000;
const MAX_CRASHES = 10;

async function runWorker() {
  const router = await startRouter({
    databaseUrl: config.DATABASE_URL ?? "",
    appsDomain: config.APPS_DOMAIN,
    store: blobStore(),
    secretKey: await currentSecretKey(),
    cacheBytes: config.ROUTER_CACHE_MB * 1024 * 1024,
    resyncMs: config.ROUTER_RESYNC_SEC * 1000,
    metrics: config.ROUTER_METRICS === "on",
    host: config.BIND_HOST,
    port: config.ROUTER_PORT,
    adminPort: config.ROUTER_ADMIN_PORT,
    functions: { timeoutMs: config.FUNCTION_TIMEOUT_SEC * 1000, memoryMb: config.FUNCTION_MEMORY_MB, sandbox: await poolSandbox(config) },
    log: (line) => log(`router ${process.pid}: ${line}`),
    processes: () => readProcessStatus(config.dataDir),
  });
  if (cluster.isPrimary) {
    log(`router listening on ${config.BIND_HOST}:${router.port} (admin ${router.adminPort})`);
  }
  // The primary forwards SIGTERM, and a signal to the process group reaches
  // us too: the first one starts a clean close, later ones are ignored.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void router.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function runPrimary() {
  let stopping = false;
  const crashes: number[] = [];
  for (let i = 0; i < workers; i++) cluster.fork();
  log(`router listening on ${config.BIND_HOST}:${config.ROUTER_PORT} (admin ${config.ROUTER_ADMIN_PORT}), ${workers} processes`);
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    crashes.push(now);
    while (crashes[0] < now - CRASH_WINDOW_MS) crashes.shift();
    log(`router process ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`);
    if (crashes.length > MAX_CRASHES) {
      log(`router processes crashed ${crashes.length} times in a minute; giving up`);
      process.exit(1);
    }
    setTimeout(() => cluster.fork(), 200);
  });
  const stop = () => {
    stopping = true;
    const alive = Object.values(cluster.workers ?? {});
    if (alive.length === 0) process.exit(0);
    for (const w of alive) w?.process.kill("SIGTERM");
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (cluster.isPrimary && workers > 1) runPrimary();
else
  void runWorker().catch((e) => {
    console.error(`router failed to start: ${(e as Error).message}`);
    process.exit(1);
  });
