import { blobStore } from "@/lib/bundles/current-store";
import { loadConfig } from "@/lib/config/env";
import { readProcessStatus } from "@/lib/platform/process-status";
import { poolSandbox } from "@/lib/router/functions/pool-sandbox";
import { startRouter } from "@/lib/router/start-router";
import { spanBatcherFromConfig } from "@/lib/observability/traces";
import { currentSecretKey } from "@/lib/secrets/keyring";

// One router process, on Bun (`bun lib/router/main.ts`). npm start runs
// ROUTER_WORKERS of them (default: one per core), each a process of its own
// under the supervisor; they share the apps' and admin ports through
// reusePort, so the kernel spreads connections and no process stands in front.
const config = loadConfig();
const log = (line: string) => console.log(line);

async function main() {
  const router = await startRouter({
    databaseUrl: config.DATABASE_URL ?? "",
    appsDomain: config.APPS_DOMAIN,
    store: blobStore(),
    secretKey: await currentSecretKey(),
    cacheBytes: config.ROUTER_CACHE_MB * 1024 * 1024,
    resyncMs: config.ROUTER_RESYNC_SEC * 1000,
    metrics: config.ROUTER_METRICS === "on",
    logs: config.RUNTIME_LOGS === "on",
    traces: await spanBatcherFromConfig(config, "slipway-router", log).then((batcher) => batcher && { batcher, sampleRatio: config.TRACE_SAMPLE_RATIO }),
    host: config.BIND_HOST,
    port: config.ROUTER_PORT,
    adminPort: config.ROUTER_ADMIN_PORT,
    httpsPort: config.ROUTER_HTTPS_PORT,
    functions: { timeoutMs: config.FUNCTION_TIMEOUT_SEC * 1000, memoryMb: config.FUNCTION_MEMORY_MB, sandbox: await poolSandbox(config) },
    log: (line) => log(`router ${process.pid}: ${line}`),
    processes: () => readProcessStatus(config.dataDir),
    servers: { node: config.runtimeNode, timeoutMs: config.SERVER_TIMEOUT_SEC * 1000 },
  });
  // Tests and scripts read the ports from this line (ROUTER_PORT=0 picks one).
  log(`router listening on ${config.BIND_HOST}:${router.port} (admin ${router.adminPort}), pid ${process.pid}`);
  // A signal to the process group reaches us too: the first one starts a
  // clean close, later ones are ignored.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void router.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e) => {
  console.error(`router failed to start: ${(e as Error).message}`);
  process.exit(1);
});
