import http from "node:http";
import pg from "pg";

// The edge router (first cut): health endpoints and a 404 for every app name.
// Routing real traffic to bundles is built on this server in the router issue.
export type RouterOptions = { databaseUrl: string; appsDomain: string };

export function createRouterServer(opts: RouterOptions) {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 2, connectionTimeoutMillis: 2000 });
  pool.on("error", () => undefined);

  const server = http.createServer(async (req, res) => {
    const url = req.url ?? "/";
    if (url === "/healthz") return send(res, 200, "application/json", JSON.stringify({ ok: true }));
    if (url === "/readyz") {
      const ready = await pool.query("SELECT 1").then(
        () => true,
        () => false,
      );
      return send(res, ready ? 200 : 503, "application/json", JSON.stringify({ ready, database: ready ? "up" : "down" }));
    }
    return send(res, 404, "text/html; charset=utf-8", notFoundPage(req.headers.host, opts.appsDomain));
  });
  server.on("close", () => void pool.end());
  return server;
}

function send(res: http.ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
  res.end(body);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function notFoundPage(host: string | undefined, appsDomain: string) {
  const name = escapeHtml((host ?? "").slice(0, 255));
  return `<!doctype html><html><head><meta charset="utf-8"><title>404: nothing deployed here</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;color:#222">
<h1>404: nothing deployed here</h1>
<p>No live deployment answers for <code>${name || "this host"}</code>.</p>
<p>Apps are served at <code>&lt;project&gt;.${escapeHtml(appsDomain)}</code> once a deployment is live.</p>
</body></html>`;
}
