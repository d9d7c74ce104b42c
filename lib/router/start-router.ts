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
// (/healthz, /readyz). Function processes live in a private temp directory
// (mkdtemp: 0700, the router's). When the router is root, the function pool
// runs every host as an unprivileged user (FUNCTION_UID / FUNCTION_GID /
// FUNCTION_UID_RANGE, see functions/function-user.ts) and opens this
// directory to 0711 itself: hosts reach the paths they are given (their code,
// their home) and can list or read nothing else of it. When the router is
// not root, hosts run as its user: isolating them from the router then means
// running the router as a dedicated unprivileged user.
export async function startRouter(opts: StartRouterOptions) {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "slipway-fn-"));
  let router: ReturnType<typeof createRouter>;
  try {
    router = createRouter({ ...opts, functions: { ...opts.functions, workDir } });
  } catch (err) {
    // e.g. an invalid FUNCTION_UID: fail to start, without leaving the directory behind.
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
