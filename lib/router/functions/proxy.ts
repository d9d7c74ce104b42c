import http from "node:http";
import { Readable } from "node:stream";
import { formatDuration } from "@/lib/build/sandbox/run-step";

// HTTP between the router and a function host (host.mjs), over the host's
// Unix socket: forwarding one client request and streaming the response back,
// with the header rules of a proxy (hop-by-hop headers dropped both ways, the
// router's own response headers win), and the ping that tells a blocked host
// from a slow handler. Also the router's plain-text error responses.
//
// The client's side is a fetch Request and Response (what Bun.serve hands the
// router); the host's side is node:http over the socket.
//
// The function file to run goes in the x-slipway-fn-file header
// (percent-encoded); clients' x-slipway-fn-* headers are dropped. host.mjs
// spells these names out again (it imports nothing of ours).
export const FILE_HEADER = "x-slipway-fn-file";
export const PING_HEADER = "x-slipway-fn-ping";
/** The request's trace id: the host tags what the function writes meanwhile with it (host.mjs). */
export const TRACE_HEADER = "x-slipway-fn-trace";
export const INTERNAL_PREFIX = "x-slipway-fn-";

export const HOP_BY_HOP = new Set([
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

/** The client's address, as the router's server saw it. */
export type ClientAddress = { address: string; /** It came over HTTPS. */ secure?: boolean };

// What a client says about where a request came from is not passed on: the
// router is the first hop, so it sets these itself.
export const FORWARDED = new Set(["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip"]);

export type ForwardTarget = {
  socketPath: string;
  agent: http.Agent;
  /** The function file to run (its manifest path). */
  file: string;
  client: ClientAddress;
  /** The whole request body, already read. */
  body: Buffer;
  /** The request's trace id (32 hex digits), if it has one. */
  traceId?: string;
  /** When the response must have begun (epoch ms), else 504. */
  deadline: number;
  /** The time limit, as told in the 504. */
  timeoutMs: number;
  /** Called once the request has timed out (after the 504 is sent). */
  onTimeout(): void;
};

/** The response to send, and when the host is done with the request (its body streamed, or the client gone). */
export type Forwarded = { response: Response; done: Promise<void> };

/**
 * Sends `req` (its body already read, its path `target` as the client sent
 * it) to the host and streams the answer back with `headers` on it; 502 if
 * the host fails, 504 past the deadline.
 */
export function forwardRequest(req: Request, requestTarget: string, headers: Record<string, string>, target: ForwardTarget): Promise<Forwarded> {
  return new Promise<Forwarded>((resolve) => {
    let answered = false;
    let finishDone!: () => void;
    const done = new Promise<void>((r) => (finishDone = r));
    // The host is done with the request: no more need to watch the client.
    const release = () => {
      req.signal.removeEventListener("abort", onClientGone);
      finishDone();
    };
    // `finished`: nothing more comes from the host (an error answer); else its body streams until it closes.
    const answer = (response: Response, finished: boolean) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      if (finished) release();
      resolve({ response, done });
    };
    const upstream = http.request({
      socketPath: target.socketPath,
      agent: target.agent,
      method: req.method,
      path: requestTarget,
      headers: forwardHeaders(req.headers, target),
    });
    const onClientGone = () => {
      upstream.destroy();
      // Nobody reads this answer: the client has gone.
      answer(errorResponse(499, "499: the client closed the request.", headers), true);
    };
    req.signal.addEventListener("abort", onClientGone, { once: true });
    const timer = setTimeout(() => {
      upstream.destroy();
      answer(errorResponse(504, `504: the function did not respond within ${formatDuration(target.timeoutMs)}.`, headers), true);
      target.onTimeout();
    }, Math.max(0, target.deadline - Date.now()));
    upstream.on("response", (up) => {
      if (answered) return void up.destroy();
      let outHeaders: Headers;
      try {
        outHeaders = responseHeaders(up.rawHeaders, headers);
      } catch {
        up.destroy();
        return answer(errorResponse(502, "502: the function sent an invalid response.", headers), true);
      }
      const status = up.statusCode ?? 502;
      up.once("close", release);
      const bodyless = req.method === "HEAD" || status === 204 || status === 304;
      if (bodyless) up.resume();
      const body = bodyless ? null : (Readable.toWeb(up) as ReadableStream<Uint8Array>);
      try {
        answer(new Response(body, { status, statusText: up.statusMessage || undefined, headers: outHeaders }), false);
      } catch {
        up.destroy();
        answer(errorResponse(502, "502: the function sent an invalid response.", headers), true);
      }
    });
    upstream.on("error", () => {
      answer(errorResponse(502, "502: the function crashed while handling this request.", headers), true);
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

/** A plain-text error response with `headers` (and `extra`). */
export function errorResponse(status: number, text: string, headers: Record<string, string>, extra: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...extra, ...headers },
  });
}

/** The request body, up to `limit` bytes. */
export async function readBody(req: Request, limit: number): Promise<Buffer | "too_large" | "aborted"> {
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks);
      size += value.byteLength;
      if (size > limit) {
        void reader.cancel().catch(() => {});
        return "too_large";
      }
      chunks.push(value);
    }
  } catch {
    return "aborted";
  }
}

export function connectionTokens(value: string | null): Set<string> {
  return new Set(
    (value ?? "")
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

function forwardHeaders(headers: Headers, target: ForwardTarget): Record<string, string> {
  const out = proxiedRequestHeaders(headers, target.client);
  out["content-length"] = String(target.body.length);
  out[FILE_HEADER] = encodeURIComponent(target.file);
  if (target.traceId) out[TRACE_HEADER] = target.traceId;
  return out;
}

/**
 * A client's request headers as the router passes them on: without hop-by-hop
 * headers, content-length (the proxy's to set), Slipway's internal headers
 * or what the client claims about forwarding; with x-forwarded-* set by the router.
 */
export function proxiedRequestHeaders(headers: Headers, client: ClientAddress): Record<string, string> {
  const out: Record<string, string> = {};
  const listed = connectionTokens(headers.get("connection"));
  for (const [name, value] of headers) {
    if (HOP_BY_HOP.has(name) || listed.has(name) || FORWARDED.has(name) || name === "content-length" || name.startsWith(INTERNAL_PREFIX)) continue;
    out[name] = value;
  }
  for (const [name, value] of forwardingHeaders(headers.get("host"), client)) out[name] = value;
  return out;
}

/** The x-forwarded-* headers the router sets itself (what a client sent in them is dropped). */
export function forwardingHeaders(host: string | null, client: ClientAddress): [string, string][] {
  const set: [string, string][] = [["x-forwarded-proto", client.secure ? "https" : "http"]];
  if (client.address) set.push(["x-forwarded-for", client.address]);
  if (host) set.push(["x-forwarded-host", host]);
  return set;
}

function responseHeaders(raw: string[], ours: Record<string, string>): Headers {
  const out = new Headers();
  const listed = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() === "connection") for (const t of connectionTokens(raw[i + 1])) listed.add(t);
  }
  const overridden = new Set(Object.keys(ours).map((k) => k.toLowerCase()));
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || listed.has(name) || overridden.has(name)) continue;
    out.append(name, raw[i + 1]);
  }
  for (const [name, value] of Object.entries(ours)) out.set(name, value);
  return out;
}
