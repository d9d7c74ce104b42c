import type http from "node:http";
import { Readable } from "node:stream";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import type { FunctionBundle, FunctionPool } from "@/lib/router/functions/function-pool";

// The function pool behind a node:http server, for its unit tests and the
// cold-start bench, which run under Node (the router itself hands the pool
// Bun.serve's Request and sends its Response). The client leaving aborts the
// request's signal, as Bun does.
export async function handleWithNode(
  pool: FunctionPool,
  bundle: FunctionBundle,
  entry: ManifestEntry,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  headers: Record<string, string>,
  traceId?: string,
): Promise<boolean> {
  const left = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) left.abort();
  });
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((one) => [k, one] as [string, string]))),
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    signal: left.signal,
    // @ts-expect-error Node's fetch needs it for a streamed body; lib.dom does not know it
    duplex: "half",
  });
  const { response, warmup } = await pool.handle(bundle, entry, request, req.url ?? "/", headers, { address: req.socket.remoteAddress ?? "" }, traceId);
  if (res.destroyed) {
    await response.body?.cancel().catch(() => {});
    return warmup;
  }
  // Flat name, value list: each set-cookie stays a header of its own.
  const out: string[] = [];
  for (const [name, value] of response.headers) out.push(name, value);
  res.writeHead(response.status, response.statusText || undefined, out);
  if (!response.body) {
    res.end();
    return warmup;
  }
  await new Promise<void>((resolve) => {
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
    body.on("error", () => res.destroy());
    res.on("close", () => {
      body.destroy();
      resolve();
    });
    body.pipe(res);
  });
  return warmup;
}
