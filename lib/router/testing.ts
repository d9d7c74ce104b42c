import http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterAll } from "vitest";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import { loadConfig } from "@/lib/config/env";
import { poolSandbox } from "@/lib/router/functions/pool-sandbox";
import { startRouter, type StartRouterOptions } from "@/lib/router/start-router";
import { testSecretKey } from "@/lib/testing/deploy";

// A router on free ports over a test's database and DATA_DIR store, closed after the file.
export async function startTestRouter(databaseUrl: string, dataDir: string, over: Partial<StartRouterOptions> = {}) {
  const router = await startRouter({
    databaseUrl,
    appsDomain: "localhost",
    store: createLocalStore(path.join(dataDir, "store")),
    secretKey: testSecretKey(),
    cacheBytes: 16 * 1024 * 1024,
    resyncMs: 30_000,
    host: "127.0.0.1",
    port: 0,
    adminPort: 0,
    functions: { timeoutMs: 5000, memoryMb: 128, sandbox: await poolSandbox(loadConfig()) },
    ...over,
  });
  afterAll(() => router.close());
  await router.sync.ready();
  return router;
}

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

// One request with any Host header (fetch does not let a caller set it).
export function request(port: number, host: string, urlPath = "/", opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path: urlPath, method: opts.method ?? "GET", headers: { ...opts.headers, host }, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

// Retries `check` until it passes or `timeoutMs` runs out; returns the time it took.
export async function until(check: () => Promise<boolean>, timeoutMs: number, stepMs = 5): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await check()) return performance.now() - start;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

export type RawReply = { status: number; body: string };

// Sends bytes exactly as given (no client-side normalising) and reads the reply.
export function raw(port: number, requestText: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error("timeout")));
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!m) return reject(new Error(`no status line in reply to ${JSON.stringify(requestText.slice(0, 200))}`));
      resolve({ status: Number(m[1]), body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
    // Not end(): a client that half-closes early gets no answer from node:http.
    socket.write(Buffer.from(requestText, "latin1"));
  });
}
