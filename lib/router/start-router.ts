import { mkdtemp, rm } from "node:fs/promises";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createRouter, type RouterOptions } from "@/lib/router/server";

export type StartRouterOptions = Omit<RouterOptions, "functions"> & {
  host: string;
  /** 0 picks a free port. */
  port: number;
  adminPort: number;
  functions: { timeoutMs: number; memoryMb: number };
};

function listen(server: http.Server, port: number, host: string) {
  return new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

// One router process's servers: the apps' port and the admin port
// (/healthz, /readyz). Function processes live in a private temp directory.
export async function startRouter(opts: StartRouterOptions) {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "slipway-fn-"));
  const router = createRouter({ ...opts, functions: { ...opts.functions, workDir } });
  router.start();
  const port = await listen(router.app, opts.port, opts.host);
  const adminPort = await listen(router.admin, opts.adminPort, opts.host);
  return {
    ...router,
    port,
    adminPort,
    async close() {
      await router.close();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
