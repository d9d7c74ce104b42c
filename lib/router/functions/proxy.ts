import http from "node:http";
import { pipeline } from "node:stream";
import { formatDuration } from "@/lib/build/sandbox/run-step";

// HTTP between the router and a function host (host.mjs), over the host's
// Unix socket: forwarding one client request and streaming the response back,
// with the header rules of a proxy (hop-by-hop headers dropped both ways, the
// router's own response headers win), and the ping that tells a blocked host
// from a slow handler. Also the router's plain-text error responses.
//
// The function file to run goes in the x-slipway-fn-file header
// (percent-encoded); clients' x-slipway-fn-* headers are dropped. host.mjs
// spells these names out again (it imports nothing of ours).
export const FILE_HEADER = "x-slipway-fn-file";
export const PING_HEADER = "x-slipway-fn-ping";
const INTERNAL_PREFIX = "x-slipway-fn-";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "http2-settings",
]);

export type ForwardTarget = {
  socketPath: string;
  agent: http.Agent;
  /** The function file to run (its manifest path). */
  file: string;
  /** The whole request body, already read. */
  body: Buffer;
  /** When the response must have begun (epoch ms), else 504. */
  deadline: number;
  /** The time limit, as told in the 504. */
  timeoutMs: number;
  /** Called once the request has timed out (after the 504 is sent). */
  onTimeout(): void;
};

/**
 * Sends `req` (its body already read) to the host and streams the answer to
 * `res`, with `headers` on it; 502 if the host fails, 504 past the deadline.
 * Resolves once `res` is done with, or the client has left.
 */
export function forwardRequest(req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>, target: ForwardTarget): Promise<void> {
  return new Promise<void>((resolve) => {
    let settled = false;
    let timedOut = false;
    // Events arrive asynchronously, so `timer` (below) is set before finish() can run.
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      res.off("close", onClientClose);
      resolve();
    };
    const upstream = http.request({
      socketPath: target.socketPath,
      agent: target.agent,
      method: req.method ?? "GET",
      path: targetPath(req.url),
      headers: forwardHeaders(req, target.file, target.body.length),
    });
    const onClientClose = () => {
      if (res.writableFinished) return;
      upstream.destroy();
      finish();
    };
    res.on("close", onClientClose);
    const timer = setTimeout(() => {
      timedOut = true;
      upstream.destroy();
      sendError(res, 504, `504: the function did not respond within ${formatDuration(target.timeoutMs)}.`, headers);
      target.onTimeout();
      finish();
    }, Math.max(0, target.deadline - Date.now()));
    upstream.on("response", (up) => {
      if (timedOut || settled || res.destroyed) {
        up.destroy();
        return;
      }
      try {
        res.writeHead(up.statusCode ?? 502, up.statusMessage || undefined, responseHeaders(up.rawHeaders, headers));
      } catch {
        up.destroy();
        sendError(res, 502, "502: the function sent an invalid response.", headers);
        finish();
        return;
      }
      pipeline(up, res, () => finish());
    });
    upstream.on("error", () => {
      if (timedOut || settled) return;
      sendError(res, 502, "502: the function crashed while handling this request.", headers);
      finish();
    });
    upstream.end(target.body.length > 0 ? target.body : undefined);
  });
}

/** Whether the host at `socketPath` answers a ping within `timeoutMs` (its event loop is not blocked). */
export function ping(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.destroy();
      resolve(ok);
    };
    const request = http.request({ socketPath, method: "GET", path: "/", agent: false, headers: { [PING_HEADER]: "1" } });
    const timer = setTimeout(() => finish(false), timeoutMs);
    request.on("response", (r) => {
      r.resume();
      finish(r.statusCode === 204);
    });
    request.on("error", () => finish(false));
    request.end();
  });
}

/** A plain-text error response with `headers` (and `extra`); destroys `res` if a response has already begun. */
export function sendError(res: http.ServerResponse, status: number, text: string, headers: Record<string, string>, extra: Record<string, string> = {}) {
  if (res.headersSent || res.destroyed || res.writableEnded) {
    if (!res.writableFinished) res.destroy();
    return;
  }
  const body = `${text}\n`;
  try {
    res.writeHead(status, {
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(Buffer.byteLength(body)),
      "cache-control": "no-store",
      ...extra,
      ...headers,
    });
    res.end(body);
  } catch {
    res.destroy();
  }
}

/** The request body, up to `limit` bytes. */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | "too_large" | "aborted"> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: Buffer | "too_large" | "aborted") => {
      if (done) return;
      done = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAborted);
      req.off("close", onClose);
      if (result === "too_large") req.resume(); // discard the rest
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish("too_large");
      else chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onAborted = () => finish("aborted");
    const onClose = () => {
      if (!req.complete) finish("aborted");
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAborted);
    req.on("close", onClose);
  });
}

function targetPath(url: string | undefined): string {
  if (!url) return "/";
  if (url.startsWith("/")) return url;
  try {
    const parsed = new URL(url); // absolute-form request target
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return "/";
  }
}

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(",") : (value ?? "");
  return new Set(
    text
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

function addHeader(out: Record<string, string | string[]>, name: string, value: string) {
  const prev = out[name];
  out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
}

function forwardHeaders(req: http.IncomingMessage, file: string, bodyLength: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = connectionTokens(req.headers.connection);
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || listed.has(name) || name === "content-length" || name.startsWith(INTERNAL_PREFIX)) continue;
    addHeader(out, name, raw[i + 1]);
  }
  out["content-length"] = String(bodyLength);
  out[FILE_HEADER] = encodeURIComponent(file);
  return out;
}

function responseHeaders(raw: string[], ours: Record<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() === "connection") for (const t of connectionTokens(raw[i + 1])) listed.add(t);
  }
  const overridden = new Set(Object.keys(ours).map((k) => k.toLowerCase()));
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || listed.has(name) || overridden.has(name)) continue;
    addHeader(out, name, raw[i + 1]);
  }
  for (const [name, value] of Object.entries(ours)) out[name.toLowerCase()] = value;
  return out;
}
