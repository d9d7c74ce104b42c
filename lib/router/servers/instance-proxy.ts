import { formatDuration } from "@/lib/build/sandbox/run-step";
import { type ClientAddress, connectionTokens, errorResponse, FORWARDED, forwardingHeaders, HOP_BY_HOP, INTERNAL_PREFIX } from "@/lib/router/functions/proxy";

// HTTP/1.1 from the router to an instance of a server deployment, over the
// instance's Unix socket (lib/runtime/instance.ts): the request body streams
// in as the client sends it and the response streams back as the instance
// writes it (Server-Sent Events included), with the header rules of a proxy
// (as functions/proxy.ts: hop-by-hop headers dropped both ways, x-forwarded-*
// set by the router and never taken from the client). An instance that has
// not begun its response within `timeoutMs` gets the request canceled and the
// client a 504; one that cannot be reached or breaks off before answering, a
// 502. A client that goes away cancels the upstream request.
//
// Bun's fetch (the router runs on Bun) with its `unix` option: a pool of
// keep-alive connections per socket, and bodies passed through as they are
// (`decompress: false`). Bun's request and response Headers are mutable, so
// both are edited in place and the instance's response is sent on as it is:
// no copy of either on the hot path.
export type InstanceRequest = {
  socketPath: string;
  /** The path and query as the client sent them. */
  target: string;
  client: ClientAddress;
  /** The router's own response headers (x-slipway-*, set-cookie of the cohort). */
  stamp: Record<string, string>;
  timeoutMs: number;
};

export async function proxyToInstance(req: Request, to: InstanceRequest): Promise<Response> {
  const upstream = new AbortController();
  const onClientGone = () => upstream.abort();
  req.signal.addEventListener("abort", onClientGone, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    upstream.abort();
  }, to.timeoutMs);
  const hasBody = req.method !== "GET" && req.method !== "HEAD" && req.body !== null;
  try {
    const res = await fetch(`http://localhost${to.target}`, {
      method: req.method,
      headers: forwardedHeaders(req.headers, to.client),
      body: hasBody ? req.body : undefined,
      redirect: "manual",
      signal: upstream.signal,
      // Bun's: the socket to connect to, and the body as the instance encoded it.
      unix: to.socketPath,
      decompress: false,
      duplex: "half",
    } as RequestInit);
    clearTimeout(timer);
    stampResponse(res.headers, to.stamp);
    if (req.method === "HEAD" || res.status === 204 || res.status === 304) {
      void res.body?.cancel().catch(() => undefined);
      return new Response(null, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    return res;
  } catch {
    clearTimeout(timer);
    if (timedOut) return errorResponse(504, `504: the app did not respond within ${formatDuration(to.timeoutMs)}.`, to.stamp);
    if (req.signal.aborted) return errorResponse(499, "499: the client closed the request.", to.stamp);
    return errorResponse(502, "502: the app's server did not answer.", to.stamp);
  } finally {
    req.signal.removeEventListener("abort", onClientGone);
  }
}

/** The client's headers as the instance gets them (edited in place). */
export function forwardedHeaders(headers: Headers, client: ClientAddress): Headers {
  strip(headers, (name) => FORWARDED.has(name) || name === "content-length" || name.startsWith(INTERNAL_PREFIX));
  for (const [name, value] of forwardingHeaders(headers.get("host"), client)) headers.set(name, value);
  return headers;
}

// The instance's response headers as the client gets them (edited in place):
// the router's own win, but a cohort cookie is added to the app's cookies, not put in their place.
function stampResponse(headers: Headers, stamp: Record<string, string>) {
  strip(headers, () => false);
  for (const name in stamp) {
    if (name === "set-cookie") headers.append(name, stamp[name]);
    else headers.set(name, stamp[name]);
  }
}

// Drops the hop-by-hop headers, those the Connection header lists, and those `also` names.
function strip(headers: Headers, also: (name: string) => boolean) {
  const listed = connectionTokens(headers.get("connection"));
  const drop: string[] = [];
  for (const name of headers.keys()) if (HOP_BY_HOP.has(name) || listed.has(name) || also(name)) drop.push(name);
  for (const name of drop) headers.delete(name);
}
