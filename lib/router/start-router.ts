import { mkdtemp, rm } from "node:fs/promises";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { PoolSandbox } from "@/lib/router/functions/function-pool";
import { createRouter, type RouterOptions } from "@/lib/router/server";

export type StartRouterOptions = Omit<RouterOptions, "functions"> & {
  host: string;
  /** 0 picks a free port. */
  port: number;
  adminPort: number;
  functions: { timeoutMs: number; memoryMb: number; sandbox: PoolSandbox };
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
// (/healthz, /readyz). Function processes live in a private temp directory
// (mkdtemp: 0700, the router's), which the function pool opens to 0711 for
// sandboxed hosts: bubblewrap, as the project's sandbox user, must pass
// through it to bind the host's code, home and socket directory, and can
// list or read nothing else of it (see functions/host-slot.ts).
export async function startRouter(opts: StartRouterOptions) {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "slipway-fn-"));
  let router: ReturnType<typeof createRouter>;
  try {
    router = createRouter({ ...opts, functions: { ...opts.functions, workDir } });
  } catch (err) {
    // Fail to start without leaving the directory behind.
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
  router.start();
  // The apps' port opens only once the route table is loaded: before that
  // every host would be answered "no app here" (a live site's 404 after a
  // restart); refused connections are retried. /readyz says why meanwhile.
  const adminPort = await listen(router.admin, opts.adminPort, opts.host);
  await router.sync.ready();
  const port = await listen(router.app, opts.port, opts.host);
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
