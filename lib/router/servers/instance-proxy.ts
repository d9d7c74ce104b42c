import { formatDuration } from "@/lib/build/sandbox/run-step";
import { type ClientAddress, errorResponse, proxiedRequestHeaders, proxiedResponseHeaders } from "@/lib/router/functions/proxy";

// HTTP/1.1 from the router to an instance of a server deployment, over the
// instance's Unix socket (lib/runtime/instance.ts): the request body streams
// in as the client sends it and the response streams back as the instance
// writes it (Server-Sent Events included), with the header rules of a proxy
// (functions/proxy.ts). An instance that has not begun its response within
// `timeoutMs` gets the request canceled and the client a 504; one that cannot
// be reached or breaks off before answering, a 502. A client that goes away
// cancels the upstream request.
//
// Bun's fetch (the router runs on Bun) with its `unix` option: a pool of
// keep-alive connections per socket, and bodies passed through as they are
// (`decompress: false`).
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
      headers: proxiedRequestHeaders(req.headers, to.client),
      body: hasBody ? req.body : undefined,
      redirect: "manual",
      signal: upstream.signal,
      // Bun's: the socket to connect to, and the body as the instance encoded it.
      unix: to.socketPath,
      decompress: false,
      duplex: "half",
    } as RequestInit);
    clearTimeout(timer);
    const bodyless = req.method === "HEAD" || res.status === 204 || res.status === 304;
    return new Response(bodyless ? null : res.body, { status: res.status, statusText: res.statusText, headers: proxiedResponseHeaders(res.headers, to.stamp) });
  } catch {
    clearTimeout(timer);
    if (timedOut) return errorResponse(504, `504: the app did not respond within ${formatDuration(to.timeoutMs)}.`, to.stamp);
    if (req.signal.aborted) return errorResponse(499, "499: the client closed the request.", to.stamp);
    return errorResponse(502, "502: the app's server did not answer.", to.stamp);
  } finally {
    req.signal.removeEventListener("abort", onClientGone);
  }
}
