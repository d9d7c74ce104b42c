// The runtime of server apps for the benches: the platform's RuntimeSupervisor
// (lib/runtime/) over the bench's Postgres and store, in the bench's process,
// with the machine's sandbox settings, until stop().
import path from "node:path";
import { onCleanup } from "@/bench/lib/proc";
import type { Platform } from "@/bench/lib/router-fixture";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import { loadConfig } from "@/lib/config/env";
import { createBlobSource } from "@/lib/router/static/blob-source";
import { type RuntimeOptions, RuntimeSupervisor } from "@/lib/runtime/runtime-supervisor";
import { sandboxMode } from "@/lib/sandbox/sandbox-mode";
import { parseSecretKey } from "@/lib/secrets/keyring";

export async function startRuntime(p: Platform, over: Partial<RuntimeOptions> = {}): Promise<{ runtime: RuntimeSupervisor; stop: () => Promise<void> }> {
  const config = loadConfig();
  const mode = await sandboxMode(config.SLIPWAY_SANDBOX);
  if (mode.state === "unavailable") throw new Error(mode.reason);
  const runtime = new RuntimeSupervisor({
    db: p.db,
    node: config.runtimeNode,
    workDir: path.join(p.dataDir, "runtime"),
    source: createBlobSource(createLocalStore(path.join(p.dataDir, "store")), { maxCachedBytes: 64 << 20, maxFileBytes: 8 << 20 }),
    secretKey: parseSecretKey(p.secretKey),
    sandbox: mode.state === "on" ? { uidBase: config.SANDBOX_UID_BASE, pids: config.SANDBOX_PIDS, diskMb: config.SANDBOX_DISK_MB } : null,
    onError: (e) => console.error(`runtime: ${(e as Error).message}`),
    ...over,
  });
  runtime.start();
  const stop = async () => {
    unregister();
    await runtime.close();
  };
  const unregister = onCleanup(stop);
  return { runtime, stop };
}
