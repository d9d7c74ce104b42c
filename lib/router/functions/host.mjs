// Function host: runs the server functions of ONE deployment, in its own
// process (group), never in the router. Plain JavaScript so it starts with a
// bare `node host.mjs`, no loader. host-process.ts starts it as the leader of
// a new process group (detached) with:
//
//   argv   <bundleDir> <socketPath> <routerPid>  (our parent's pid)
//   env    exactly the deployment's runtime variables plus PATH, NODE_ENV and
//          the SLIPWAY_FUNCTION_HOST / SLIPWAY_SANDBOX markers; nothing of the router's;
//   flags  --max-old-space-size (the memory limit) and --max-semi-space-size;
//   fd 1/2 the functions' own output (console.log), read by the pool;
//   fd 3   control channel to the pool, one JSON message a line:
//            {"type":"ready"}                     listening on the socket
//            {"type":"uncaught","message":"..."}  about to die of an uncaught error
//
// In the sandbox (host-slot.ts, lib/sandbox/), this process runs as its
// project's sandbox user in namespaces of its own: <bundleDir> is /app,
// this file a root-owned copy at /slipway/host.mjs, the socket in
// /run/slipway, and <routerPid> is 1 (bubblewrap, which dies with the
// router). Nothing here changes for that.
//
// It serves HTTP on the Unix socket. Every request names the function file to
// run in the x-slipway-fn-file header (percent-encoded manifest path, e.g.
// "api/hello.js"); the request is turned into a Web Request (method, URL with
// the original Host, headers, body), handed to the module's handler, and the
// returned Web Response is streamed back. `x-slipway-fn-ping` requests answer
// 204 at once: the pool uses them to tell a blocked event loop from a handler
// that merely awaits forever.
//
// The router names the request's trace in x-slipway-fn-trace (32 hex
// digits). Every line the function writes to stdout or stderr while it
// handles that request (console.log included, from any await in it) begins
// with "\x1e<trace id>\x1f", which the pool strips (host-process.ts
// traceOfLine): the line is then shown in that request's trace.
//
// Handler lookup, per module: the export named like the method (GET, POST,
// ...; HEAD falls back to GET), else `export default function`, else
// `export default { fetch }`. A module with only method exports answers 405
// with Allow for other methods. A handler that throws (or rejects) gets a 500
// and the host runs on; an uncaught error outside the request (a timer, an
// unawaited promise) or process.exit() ends the host, which the pool restarts.
//
// The bundle directory holds package.json {"type":"module"}, so `.js` files
// are ES modules like `.mjs` files and may import each other by their names.
//
// A watchdog thread (not blocked by a handler's infinite loop) checks every
// 250 ms that the router is still our parent; if it is gone (even by SIGKILL),
// it SIGKILLs the whole group, so no host outlives the router.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { AsyncLocalStorage } from "node:async_hooks";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

const CONTROL_FD = 3;
const O_CLOEXEC = 0o2000000;
const FILE_HEADER = "x-slipway-fn-file";
const PING_HEADER = "x-slipway-fn-ping";
const TRACE_HEADER = "x-slipway-fn-trace";
const INTERNAL_PREFIX = "x-slipway-fn-";
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

const [rootArg, socketPath, parentArg] = process.argv.slice(2);
const parentPid = Number(parentArg);
if (!rootArg || !socketPath || !Number.isInteger(parentPid) || parentPid < 1) {
  process.stderr.write("usage: node host.mjs <bundleDir> <socketPath> <routerPid>\n");
  process.exit(2);
}
const root = path.resolve(rootArg);

function control(message) {
  try {
    fs.writeSync(CONTROL_FD, `${JSON.stringify(message)}\n`);
  } catch {
    // the pool is gone or stopped listening
  }
}

// Descriptors the router leaked without close-on-exec (anything above stdio
// and the control channel) must not reach the functions. The same as in
// lib/build/sandbox/launcher.mjs: this file imports nothing of ours, because
// it is copied next to the functions to run as another user.
function closeInheritedFds() {
  let names;
  try {
    names = fs.readdirSync("/proc/self/fd");
  } catch {
    return;
  }
  for (const name of names) {
    const fd = Number(name);
    if (!(fd > 2) || fd === CONTROL_FD) continue;
    try {
      const flags = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
      if (flags && (parseInt(flags[1], 8) & O_CLOEXEC) === 0) fs.closeSync(fd);
    } catch {
      // already closed (e.g. the directory handle used to list them)
    }
  }
}
closeInheritedFds();

if (process.ppid !== parentPid) process.exit(1); // the router died before we started

// The watchdog runs on its own thread, so a handler stuck in `while (true) {}`
// cannot stop it.
const watchdog = new Worker(
  `const { workerData } = require("node:worker_threads");
   setInterval(() => {
     if (process.ppid === workerData.parentPid) return;
     try { process.kill(-workerData.pid, "SIGKILL"); } catch {}
     try { process.kill(workerData.pid, "SIGKILL"); } catch {}
   }, 250);`,
  { eval: true, workerData: { parentPid, pid: process.pid }, resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 } },
);
watchdog.unref();
watchdog.on("error", () => {});

// Report an error that is about to kill us, so the pool can say why.
process.on("uncaughtExceptionMonitor", (err, origin) => {
  const name = err instanceof Error ? err.name : "Error";
  const text = err instanceof Error ? err.message : String(err);
  control({ type: "uncaught", message: `${origin === "unhandledRejection" ? "unhandled rejection" : "uncaught exception"}: ${name}: ${text}`.slice(0, 500) });
});

// Output written while a request is handled carries its trace (see the top of this file).
const requestTrace = new AsyncLocalStorage();
const TRACE_ID = /^[0-9a-f]{32}$/;
function tagOutput(stream) {
  const write = stream.write.bind(stream);
  let lineStart = true;
  stream.write = (chunk, encoding, callback) => {
    if ((typeof chunk !== "string" && !(chunk instanceof Uint8Array)) || chunk.length === 0) return write(chunk, encoding, callback);
    const trace = requestTrace.getStore();
    if (trace === undefined) {
      lineStart = typeof chunk === "string" ? chunk.endsWith("\n") : chunk[chunk.length - 1] === 10;
      return write(chunk, encoding, callback);
    }
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("utf8");
    const mark = `\x1e${trace}\x1f`;
    const body = text.endsWith("\n") ? text.slice(0, -1) : text;
    const tagged = (lineStart ? mark : "") + body.replaceAll("\n", `\n${mark}`) + (body.length < text.length ? "\n" : "");
    lineStart = text.endsWith("\n");
    return write(tagged, typeof encoding === "function" ? encoding : "utf8", typeof encoding === "function" ? undefined : callback);
  };
}
tagOutput(process.stdout);
tagOutput(process.stderr);

function validFile(file) {
  if (typeof file !== "string" || file.length > 2048 || /[\u0000-\u001f\u007f\\]/.test(file)) return false;
  const segments = file.split("/");
  if (segments.length < 2 || segments[0] !== "api") return false;
  if (segments.some((s) => s === "" || s === "." || s === "..")) return false;
  return /^.+\.(?:js|mjs)$/.test(segments[segments.length - 1]);
}

const modules = new Map();
function load(file) {
  let promise = modules.get(file);
  if (!promise) {
    promise = import(pathToFileURL(path.join(root, file)).href);
    modules.set(file, promise);
  }
  return promise;
}

// Which function of the module answers `method`: a function, or a number (a status to answer with).
function pickHandler(mod, method) {
  const named = mod[method] ?? (method === "HEAD" ? mod.GET : undefined);
  if (typeof named === "function") return { handler: named };
  const fallback = mod.default;
  if (typeof fallback === "function") return { handler: fallback };
  if (fallback && typeof fallback === "object" && typeof fallback.fetch === "function") return { handler: (r) => fallback.fetch(r) };
  const allowed = METHODS.filter((m) => typeof mod[m] === "function" || (m === "HEAD" && typeof mod.GET === "function"));
  if (allowed.length > 0) return { status: 405, allow: allowed.join(", ") };
  return { status: 500, message: "The function module exports no handler (export default, or GET/POST/... )." };
}

function sendText(res, status, text, extra = {}) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${text}\n`;
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body), "cache-control": "no-store", ...extra });
  res.end(body);
}

function logError(file, what, err) {
  const detail = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  process.stderr.write(`[function ${file}] ${what}: ${detail}\n`);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function toRequest(req, body, signal) {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase().startsWith(INTERNAL_PREFIX)) continue;
    try {
      headers.append(raw[i], raw[i + 1]);
    } catch {
      // a value the Fetch API refuses: leave it out
    }
  }
  const proto = req.headers["x-forwarded-proto"] === "https" ? "https" : "http";
  const host = req.headers.host || "localhost";
  const target = (req.url ?? "/").startsWith("/") ? req.url : "/";
  let url;
  try {
    url = new URL(target, `${proto}://${host}`);
  } catch {
    url = new URL(target, "http://localhost");
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(url, { method, headers, body: hasBody ? body : undefined, signal });
}

async function writeResponse(req, res, response, file) {
  const headers = {};
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const onClose = () => reader.cancel().catch(() => {});
  res.once("close", onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) {
        await new Promise((resolve) => {
          const go = () => {
            res.off("drain", go);
            res.off("close", go);
            resolve();
          };
          res.on("drain", go);
          res.on("close", go);
        });
      }
    }
    res.end();
  } catch (err) {
    if (!res.destroyed) logError(file, "the response body failed", err);
    res.destroy();
  } finally {
    res.off("close", onClose);
  }
}

function serve(req, res) {
  const trace = String(req.headers[TRACE_HEADER] ?? "");
  return TRACE_ID.test(trace) ? requestTrace.run(trace, () => serveRequest(req, res)) : serveRequest(req, res);
}

async function serveRequest(req, res) {
  if (req.headers[PING_HEADER]) {
    req.resume();
    res.writeHead(204).end();
    return;
  }
  let file;
  try {
    file = decodeURIComponent(String(req.headers[FILE_HEADER] ?? ""));
  } catch {
    file = "";
  }
  if (!validFile(file)) {
    req.resume();
    sendText(res, 400, "Bad function request.");
    return;
  }
  const body = await readBody(req);
  const abort = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) abort.abort();
  });

  let mod;
  try {
    mod = await load(file);
  } catch (err) {
    logError(file, "could not be loaded", err);
    sendText(res, 500, "500: the function could not be loaded.");
    return;
  }
  const picked = pickHandler(mod, req.method ?? "GET");
  if (!picked.handler) {
    if (picked.status === 500) process.stderr.write(`[function ${file}] ${picked.message}\n`);
    sendText(res, picked.status, picked.status === 405 ? "405: method not allowed." : "500: the function exports no handler.", picked.allow ? { allow: picked.allow } : {});
    return;
  }

  let response;
  try {
    response = await picked.handler(toRequest(req, body, abort.signal));
  } catch (err) {
    logError(file, "threw", err);
    sendText(res, 500, "500: the function failed.");
    return;
  }
  if (res.destroyed) return;
  if (!(response instanceof Response) || response.type === "error") {
    process.stderr.write(`[function ${file}] did not return a Response\n`);
    sendText(res, 500, "500: the function did not return a Response.");
    return;
  }
  await writeResponse(req, res, response, file);
}

const server = http.createServer((req, res) => {
  serve(req, res).catch((err) => {
    logError("host", "internal error", err);
    sendText(res, 500, "500: the function host failed.");
  });
});
// Only the pool connects, over a keep-alive agent: never close idle
// connections under it (that would race with a request), never time out a
// request here (the pool enforces the time limit).
server.keepAliveTimeout = 0;
server.requestTimeout = 0;
server.headersTimeout = 0;

try {
  fs.unlinkSync(socketPath);
} catch {
  // not there
}
server.listen(socketPath, () => {
  try {
    fs.chmodSync(socketPath, 0o600);
  } catch {
    // best effort
  }
  control({ type: "ready" });
});
server.on("error", (err) => {
  process.stderr.write(`[function host] cannot listen: ${err.message}\n`);
  process.exit(1);
});
