import http from "node:http";
import type { Db } from "@/lib/db/client";
import { platformState, workerMetricsText } from "@/lib/observability/worker-metrics";

// A worker's own small HTTP server (WORKER_METRICS_PORT): /healthz (the
// process lives), /readyz (its database answers; warnings such as
// certificates close to expiry, which do not make it unready), and /metrics
// for Prometheus. Read-only, no request body, nothing secret: what a load
// balancer or a scraper on the operator's network asks.
export function startWorkerStatusServer(opts: { db: Db; host: string; port: number; log: (line: string) => void }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    const json = (status: number, body: unknown) => send(status, "application/json", JSON.stringify(body));
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") return json(405, { error: "only GET" });
    if (path === "/healthz") return json(200, { ok: true, pid: process.pid });
    if (path === "/readyz") {
      platformState(opts.db).then(
        (s) => json(200, { status: "ready", pid: process.pid, database: "up", queue: s.queue, deployments: s.deployments, https: { expiringSoon: s.expiringSoon } }),
        () => json(503, { status: "degraded", pid: process.pid, database: "down" }),
      );
      return;
    }
    if (path === "/metrics") {
      workerMetricsText(() => platformState(opts.db)).then(
        (m) => send(200, m.contentType, m.text),
        (e: Error) => send(503, "text/plain", `the database did not answer: ${e.message.split("\n")[0]}\n`),
      );
      return;
    }
    json(404, { error: "not found" });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      const address = server.address();
      opts.log(`worker status on ${opts.host}:${typeof address === "object" && address ? address.port : opts.port} (/healthz, /readyz, /metrics)`);
      resolve(server);
    });
  });
}
