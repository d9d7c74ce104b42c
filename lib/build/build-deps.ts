import type { BuildDeps, BuildSandbox } from "@/lib/build/build-context";
import { blobStore } from "@/lib/bundles/current-store";
import { type Config, loadConfig } from "@/lib/config/env";
import { db } from "@/lib/db/client";
import { currentSecretKey } from "@/lib/secrets/keyring";

// The worker process's build dependencies, from its configuration.
export async function buildDepsFromEnv(workerId: string): Promise<BuildDeps> {
  const config = loadConfig();
  return {
    db: db(),
    databaseUrl: process.env.DATABASE_URL!,
    store: blobStore(),
    dataDir: config.dataDir,
    secretKey: await currentSecretKey(),
    workerId,
    allowLocalGit: config.ALLOW_LOCAL_GIT === "true",
    stepTimeoutMs: config.BUILD_TIMEOUT_SEC * 1000,
    maxLogBytes: config.BUILD_MAX_LOG_MB << 20,
    sandbox: buildSandbox(config),
    runtimeStartTimeoutMs: config.RUNTIME_START_TIMEOUT_SEC * 1000,
  };
}

export const buildSandbox = (config: Config): BuildSandbox => ({
  setting: config.SLIPWAY_SANDBOX,
  uidBase: config.SANDBOX_UID_BASE,
  memoryMb: config.SANDBOX_MEMORY_MB,
  pids: config.SANDBOX_PIDS,
  diskMb: config.SANDBOX_DISK_MB,
});
