// nginx as the reference static file server: a generated configuration in a
// temp directory, two worker processes, in the foreground, as the current user.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ensurePrograms, onCleanup, spawnGroup } from "@/bench/lib/proc";
import { freePort } from "@/lib/platform/free-port";
import { waitForHttp } from "@/lib/platform/supervisor";

let nginxPath: string | undefined;

/** The nginx binary, installed from Debian's packages when missing. */
export function ensureNginx(): string {
  return (nginxPath ??= ensurePrograms([{ program: "nginx", aptPackage: "nginx" }]).nginx);
}

// `proxyTo`: a Unix socket to proxy every request to (keep-alive upstream connections), instead of serving `root`.
// `tls`: HTTPS on the port with this certificate and key (PEM files), TLS 1.2 and 1.3.
export function nginxConfig(o: { dir: string; root: string; port: number; workers: number; proxyTo?: string; tls?: { cert: string; key: string } }): string {
  const tmp = (name: string) => path.join(o.dir, name);
  // As root, nginx's workers would switch to "nobody", who cannot read a
  // private temp directory; as anyone else the directive is ignored with a warning.
  const user = process.getuid?.() === 0 ? "user root root;\n" : "";
  return `${user}worker_processes ${o.workers};
daemon off;
master_process on;
pid ${tmp("nginx.pid")};
error_log ${tmp("error.log")} warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65s;
  # Like the router (Node's default), never close a keep-alive connection after N requests.
  keepalive_requests 1000000;
  open_file_cache max=1000 inactive=60s;
  open_file_cache_valid 60s;
  open_file_cache_errors on;
  types { text/html html; text/plain txt; application/octet-stream bin; }
  default_type application/octet-stream;
  client_body_temp_path ${tmp("client_body")};
  proxy_temp_path ${tmp("proxy")};
  fastcgi_temp_path ${tmp("fastcgi")};
  uwsgi_temp_path ${tmp("uwsgi")};
  scgi_temp_path ${tmp("scgi")};
${o.proxyTo ? `  upstream app { server unix:${o.proxyTo}; keepalive 64; }\n` : ""}  server {
    listen 127.0.0.1:${o.port}${o.tls ? " ssl" : ""};
${o.tls ? `    ssl_certificate ${o.tls.cert};
    ssl_certificate_key ${o.tls.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off;
    ssl_session_tickets off;
` : ""}    server_name _;
    root ${o.root};
    etag on;
${o.proxyTo ? '    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; proxy_set_header X-Forwarded-For $remote_addr; }\n' : ""}  }
}
`;
}

/** nginx serving `root` on a free port of 127.0.0.1, until stop(). */
export async function startNginx(
  root: string,
  workers = 2,
  proxyTo?: string,
  tls?: { cert: string; key: string },
): Promise<{ pid: number; port: number; stop: () => Promise<void> }> {
  const bin = ensureNginx();
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-nginx-"));
  for (const d of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) await mkdir(path.join(dir, d));
  const port = await freePort();
  const conf = path.join(dir, "nginx.conf");
  await writeFile(conf, nginxConfig({ dir, root, port, workers, proxyTo, tls }));
  // -e: the error log before the configuration is read (its compiled-in default may not be writable).
  const g = spawnGroup(bin, ["-p", dir, "-c", conf, "-e", path.join(dir, "error.log")]);
  const stop = async () => {
    unregister();
    await g.stop("SIGQUIT", 3000);
    await rm(dir, { recursive: true, force: true });
  };
  const unregister = onCleanup(stop);
  let exited = false;
  void g.exited.then(() => (exited = true));
  try {
    if (tls) await waitForPort(port, 10_000, () => !exited);
    else await waitForHttp(`http://127.0.0.1:${port}/`, 10_000, () => !exited, () => true);
  } catch {
    const log = await readFile(path.join(dir, "error.log"), "utf8").catch(() => "");
    await stop();
    throw new Error(`nginx did not start:\n${g.output()}\n${log}`);
  }
  return { pid: g.child.pid!, port, stop };
}

async function waitForPort(port: number, timeoutMs: number, alive: () => boolean) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}
