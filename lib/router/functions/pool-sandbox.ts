import type { Config } from "@/lib/config/env";
import type { PoolSandbox } from "@/lib/router/functions/function-pool";
import { sandboxMode } from "@/lib/sandbox/sandbox-mode";

/** How a router's function hosts are sandboxed, from its configuration and what this machine can do. */
export async function poolSandbox(config: Config): Promise<PoolSandbox> {
  const mode = await sandboxMode(config.SLIPWAY_SANDBOX);
  if (mode.state !== "on") return mode;
  return { state: "on", uidBase: config.SANDBOX_UID_BASE, pids: config.SANDBOX_PIDS, diskMb: config.SANDBOX_DISK_MB };
}
