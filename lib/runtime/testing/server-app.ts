// A server app for the runtime's tests, with no dependencies (no install
// step): a health route, a JSON answer saying who and where it is, a body
// counter, its APP_* variables, Server-Sent Events, and a WebSocket echo written out by hand (the
// handshake and text frames of RFC 6455), so tests need nothing from the registry.
export const SERVER_JS = String.raw`
const http = require("node:http");
const crypto = require("node:crypto");
const fs = require("node:fs");
const VERSION = __VERSION__;
const BOOT = crypto.randomUUID();
let healthy = __HEALTHY__;
// Whether a health check has passed before a request: a router that sends one earlier is caught by it.
let checked = false;
let warm = false;
setTimeout(() => (warm = true), __WARMUP_MS__);
const server = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    const ok = healthy && warm;
    if (ok) checked = true;
    res.statusCode = ok ? 200 : 500;
    return res.end(ok ? "ok" : "not yet");
  }
  if (req.url === "/sse") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    let i = 0;
    const t = setInterval(() => { res.write("data: " + i++ + "\n\n"); if (i === 3) { clearInterval(t); res.end(); } }, 100);
    return;
  }
  if (req.url === "/crash") { res.end("bye"); setTimeout(() => process.exit(7), 10); return; }
  if (req.method === "POST") { let n = 0; req.on("data", (c) => (n += c.length)); req.on("end", () => res.end("got " + n)); return; }
  let dataDir = "unreadable";
  try { fs.readdirSync(process.env.PROBE_DIR || "/nonexistent"); dataDir = "readable"; } catch {}
  res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"]);
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ version: VERSION, url: req.url, uid: process.getuid(), forwardedFor: req.headers["x-forwarded-for"] || null,
    forwardedHost: req.headers["x-forwarded-host"] || null, address: server.address(), dataDir, boot: BOOT, ready: checked,
    vars: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("APP_"))) }));
});
server.on("upgrade", (req, socket) => {
  const accept = crypto.createHash("sha1").update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
  socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n");
  const send = (opcode, payload) => {
    const head = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 255]);
    socket.write(Buffer.concat([head, payload]));
  };
  let buf = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const opcode = buf[0] & 15, masked = buf[1] & 128;
      let len = buf[1] & 127, at = 2;
      if (len === 126) { len = buf.readUInt16BE(2); at = 4; }
      const mask = masked ? buf.subarray(at, at + 4) : null;
      if (masked) at += 4;
      if (buf.length < at + len) return;
      const payload = Buffer.from(buf.subarray(at, at + len));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      buf = buf.subarray(at + len);
      if (opcode === 8) { send(8, payload.subarray(0, 2)); socket.end(); return; }
      if (opcode === 1) send(1, Buffer.from(VERSION + " echo: " + payload.toString()));
    }
  });
  socket.on("error", () => {});
});
__BEFORE_LISTEN__
setTimeout(() => server.listen(process.env.PORT, () => console.log("listening on " + JSON.stringify(server.address()))), __LISTEN_DELAY__);
`;

export type ServerAppOptions = {
  version?: string;
  /** false: /healthz answers 500 for good. */
  healthy?: boolean;
  /** Code run before listen (e.g. an exit). */
  beforeListen?: string;
  /** How long it takes to start listening (a slow start). */
  listenDelayMs?: number;
  /** How long after start its health check keeps failing (it listens, but is not ready). */
  warmupMs?: number;
  /** slipway.json fields beyond the defaults. */
  config?: Record<string, unknown>;
};

/** The files of the app (path → content), for makeApp(). */
export function serverAppFiles(opts: ServerAppOptions = {}): Record<string, string> {
  const js = SERVER_JS.replace("__VERSION__", JSON.stringify(opts.version ?? "v1"))
    .replace("__HEALTHY__", String(opts.healthy ?? true))
    .replace("__BEFORE_LISTEN__", opts.beforeListen ?? "")
    .replace("__LISTEN_DELAY__", String(opts.listenDelayMs ?? 0))
    .replace("__WARMUP_MS__", String(opts.warmupMs ?? 0));
  return {
    "server.js": js,
    "slipway.json": JSON.stringify({ runtime: "server", installCommand: "true", start: "node server.js", healthCheck: { path: "/healthz" }, ...opts.config }),
  };
}
