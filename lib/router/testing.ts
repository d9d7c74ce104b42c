import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { afterAll } from "vitest";
import { childEnv } from "@/lib/platform/child-env";
import { routerCommand } from "@/lib/router/router-command";
import type { SecretKey } from "@/lib/secrets/keyring";
import { testSecretKey } from "@/lib/testing/deploy";

const ROOT = path.resolve(import.meta.dirname, "../..");

export type TestRouterOptions = {
  /** 0 (default) picks free ports. */
  port?: number;
  adminPort?: number;
  /** How often the whole table is read again (whole seconds). */
  resyncMs?: number;
  secretKey?: SecretKey;
  metrics?: boolean;
  /** The router's own log lines (its stdout and stderr). */
  log?: (line: string) => void;
  /** HTTPS on a free port (it opens with the first certificate). */
  https?: boolean;
  /** More environment (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). */
  env?: Record<string, string>;
};

export type TestRouter = Awaited<ReturnType<typeof startTestRouter>>;

// A router process, on Bun as the platform runs it (lib/router/main.ts), on
// free ports over a test's database and DATA_DIR store, stopped after the
// file. Resolves once its apps' port is open (its route table is loaded).
export async function startTestRouter(databaseUrl: string, dataDir: string, over: TestRouterOptions = {}) {
  const key = over.secretKey ?? testSecretKey();
  const cmd = routerCommand();
  const env = childEnv({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    SLIPWAY_SECRET_KEY: key.key.toString("hex"),
    SLIPWAY_PREVIOUS_SECRET_KEYS: (key.previous ?? []).map((k) => k.key.toString("hex")).join(","),
    SLIPWAY_SANDBOX: process.env.SLIPWAY_SANDBOX,
    APPS_DOMAIN: "localhost",
    BIND_HOST: "127.0.0.1",
    ROUTER_PORT: String(over.port ?? 0),
    ROUTER_ADMIN_PORT: String(over.adminPort ?? 0),
    ROUTER_CACHE_MB: "16",
    ROUTER_RESYNC_SEC: String(Math.max(1, Math.round((over.resyncMs ?? 30_000) / 1000))),
    ROUTER_METRICS: over.metrics === false ? "off" : "on",
    ...(over.https ? { ROUTER_HTTPS_PORT: "0" } : {}),
    FUNCTION_TIMEOUT_SEC: "5",
    FUNCTION_MEMORY_MB: "128",
    ...cmd.env,
    ...over.env,
  });
  const child = spawn(cmd.command, cmd.args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const output: string[] = [];
  let httpsPort: number | null = null;
  let certificates = 0;
  const listening = new Promise<{ port: number; adminPort: number }>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        const m = /^router listening on .*:(\d+) \(admin (\d+)\)/.exec(line);
        if (m) resolve({ port: Number(m[1]), adminPort: Number(m[2]) });
        else over.log?.(line.replace(/^router \d+: /, ""));
        const tls = /HTTPS serving (\d+) certificate\(s\) on port (\d+)/.exec(line);
        if (tls) [certificates, httpsPort] = [Number(tls[1]), Number(tls[2])];
      });
    }
    child.once("exit", (code, signal) => reject(new Error(`the router exited (${signal ?? `code ${code}`}) before it listened:\n${output.join("\n")}`)));
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  afterAll(close);
  const { port, adminPort } = await listening;
  return {
    port,
    adminPort,
    pid: child.pid!,
    output: () => output.join("\n"),
    /** Where HTTPS listens and how many certificates it serves, as its last log line said (null: not yet). */
    https: () => (httpsPort === null ? null : { port: httpsPort, certificates }),
    /** What this router routes `name` to (its admin port's /routes/<name>). */
    async route(name: string): Promise<{ live: string | null; canary: string | null; canaryWeight: number } | null> {
      const r = await request(adminPort, "localhost", `/routes/${name}`);
      return r.status === 200 ? JSON.parse(r.body.toString()) : null;
    },
    close,
  };
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

/** `reason`: the status line's reason phrase. */
export type RawReply = { status: number; reason: string; body: string };

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
      const m = /^HTTP\/1\.1 (\d{3}) ?([^\r\n]*)/.exec(text);
      if (!m) return reject(new Error(`no status line in reply to ${JSON.stringify(requestText.slice(0, 200))}`));
      resolve({ status: Number(m[1]), reason: m[2], body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
    // Not end(): a client that half-closes early gets no answer from node:http.
    socket.write(Buffer.from(requestText, "latin1"));
  });
}
