// The router's HTTP server: Bun.serve (Bun from the npm package `bun`, pinned
// in package.json). Only what the router uses of it is typed here, so the rest
// of the project (Next, the worker, the tests under Node) keeps Node's types.
// Why Bun: docs/processes.md has the measured numbers.

export type BunServer = {
  readonly port: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
  requestIP(req: Request): { address: string; port: number } | null;
};

export type ServeOptions = {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** Several router processes share the port; the kernel spreads connections among them. */
  reusePort: boolean;
  /** Seconds a connection may stay idle (Bun's maximum is 255). */
  idleTimeout: number;
  maxRequestBodySize: number;
  /** false: no development error pages. */
  development: boolean;
  fetch(req: Request, server: BunServer): Response | Promise<Response>;
  error(err: Error): Response;
};

type BunGlobal = { serve(opts: ServeOptions): BunServer };

export function bunServe(opts: ServeOptions): BunServer {
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (!bun) throw new Error("the router runs on Bun: start it with `bun lib/router/main.ts` (npm start does)");
  return bun.serve(opts);
}
