import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { once } from "node:events";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { cleanupTempDirs, makeTempDir } from "@/lib/bundles/testing/temp-dir";
import { functionIndex, matchFunction } from "@/lib/router/functions/function-paths";
import { type FunctionBundle, type FunctionLogLine, FunctionPool, type FunctionPoolOptions, HOST_PATH } from "@/lib/router/functions/function-pool";
import { handleWithNode } from "@/lib/router/functions/node-bridge";
import { poolSandbox } from "@/lib/router/functions/pool-sandbox";
import { loadConfig } from "@/lib/config/env";
import { createBlobSource } from "@/lib/router/static/blob-source";
import { resolveRequestPath } from "@/lib/router/static/resolve-path";
import { makeBundle } from "@/lib/router/static/testing";

// Real hosts (child processes), a real http server in front of the pool, no mocks.

const SANDBOXED = process.getuid?.() === 0 && loadConfig().SLIPWAY_SANDBOX === "on";
const RUN = randomUUID(); // in every host's environment, to find stray processes
const FAKE_DB = "postgres://router:secret@localhost/slipway";
const savedDb = process.env.DATABASE_URL;
beforeAll(() => {
  process.env.DATABASE_URL = FAKE_DB; // the router's own secret: no function may see it
});
afterAll(() => {
  if (savedDb === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = savedDb;
});

// `project`: its project's sandbox number (each deployment its own project unless given).
type Deployment = { files: Record<string, string>; env?: Record<string, string>; project?: number };
type Live = { pool: FunctionPool; port: number; server: http.Server; bundles: Map<string, FunctionBundle>; workDir: string; warmups: Map<string, boolean> };

const opened: Live[] = [];
afterEach(async () => {
  for (const live of opened.splice(0)) {
    await live.pool.close();
    await new Promise((r) => live.server.close(r));
  }
  await cleanupTempDirs();
});
afterAll(() => {
  expect(livePids(`TEST_RUN=${RUN}`)).toEqual([]);
});

// Deployments are served by host name: http://<id>.test/...
async function start(deployments: Record<string, Deployment>, opts: Partial<FunctionPoolOptions> = {}): Promise<Live> {
  const all: Record<string, string> = {};
  for (const [id, d] of Object.entries(deployments)) for (const [p, text] of Object.entries(d.files)) all[`${id}/${p}`] = text;
  const stored = await makeBundle(all);
  const bundles = new Map<string, FunctionBundle>();
  for (const [i, [id, d]] of Object.entries(deployments).entries()) {
    const files = stored.entries.filter((e) => e.path.startsWith(`${id}/`)).map((e) => ({ ...e, path: e.path.slice(id.length + 1) }));
    const digest = createHash("sha256").update(JSON.stringify(files)).digest("hex");
    bundles.set(id, {
      deploymentId: id,
      bundleDigest: digest,
      files: [...functionIndex(files).values()],
      env: { TEST_RUN: RUN, ...d.env },
      sandboxId: 7000 + (d.project ?? i),
      egressAllow: [],
    });
  }
  const workDir = await makeTempDir("functions");
  const pool = new FunctionPool({
    source: createBlobSource(stored.store, { maxCachedBytes: 1 << 20, maxFileBytes: 1 << 20 }),
    workDir,
    sandbox: await poolSandbox(loadConfig()),
    ...opts,
  });
  const server = http.createServer((req, res) => {
    const id = (req.headers.host ?? "").split(":")[0].replace(/\.test$/, "");
    const bundle = bundles.get(id);
    const resolved = resolveRequestPath(new URL(req.url ?? "/", "http://x").pathname);
    const entry = bundle && resolved.ok ? matchFunction(functionIndex(bundle.files), resolved.path) : undefined;
    if (!bundle || !entry) {
      res.writeHead(404).end();
      return;
    }
    const tag = req.headers["x-test-tag"];
    const trace = req.headers["x-test-trace"];
    void handleWithNode(pool, bundle, entry, req, res, { "x-slipway-deployment": id, "x-slipway-sha": "abc123" }, typeof trace === "string" ? trace : undefined).then((warmup) => {
      if (typeof tag === "string") warmups.set(tag, warmup);
    });
  });
  const warmups = new Map<string, boolean>();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const live = { pool, server, bundles, workDir, warmups, port: (server.address() as AddressInfo).port };
  opened.push(live);
  return live;
}

type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string; ms: number };

function request(
  live: Live,
  host: string,
  urlPath: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: live.port, method: opts.method ?? "GET", path: urlPath, headers: { host: `${host}.test`, ...opts.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString(), ms: Date.now() - started }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

// Live processes whose command line starts with `prefix` (arguments NUL-separated).
function pidsWithCmdline(prefix: string): number[] {
  return readdirSync("/proc").filter((n) => /^\d+$/.test(n) && isLive(Number(n)) && cmdline(n).startsWith(prefix)).map(Number);
}

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1");
  } catch {
    return "";
  }
}

// Live (non-zombie) processes whose environment holds `entry`.
function livePids(entry: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, "latin1").split("\0").includes(entry)) continue;
      if (isLive(Number(name))) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const OK = `export default () => new Response("ok from " + process.env.NAME);`;

describe("FunctionPool", () => {
  it("marks the requests served while a host warms up: before it is ready, or before it answered that file once", async () => {
    const slowLoad = `const until = Date.now() + 400; while (Date.now() < until) {}
      export default () => new Response("loaded");`;
    const live = await start({ a: { files: { "api/slow.js": slowLoad, "api/other.js": `export default () => new Response("other")` } } });
    const tagged = (tag: string, p: string) => request(live, "a", p, { headers: { "x-test-tag": tag } });
    const warmupOf = async (tag: string) => {
      await waitFor(() => live.warmups.has(tag), 2000, `the pool's answer for ${tag}`);
      return live.warmups.get(tag);
    };
    // Three requests at once to a new deployment: all wait for the host and the module.
    const first = await Promise.all(["c1", "c2", "c3"].map((t) => tagged(t, "/api/slow")));
    expect(first.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await Promise.all(["c1", "c2", "c3"].map(warmupOf))).toEqual([true, true, true]);
    // Once the host has answered /api/slow, its requests are steady state...
    const warm = await tagged("w1", "/api/slow");
    expect(warm.ms).toBeLessThan(300);
    expect(await warmupOf("w1")).toBe(false);
    // ...but the first request to another file of the same host still loads that module.
    await tagged("o1", "/api/other");
    expect(await warmupOf("o1")).toBe(true);
    await tagged("o2", "/api/other");
    expect(await warmupOf("o2")).toBe(false);
    // A new process (after a restart) warms up again.
    await live.pool.reset("a");
    await tagged("r1", "/api/slow");
    expect(await warmupOf("r1")).toBe(true);
  });

  it("prestarts a deployment's host before its first request", async () => {
    const live = await start({ a: { files: { "api/hi.js": `export default () => new Response("hi")` } } });
    expect(live.pool.status("a")).toBeUndefined();
    live.pool.prestart(live.bundles.get("a")!);
    await waitFor(() => live.pool.status("a")?.state === "running", 10_000, "the prestarted host to run");
    const pid = live.pool.status("a")!.pid;
    // Prestarting again keeps the same host; the first request uses it.
    live.pool.prestart(live.bundles.get("a")!);
    const r = await request(live, "a", "/api/hi");
    expect(r.body).toBe("hi");
    expect(live.pool.status("a")).toMatchObject({ state: "running", restarts: 0, pid });
  });

  it("runs a function with exactly the deployment's variables, none of the router's", async () => {
    const live = await start({
      a: {
        files: {
          "api/env.js": `export default function handler() {
            return Response.json({ greeting: process.env.GREETING, db: process.env.DATABASE_URL ?? null, keys: Object.keys(process.env).sort(), pid: process.pid });
          }`,
        },
        env: { GREETING: "hello from a", DATABASE_URL: "postgres://app-own-db" },
      },
      b: { files: { "api/env.mjs": `export default () => Response.json({ db: process.env.DATABASE_URL ?? null, greeting: process.env.GREETING ?? null })` } },
    });
    const r = await request(live, "a", "/api/env");
    expect(r.status).toBe(200);
    expect(r.headers["x-slipway-deployment"]).toBe("a");
    expect(r.headers["x-slipway-sha"]).toBe("abc123");
    const body = JSON.parse(r.body);
    expect(body.greeting).toBe("hello from a");
    expect(body.db).toBe("postgres://app-own-db");
    // In the sandbox, hosts have a private HOME and TMPDIR (and bubblewrap sets PWD to their working directory).
    const own = SANDBOXED ? ["HOME", "PWD", "TMPDIR"] : [];
    expect(body.keys).toEqual(["DATABASE_URL", "GREETING", ...own, "NODE_ENV", "PATH", "SLIPWAY_FUNCTION_HOST", "SLIPWAY_SANDBOX", "TEST_RUN"].sort());
    expect(body.pid).not.toBe(process.pid);
    // In the sandbox the host has a pid of its own namespace; the pool knows the sandbox's.
    expect(live.pool.status("a")).toMatchObject({ state: "running", restarts: 0, lastError: null, pid: SANDBOXED ? expect.any(Number) : body.pid });

    const b = JSON.parse((await request(live, "b", "/api/env")).body);
    expect(b).toEqual({ db: null, greeting: null });
    expect(process.env.DATABASE_URL).toBe(FAKE_DB);
  });

  it("picks method exports over default, default { fetch }, 405 with Allow, HEAD via GET; .js files import each other", async () => {
    const live = await start({
      a: {
        files: {
          "api/methods.js": `
            export function GET() { return new Response("get"); }
            export async function POST(req) { return new Response("post:" + (await req.text())); }
            export default () => new Response("default " + "fallback");`,
          "api/only.mjs": `export const PUT = () => new Response("put");`,
          "api/fetch.js": `import { shout } from "./lib/shout.js";
            export default { prefix: "fetch", fetch(req) { return new Response(shout(this.prefix + " " + req.method)); } };`,
          "api/lib/shout.js": `export const shout = (s) => s.toUpperCase();`,
          "api/none.mjs": `export const answer = 42;`,
        },
      },
    });
    expect((await request(live, "a", "/api/methods")).body).toBe("get");
    expect((await request(live, "a", "/api/methods", { method: "POST", body: "x" })).body).toBe("post:x");
    expect((await request(live, "a", "/api/methods", { method: "DELETE" })).body).toBe("default fallback");
    const head = await request(live, "a", "/api/methods", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect((await request(live, "a", "/api/only", { method: "PUT" })).body).toBe("put");
    const refused = await request(live, "a", "/api/only");
    expect(refused.status).toBe(405);
    expect(refused.headers.allow).toBe("PUT");
    expect(refused.headers["x-slipway-deployment"]).toBe("a");
    expect((await request(live, "a", "/api/fetch", { method: "PATCH" })).body).toBe("FETCH PATCH");
    const none = await request(live, "a", "/api/none");
    expect(none.status).toBe(500);
    expect(none.headers["x-slipway-deployment"]).toBe("a");
  });

  it("passes method, URL with host and query, headers and body; returns status, headers and a streamed body", async () => {
    const live = await start({
      a: {
        files: {
          "api/echo/index.mjs": `export async function POST(request) {
            const url = new URL(request.url);
            const body = await request.text();
            const headers = new Headers({ "content-type": "application/json", "x-custom": "yes", "x-slipway-deployment": "spoofed" });
            headers.append("set-cookie", "a=1; Path=/");
            headers.append("set-cookie", "b=2; Path=/");
            return new Response(JSON.stringify({
              method: request.method, href: url.href, q: url.searchParams.getAll("q"), body,
              custom: request.headers.get("x-test"), type: request.headers.get("content-type"),
              internal: [...request.headers.keys()].filter((k) => k.startsWith("x-slipway-fn-")),
            }), { status: 201, statusText: "Made", headers });
          }`,
          "api/stream.mjs": `export default () => new Response(new ReadableStream({
            async start(c) { for (let i = 0; i < 5; i++) { c.enqueue(new TextEncoder().encode("chunk" + i + ";")); await new Promise((r) => setTimeout(r, 10)); } c.close(); }
          }))`,
        },
      },
    });
    const r = await request(live, "a", "/api/echo/?q=1&q=two%20words", {
      method: "POST",
      headers: { "x-test": "hello", "content-type": "text/plain", "x-slipway-fn-file": "api/stream.mjs" },
      body: "the body ✓",
    });
    expect(r.status).toBe(201);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers["x-custom"]).toBe("yes");
    expect(r.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(r.headers["x-slipway-deployment"]).toBe("a"); // ours win
    expect(JSON.parse(r.body)).toEqual({
      method: "POST",
      href: "http://a.test/api/echo/?q=1&q=two%20words",
      q: ["1", "two words"],
      body: "the body ✓",
      custom: "hello",
      type: "text/plain",
      internal: [],
    });
    const s = await request(live, "a", "/api/stream");
    expect(s.body).toBe("chunk0;chunk1;chunk2;chunk3;chunk4;");
    expect(s.headers["x-slipway-sha"]).toBe("abc123");
  });

  it("answers 413 past the body limit", async () => {
    const live = await start({ a: { files: { "api/echo.js": `export default async (r) => new Response(await r.text())` } } }, { maxBodyBytes: 1000 });
    expect((await request(live, "a", "/api/echo", { method: "POST", body: "x".repeat(1000) })).body).toBe("x".repeat(1000));
    const big = await request(live, "a", "/api/echo", { method: "POST", body: "x".repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.headers["x-slipway-deployment"]).toBe("a");
    // Without a content-length (chunked): counted while reading.
    const chunked = await request(live, "a", "/api/echo", { method: "POST", body: "y".repeat(5000), headers: { "transfer-encoding": "chunked" } });
    expect(chunked.status).toBe(413);
  });

  it("a handler that throws gets 500 and the host keeps running", async () => {
    const lines: string[] = [];
    const live = await start(
      { a: { files: { "api/boom.js": `export default () => { throw new Error("boom"); }`, "api/ok.js": OK }, env: { NAME: "a" } } },
      { onLog: ({ deploymentId, stream, text }) => lines.push(`${deploymentId} ${stream} ${text}`) },
    );
    const r = await request(live, "a", "/api/boom");
    expect(r.status).toBe(500);
    expect(r.headers["x-slipway-deployment"]).toBe("a");
    const pid = live.pool.status("a")!.pid;
    expect((await request(live, "a", "/api/ok")).body).toBe("ok from a");
    expect(live.pool.status("a")).toMatchObject({ state: "running", restarts: 0, pid });
    expect(lines).toContain("a stderr [function api/boom.js] threw: Error: boom");
  });

  it("what a function writes while it handles a request carries that request's trace, across awaits and timers, one request beside another", async () => {
    const lines: FunctionLogLine[] = [];
    const fn = `console.log("loaded");
export default async (req) => {
  const n = new URL(req.url).searchParams.get("n");
  console.log("begin " + n);
  await new Promise((r) => setTimeout(r, 50));
  process.stdout.write("two\\nlines " + n + "\\n");
  process.stdout.write(Buffer.from("bytes " + n + "\\n"));
  console.error(new Error("failed " + n).stack.split("\\n")[0]);
  setTimeout(() => console.log("later " + n), 20);
  return new Response("ok");
};`;
    const live = await start({ a: { files: { "api/log.js": fn } } }, { onLog: (l) => lines.push(l) });
    const [one, two] = ["a".repeat(32), "0123456789abcdef".repeat(2)];
    const replies = await Promise.all([
      request(live, "a", "/api/log?n=1", { headers: { "x-test-trace": one } }),
      request(live, "a", "/api/log?n=2", { headers: { "x-test-trace": two } }),
      request(live, "a", "/api/log?n=3"),
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    await vi.waitFor(() => expect(["later 1", "later 2", "later 3"].filter((t) => lines.some((l) => l.text === t))).toHaveLength(3), { timeout: 5000, interval: 20 });
    const traceOf = (text: string) => lines.filter((l) => l.text === text).map((l) => [l.stream, l.traceId ?? null]);
    // The module loads for whichever request came first: its top-level output is in that request's trace.
    expect([[["stdout", one]], [["stdout", two]], [["stdout", null]]]).toContainEqual(traceOf("loaded"));
    for (const [n, trace] of [["1", one], ["2", two], ["3", null]] as const) {
      for (const text of [`begin ${n}`, `lines ${n}`, `bytes ${n}`, `later ${n}`]) expect(traceOf(text)).toEqual([["stdout", trace]]);
      expect(traceOf(`Error: failed ${n}`)).toEqual([["stderr", trace]]);
    }
    expect(lines.filter((l) => l.text === "two").map((l) => l.traceId ?? null).sort()).toEqual([null, two, one].sort());
    // No line keeps the mark the host writes (host.mjs).
    expect(lines.filter((l) => /[\x1e\x1f]/.test(l.text))).toEqual([]);
  });

  it("a hanging handler gets 504 in time; a blocked host is restarted, other deployments answer throughout", async () => {
    const live = await start(
      {
        a: {
          files: {
            "api/spin.js": `export default () => { while (true) {} }`,
            "api/never.js": `export default () => new Promise(() => {})`,
            "api/ok.js": OK,
          },
          env: { NAME: "a" },
        },
        b: { files: { "api/ok.js": OK }, env: { NAME: "b" } },
      },
      { timeoutMs: 1000 },
    );
    expect((await request(live, "a", "/api/ok")).status).toBe(200);
    expect((await request(live, "b", "/api/ok")).status).toBe(200);
    const firstPid = live.pool.status("a")!.pid;

    // A never-resolving promise: 504, but the host still answers, so it stays.
    const never = await request(live, "a", "/api/never");
    expect(never.status).toBe(504);
    expect(never.headers["x-slipway-deployment"]).toBe("a");
    expect(never.ms).toBeGreaterThanOrEqual(950);
    expect(never.ms).toBeLessThan(1800);
    await new Promise((r) => setTimeout(r, 300));
    expect(live.pool.status("a")).toMatchObject({ state: "running", restarts: 0, pid: firstPid });

    // A sync loop: 504, and b answers while a's host spins.
    const spinning = request(live, "a", "/api/spin");
    await new Promise((r) => setTimeout(r, 200));
    const during = await request(live, "b", "/api/ok");
    expect(during.body).toBe("ok from b");
    expect(during.ms).toBeLessThan(500);
    const spin = await spinning;
    expect(spin.status).toBe(504);
    expect(spin.ms).toBeLessThan(1800);
    // The ping finds it blocked: killed (a crash) and restarted.
    await waitFor(() => live.pool.status("a")!.restarts === 1 && live.pool.status("a")!.state === "running", 6000, "a restart");
    expect(isLive(firstPid!)).toBe(false);
    expect(live.pool.status("a")!.lastError).toMatch(/ran past the 1 s limit/);
    expect((await request(live, "a", "/api/ok")).body).toBe("ok from a");
    expect((await request(live, "b", "/api/ok")).body).toBe("ok from b");
  }, 20_000);

  it("process.exit: 502 and a restart; past the budget the host is failed (503) until reset; others unaffected", async () => {
    const live = await start(
      {
        a: { files: { "api/exit.js": `export default () => process.exit(1)`, "api/ok.js": OK }, env: { NAME: "a" } },
        b: { files: { "api/ok.js": OK }, env: { NAME: "b" } },
      },
      { maxRestarts: 2 },
    );
    expect((await request(live, "b", "/api/ok")).body).toBe("ok from b");
    const bPid = live.pool.status("b")!.pid;
    for (let crash = 1; crash <= 2; crash++) {
      const r = await request(live, "a", "/api/exit");
      expect(r.status).toBe(502);
      expect(r.headers["x-slipway-deployment"]).toBe("a");
      await waitFor(() => live.pool.status("a")!.restarts === crash, 2000, "the crash to count");
      expect(live.pool.status("a")!.lastError).toBe("The function host exited with code 1.");
      expect((await request(live, "a", "/api/ok")).body).toBe("ok from a"); // waits for the restart
    }
    const lastPid = live.pool.status("a")!.pid!;
    expect((await request(live, "a", "/api/exit")).status).toBe(502);
    await waitFor(() => live.pool.status("a")!.state === "failed", 2000, "failed");
    const refused = await request(live, "a", "/api/ok");
    expect(refused.status).toBe(503);
    expect(refused.body).toMatch(/crashed repeatedly/);
    expect(refused.headers["x-slipway-deployment"]).toBe("a");
    expect(live.pool.status("a")).toMatchObject({ state: "failed", restarts: 2, pid: null });
    expect(isLive(lastPid)).toBe(false);

    expect((await request(live, "b", "/api/ok")).body).toBe("ok from b");
    expect(live.pool.status("b")).toMatchObject({ state: "running", restarts: 0, pid: bPid });

    await live.pool.reset("a");
    expect((await request(live, "a", "/api/ok")).body).toBe("ok from a");
    expect(live.pool.status("a")).toMatchObject({ state: "running", restarts: 0 });
  }, 20_000);

  it("an uncaught error outside the request crashes the host and says why", async () => {
    const live = await start({
      a: { files: { "api/later.js": `export default () => { setTimeout(() => { throw new TypeError("late boom"); }, 0); return new Promise(() => {}); }` } },
    });
    const r = await request(live, "a", "/api/later");
    expect(r.status).toBe(502);
    await waitFor(() => live.pool.status("a")!.lastError !== null, 2000, "the crash to count");
    expect(live.pool.status("a")!.lastError).toBe("The function host crashed: uncaught exception: TypeError: late boom");
  });

  it("a memory hog crashes its own host, not the router", async () => {
    const live = await start(
      {
        a: {
          files: {
            "api/heap.js": `export default () => { const keep = []; for (;;) keep.push({ a: Math.random(), b: [1, 2, 3], c: "x" + Math.random() }); }`,
            "api/buffers.js": `const keep = []; export default async () => { for (;;) { keep.push(Buffer.alloc(8 << 20, 1)); await new Promise((r) => setTimeout(r, 50)); } }`,
            "api/ok.js": OK,
          },
          env: { NAME: "a" },
        },
      },
      { memoryMb: 64, timeoutMs: 15_000 },
    );
    const heap = await request(live, "a", "/api/heap");
    expect(heap.status).toBe(502);
    await waitFor(() => live.pool.status("a")!.restarts === 1, 2000, "the crash to count");
    expect(live.pool.status("a")!.lastError).toBe("The function host ran out of memory (limit 64 MB).");
    expect((await request(live, "a", "/api/ok")).body).toBe("ok from a");

    // Off-heap (Buffers): the sandbox's memory limit (the resident-size check without one).
    const buffers = await request(live, "a", "/api/buffers");
    expect(buffers.status).toBe(502);
    await waitFor(() => live.pool.status("a")!.restarts === 2, 2000, "the crash to count");
    expect(live.pool.status("a")!.lastError).toMatch(SANDBOXED ? /used more than its memory limit of 192 MB/ : /used more than 192 MB of memory/);
    expect((await request(live, "a", "/api/ok")).body).toBe("ok from a");
    expect(live.pool.status("a")!.restarts).toBe(2);
  }, 20_000);

  it("retain() stops the hosts of deployments that are no longer routable", async () => {
    const live = await start(
      { a: { files: { "api/ok.js": OK }, env: { NAME: "a" } }, b: { files: { "api/ok.js": OK }, env: { NAME: "b" } } },
      { idleStopMs: 300 },
    );
    await request(live, "a", "/api/ok");
    await request(live, "b", "/api/ok");
    const a = live.pool.status("a")!.pid!;
    const b = live.pool.status("b")!.pid!;
    live.pool.retain(new Set(["b"]));
    expect(live.pool.status("a")!.state).toBe("running"); // not idle long enough yet
    await waitFor(() => live.pool.status("a")!.state === "stopped", 3000, "a to stop");
    expect(isLive(a)).toBe(false);
    expect(live.pool.status("b")).toMatchObject({ state: "running", pid: b });
    expect(isLive(b)).toBe(true);
    // Routed again (e.g. promoted back): a fresh host.
    live.pool.retain(new Set(["a", "b"]));
    expect((await request(live, "a", "/api/ok")).body).toBe("ok from a");
    expect(live.pool.status("a")!.state).toBe("running");
  }, 20_000);

  it("a change of variables gets a new host", async () => {
    const live = await start({ a: { files: { "api/ok.js": OK }, env: { NAME: "one" } } });
    expect((await request(live, "a", "/api/ok")).body).toBe("ok from one");
    const first = live.pool.status("a")!.pid!;
    live.bundles.set("a", { ...live.bundles.get("a")!, env: { TEST_RUN: RUN, NAME: "two" } });
    expect((await request(live, "a", "/api/ok")).body).toBe("ok from two");
    expect(live.pool.status("a")!.pid).not.toBe(first);
    await waitFor(() => !isLive(first), 3000, "the old host to stop");
  });

  it("close() leaves no process behind, not even ones that left the group", async () => {
    const live = await start({
      a: {
        files: {
          "api/spawn.js": `import { spawn } from "node:child_process";
            export default () => {
              const inGroup = spawn("sleep", ["60"], { stdio: "ignore" });
              const escaped = spawn("sleep", ["61"], { stdio: "ignore", detached: true });
              escaped.unref();
              return Response.json([inGroup.pid, escaped.pid]);
            }`,
        },
      },
      b: { files: { "api/ok.js": OK }, env: { NAME: "b" } },
    });
    // In the sandbox these are pids of the host's own PID namespace: found by their variables instead.
    const inner: number[] = JSON.parse((await request(live, "a", "/api/spawn")).body);
    await request(live, "b", "/api/ok");
    const hosts = [live.pool.status("a")!.pid!, live.pool.status("b")!.pid!];
    const pids = SANDBOXED ? hosts : [...inner, ...hosts];
    for (const pid of pids) expect(isLive(pid)).toBe(true);
    expect(livePids(`TEST_RUN=${RUN}`).length).toBeGreaterThanOrEqual(4); // two hosts, two sleeps
    await live.pool.close();
    for (const pid of pids) expect(isLive(pid), String(pid)).toBe(false);
    expect(live.pool.status("a")!.state).toBe("stopped");
    expect(livePids(`TEST_RUN=${RUN}`)).toEqual([]);
    expect(await readdir(path.join(live.workDir, "sockets"))).toEqual([]);
    const closed = await request(live, "a", "/api/spawn");
    expect(closed.status).toBe(503);
  }, 20_000);

  it("materializes function files once per bundle, .js next to a module package.json", async () => {
    const live = await start({ a: { files: { "api/ok.js": OK, "index.html": "<p>static</p>" } } });
    await request(live, "a", "/api/ok");
    const dir = path.join(live.workDir, "bundles", live.bundles.get("a")!.bundleDigest);
    expect(readFileSync(path.join(dir, "package.json"), "utf8")).toBe('{"type":"module"}\n');
    expect(readFileSync(path.join(dir, "api/ok.js"), "utf8")).toBe(OK);
    expect(existsSync(path.join(dir, "index.html"))).toBe(false);
    expect((await readdir(path.join(live.workDir, "bundles"))).length).toBe(1);
  });
});

// What a function can reach: error codes ("ok" when it could).
const PROBE = `import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
const code = (f) => { try { f(); return "ok"; } catch (e) { return e.code; } };
const connect = (p) => new Promise((resolve) => {
  const s = net.connect(p);
  s.on("connect", () => { s.destroy(); resolve("ok"); });
  s.on("error", (e) => resolve(e.code));
});
export default async (req) => {
  const q = new URL(req.url).searchParams;
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const other = q.get("pid");
  return Response.json({
    uid: process.getuid(),
    gid: process.getgid(),
    groups: process.getgroups(),
    statusUids: /^Uid:\\s+(.*)$/m.exec(status)[1].trim().split(/\\s+/).map(Number),
    parentEnviron: code(() => fs.readFileSync("/proc/" + process.ppid + "/environ")),
    routerEnviron: code(() => fs.readFileSync("/proc/" + q.get("router") + "/environ")),
    sentinel: code(() => fs.readFileSync(q.get("sentinel"))),
    workDir: code(() => fs.readdirSync(q.get("workDir"))),
    ownCode: code(() => fs.appendFileSync(new URL(import.meta.url), "//")),
    tmp: code(() => fs.writeFileSync(path.join(os.tmpdir(), "probe"), "x")),
    home: os.homedir(),
    tmpdir: os.tmpdir(),
    signalOther: other ? code(() => process.kill(Number(other), 0)) : null,
    processes: fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n)),
    environText: fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n)).map((n) => { try { return fs.readFileSync("/proc/" + n + "/environ", "latin1"); } catch { return ""; } }).join("\\n"),
    otherEnviron: other ? code(() => fs.readFileSync("/proc/" + other + "/environ")) : null,
    sockets: await Promise.all(q.getAll("socket").map(connect)),
  });
};`;

describe.skipIf(!SANDBOXED)("FunctionPool in the sandbox (needs root and bubblewrap: skipped otherwise)", () => {
  // The router's own data: a secret file (0600, root's) in a directory anyone may enter.
  async function sentinel() {
    const dataDir = await makeTempDir("router-data");
    chmodSync(dataDir, 0o755);
    const file = path.join(dataDir, "sentinel");
    writeFileSync(file, "router secret", { mode: 0o600 });
    return file;
  }

  function socketsOf(workDir: string): string[] {
    const dir = path.join(workDir, "sockets");
    return readdirSync(dir).map((id) => path.join(dir, id, "h.sock"));
  }

  async function probe(live: Live, host: string, params: Record<string, string | string[]>) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) q.append(k, one);
    const r = await request(live, host, `/api/probe?${q}`);
    expect(r.status, r.body).toBe(200);
    return JSON.parse(r.body);
  }

  it("a host runs as its project's sandbox user and sees nothing of the router, its files or other deployments", async () => {
    const live = await start({
      a: { files: { "api/probe.js": PROBE }, project: 1 },
      b: { files: { "api/probe.js": PROBE }, project: 2 },
      c: { files: { "api/probe.js": PROBE }, project: 1 },
    });
    const file = await sentinel();
    const common = { router: String(process.pid), sentinel: file, workDir: live.workDir };
    const a = await probe(live, "a", common);
    const aPid = live.pool.status("a")!.pid!;
    await probe(live, "c", common);
    await probe(live, "b", common); // every host is up, so every socket exists
    const b = await probe(live, "b", { ...common, pid: String(aPid), socket: socketsOf(live.workDir) });
    const c = await probe(live, "c", common);
    const base = loadConfig().SANDBOX_UID_BASE;

    for (const p of [a, b, c]) {
      expect(p.uid).toBeGreaterThan(base);
      expect(p.gid).toBe(p.uid);
      expect(p.statusUids).toEqual([p.uid, p.uid, p.uid, p.uid]);
      expect(p.groups.filter((g: number) => g !== p.gid)).toEqual([]); // root's supplementary groups dropped
      expect(p.routerEnviron).toBe("ENOENT"); // the router is not in its PID namespace
      expect(p.sentinel).toBe("ENOENT"); // nor the router's files in its mount namespace
      expect(p.workDir).toBe("ENOENT");
      expect(p.ownCode).toBe("EACCES"); // root's, read-only mounted

      expect(p.tmp).toBe("ok");
      expect(p.home).toBe("/home/app");
      expect(p.tmpdir).toBe("/tmp");
      expect(p.processes.length).toBeLessThanOrEqual(3); // bubblewrap's init, the host, maybe a helper
      expect(p.environText).not.toContain(FAKE_DB);
    }
    expect(c.uid).toBe(a.uid); // one project, one user
    expect(b.uid).not.toBe(a.uid);
    // b cannot see a's process (another PID namespace) nor any host's socket (not mounted).
    expect(b.signalOther).toBe("ESRCH");
    expect(b.otherEnviron).toBe("ENOENT");
    expect(b.sockets).toHaveLength(3);
    expect(b.sockets).toEqual(["ENOENT", "ENOENT", "ENOENT"]);
    // The router (root) still reaches every host.
    expect((await request(live, "a", "/api/probe?" + new URLSearchParams(common))).status).toBe(200);
  });

  it("stopping a host kills every process in its sandbox, even ones that left the group with a scrubbed environment", async () => {
    const live = await start({
      a: {
        files: {
          "api/escape.js": `import { spawn } from "node:child_process";
            export default () => {
              const p = spawn("sleep", ["6363"], { stdio: "ignore", detached: true, env: {} });
              p.unref();
              return Response.json({ pid: p.pid });
            }`,
        },
      },
    });
    expect((await request(live, "a", "/api/escape")).status).toBe(200);
    const escaped = () => pidsWithCmdline("sleep\u00006363");
    await waitFor(() => escaped().length === 1, 3000, "the escapee to run");
    expect(readFileSync(`/proc/${escaped()[0]}/environ`, "latin1")).toBe(""); // the marker cannot find it
    await live.pool.close();
    await waitFor(() => escaped().length === 0, 3000, "the escapee to die with its sandbox");
    expect(readdirSync(path.join(live.workDir, "homes"))).toEqual([]);
  }, 20_000);

  it("a host that swaps its socket for a symlink before it is sealed is killed, never connected to", async () => {
    // Code that runs before host.mjs (NODE_OPTIONS is the deployment's to set):
    // listens elsewhere and leaves a symlink where the router will connect.
    const evil = `import net from "node:net";
      import fs from "node:fs";
      import path from "node:path";
      const listen = net.Server.prototype.listen;
      net.Server.prototype.listen = function (p, cb) {
        if (typeof p !== "string" || !p.endsWith("h.sock")) return listen.apply(this, arguments);
        const real = path.join(path.dirname(p), "real.sock");
        return listen.call(this, real, () => { fs.symlinkSync(real, p); cb?.(); });
      };`;
    const live = await start({ a: { files: { "api/ok.js": OK, "api/evil.js": evil }, env: { NODE_OPTIONS: "--import=./api/evil.js" } } }, { maxRestarts: 0 });
    const r = await request(live, "a", "/api/ok");
    expect(r.status).toBe(503);
    expect(live.pool.status("a")).toMatchObject({ state: "failed", lastError: "The function host's socket was not where it should be; it was killed." });
  });

  it("a host past its memory limit is killed by the kernel and restarted, naming the limit", async () => {
    const live = await start(
      { a: { files: { "api/grow.js": `const keep = []; export default async () => { for (;;) { keep.push(Buffer.alloc(8 << 20, 1)); await new Promise((r) => setTimeout(r, 5)); } }`, "api/ok.js": OK }, env: { NAME: "a" } } },
      { memoryMb: 64, maxRssMb: 96, timeoutMs: 15_000 },
    );
    expect((await request(live, "a", "/api/grow")).status).toBe(502);
    await waitFor(() => live.pool.status("a")!.restarts === 1, 3000, "the crash to count");
    expect(live.pool.status("a")!.lastError).toBe("The function host stopped: it used more than its memory limit of 96 MB (2 × FUNCTION_MEMORY_MB + 64) and was killed.");
    expect((await request(live, "a", "/api/ok")).body).toBe("ok from a");
  }, 20_000);

  it("SLIPWAY_SANDBOX=off: hosts run as the router's own user (the operator's explicit choice)", async () => {
    const live = await start({ a: { files: { "api/probe.js": PROBE } } }, { sandbox: { state: "off" } });
    const p = await probe(live, "a", { router: String(process.pid), sentinel: await sentinel(), workDir: live.workDir });
    expect(p.uid).toBe(process.getuid!());
    expect(p.routerEnviron).toBe("ok");
  });
});

describe("FunctionPool without a sandbox", () => {
  it("never runs a function unsandboxed by surprise: every host fails with the reason, no process is started", async () => {
    const reason = "The sandbox for user code is unavailable: bwrap is missing (Debian: apt-get install bubblewrap).";
    const live = await start({ a: { files: { "api/ok.js": OK } } }, { sandbox: { state: "unavailable", reason } });
    const r = await request(live, "a", "/api/ok");
    expect(r.status).toBe(503);
    expect(live.pool.status("a")).toMatchObject({ state: "failed", lastError: reason, pid: null });
    expect(livePids(`TEST_RUN=${RUN}`)).toEqual([]);
  });
});

describe("host.mjs", () => {
  it("dies with the router even when the router is SIGKILLed", async () => {
    const dir = await makeTempDir("functions-orphan");
    // A stand-in router: starts a host the way the pool does, prints its pid, then waits.
    const script = `
      const { spawn } = require("node:child_process");
      const host = spawn(process.execPath, [${JSON.stringify(HOST_PATH)}, ${JSON.stringify(dir)}, ${JSON.stringify(path.join(dir, "h.sock"))}, String(process.pid)],
        { detached: true, stdio: ["ignore", "ignore", "ignore", "pipe"], env: { TEST_RUN: ${JSON.stringify(RUN)}, PATH: process.env.PATH } });
      host.stdio[3].on("data", () => console.log(host.pid));
      setInterval(() => {}, 1000);`;
    const router = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const [chunk] = (await once(router.stdout!, "data")) as [Buffer];
    const hostPid = Number(chunk.toString().trim());
    expect(isLive(hostPid)).toBe(true);
    router.kill("SIGKILL");
    await waitFor(() => !isLive(hostPid), 3000, "the orphaned host to exit");
  }, 20_000);
});
