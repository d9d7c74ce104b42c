// The router's HTTP server: Bun.serve (Bun from the npm package `bun`, pinned
// in package.json). Only what the router uses of it is typed here, so the rest
// of the project (Next, the worker, the tests under Node) keeps Node's types.
// Why Bun: docs/processes.md has the measured numbers.

export type BunServer = {
  readonly port: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
  requestIP(req: Request): { address: string; port: number } | null;
  /** Answers a WebSocket handshake (101); the socket then belongs to ServeOptions.websocket. */
  upgrade(req: Request, opts: { data: unknown; headers?: Record<string, string> }): boolean;
};

/** The server's end of an upgraded connection. */
export type ServerWebSocket<T> = {
  readonly data: T;
  readonly readyState: number;
  send(message: string | ArrayBufferView | ArrayBuffer): number;
  close(code?: number, reason?: string): void;
};

export type WebSocketHandler<T> = {
  open(ws: ServerWebSocket<T>): void;
  message(ws: ServerWebSocket<T>, message: string | Uint8Array): void;
  close(ws: ServerWebSocket<T>, code: number, reason: string): void;
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
  fetch(req: Request, server: BunServer): Response | undefined | Promise<Response | undefined>;
  error(err: Error): Response;
  websocket?: WebSocketHandler<never>;
  /** HTTPS: one entry per host name, chosen by the client's SNI (the first one for a client that sends none). */
  tls?: { serverName: string; cert: string; key: string }[];
  /** With tls: HTTP/2 offered through ALPN (h2, then http/1.1) on the same port; a WebSocket handshake stays on HTTP/1.1. */
  http2?: boolean;
};

type BunGlobal = { serve(opts: ServeOptions): BunServer };

export function bunServe(opts: ServeOptions): BunServer {
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (!bun) throw new Error("the router runs on Bun: start it with `bun lib/router/main.ts` (npm start does)");
  return bun.serve(opts);
}
