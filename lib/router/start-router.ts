import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type BunServer, bunServe, type ServeOptions, type WebSocketHandler } from "@/lib/router/bun-serve";
import type { ServedCertificate } from "@/lib/router/load-certificates";
import { allowListenerHandover, TlsListener } from "@/lib/router/tls-listener";
import { websocketRelay } from "@/lib/router/servers/websocket-relay";
import type { PoolSandbox } from "@/lib/router/functions/function-pool";
import { createRouter, failurePage, type RouterOptions } from "@/lib/router/server";

export type StartRouterOptions = Omit<RouterOptions, "functions"> & {
  host: string;
  /** 0 picks a free port. */
  port: number;
  adminPort: number;
  /** HTTPS with the certificates in Postgres (0 picks a free port); absent: plain HTTP only. */
  httpsPort?: number;
  functions: { timeoutMs: number; memoryMb: number; sandbox: PoolSandbox };
};

// Idle keep-alive connections close after this (nginx: 75 s; Bun allows up to 255).
const IDLE_TIMEOUT_SEC = 75;
// Bun refuses larger bodies with 413 before the router sees them; functions have their own, smaller limit.
const MAX_REQUEST_BODY = 64 * 1024 * 1024;

// One router process's servers on Bun.serve: the apps' port and the admin port
// (/healthz, /readyz). Both are opened with reusePort, so every router process
// on the machine listens on the same ports and the kernel spreads new
// connections among them: no primary process, and a process that dies takes
// only its own connections with it.
//
// Function processes live in a private temp directory (mkdtemp: 0700, the
// router's), which the function pool opens to 0711 for sandboxed hosts:
// bubblewrap, as the project's sandbox user, must pass through it to bind the
// host's code, home and socket directory, and can list or read nothing else
// of it (see functions/host-slot.ts).
export async function startRouter(opts: StartRouterOptions) {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "slipway-fn-"));
  let router: ReturnType<typeof createRouter>;
  const tls =
    opts.httpsPort === undefined
      ? null
      : new TlsListener({
          port: opts.httpsPort,
          listen: (port, certs) => serve(port, (req, server) => router.secureFetch(req, server), certs),
          onChange: (covers, port) => router.servingHttps(covers, port),
          log: opts.log,
        });
  try {
    router = createRouter({
      ...opts,
      functions: { ...opts.functions, workDir },
      certificates: tls ? (certs) => tls.update(certs) : undefined,
      httpsHealth: tls ? () => tls.health() : undefined,
    });
  } catch (err) {
    // Fail to start without leaving the directory behind.
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
  const servers: BunServer[] = [];
  const serve = (port: number, fetch: ServeOptions["fetch"], tlsCerts?: ServedCertificate[]) =>
    bunServe({
      hostname: opts.host,
      port,
      reusePort: true,
      idleTimeout: IDLE_TIMEOUT_SEC,
      maxRequestBodySize: MAX_REQUEST_BODY,
      development: false,
      fetch,
      error: () => failurePage(),
      // WebSockets to server deployments (servers/websocket-relay.ts).
      websocket: websocketRelay as WebSocketHandler<never>,
      // HTTPS speaks HTTP/2 to clients that offer it (ALPN), HTTP/1.1 to the rest.
      ...(tlsCerts ? { tls: tlsCerts.map(({ serverName, cert, key }) => ({ serverName, cert, key })), http2: true } : {}),
    });
  const listen = (port: number, fetch: ServeOptions["fetch"]) => {
    const server = serve(port, fetch);
    servers.push(server);
    return server;
  };
  const close = async () => {
    await tls?.close();
    await Promise.all(servers.map((s) => s.stop(true)));
    await router.close();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    if (tls) await allowListenerHandover(opts.log);
    router.start();
    // The apps' port opens only once the route table is loaded: before that
    // every host would be answered "no app here" (a live site's 404 after a
    // restart); refused connections are retried. /readyz says why meanwhile.
    const adminPort = listen(opts.adminPort, router.adminFetch).port;
    await router.sync.ready();
    const app = listen(opts.port, router.fetch);
    router.serving(app);
    return {
      ...router,
      port: app.port,
      adminPort,
      /** The HTTPS port once a certificate is served (null before, or without HTTPS). */
      httpsPort: () => tls?.port ?? null,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
