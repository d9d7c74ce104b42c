import { blobStore } from "@/lib/bundles/current-store";
import { loadConfig } from "@/lib/config/env";
import { db } from "@/lib/db/client";
import { OutageLog, waitForDatabase } from "@/lib/platform/outage-log";
import { createBlobSource } from "@/lib/router/static/blob-source";
import { notifyInstancesChanged } from "@/lib/runtime/runtime-notify";
import { RuntimeSupervisor } from "@/lib/runtime/runtime-supervisor";
import { sandboxMode } from "@/lib/sandbox/sandbox-mode";
import { currentSecretKey } from "@/lib/secrets/keyring";
import path from "node:path";

// The runtime process: one per machine that runs routers (npm start runs it as
// the "runtime" unit). It runs the instances of server deployments; see
// runtime-supervisor.ts.
const config = loadConfig();
const outage = new OutageLog();
await waitForDatabase(process.env.DATABASE_URL!, outage);

const mode = await sandboxMode(config.SLIPWAY_SANDBOX);
const supervisor = new RuntimeSupervisor({
  db: db(),
  node: config.runtimeNode,
  workDir: path.join(config.dataDir, "runtime"),
  source: createBlobSource(blobStore(), { maxCachedBytes: 64 * 1024 * 1024, maxFileBytes: 8 * 1024 * 1024 }),
  secretKey: await currentSecretKey(),
  sandbox: mode.state === "on" ? { uidBase: config.SANDBOX_UID_BASE, pids: config.SANDBOX_PIDS, diskMb: config.SANDBOX_DISK_MB } : null,
  unavailable: mode.state === "unavailable" ? mode.reason : null,
  idleMs: config.RUNTIME_IDLE_SEC * 1000,
  logs: config.RUNTIME_LOGS === "on",
  log: (line) => console.log(line),
  onError: (e) => outage.error("runtime", e),
  onOk: () => outage.ok(),
});
// Instances a previous run of this process left behind are gone (they died with it): start clean.
await db().$transaction(async (tx) => {
  await tx.runtimeInstance.deleteMany({ where: { node: config.runtimeNode } });
  await notifyInstancesChanged(tx);
});
supervisor.start();
console.log(`runtime ready on node ${config.runtimeNode}, pid ${process.pid}`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void supervisor.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
