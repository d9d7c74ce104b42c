// The floor for any Node router: node:http under node:cluster (as the router
// runs), answering each path from memory with a fixed set of headers and no
// other work. Started by bench/router.ts with the router's own response
// headers, so the difference to the router is the router's per-request work.
// Usage: node node-floor.mjs <port> <workers> <spec.json>
//   spec.json: { "/path": { "file": "/abs/file", "headers": { ... } }, ... }
import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import http from "node:http";

const [port, workers, specFile] = process.argv.slice(2);

if (cluster.isPrimary) {
  for (let i = 0; i < Number(workers); i++) cluster.fork();
  cluster.on("exit", () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
  process.on("SIGTERM", () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
  });
} else {
  const spec = JSON.parse(readFileSync(specFile, "utf8"));
  const routes = new Map(Object.entries(spec).map(([p, s]) => [p, { body: readFileSync(s.file), headers: s.headers }]));
  const server = http.createServer((req, res) => {
    const r = routes.get(req.url);
    if (!r) {
      res.writeHead(404, { "content-length": "0" });
      return res.end();
    }
    res.writeHead(200, r.headers);
    res.end(r.body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(port), "127.0.0.1");
  process.once("SIGTERM", () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
