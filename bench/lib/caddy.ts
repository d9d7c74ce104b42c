// Caddy (Debian's package, the proxy Coolify and Dokploy offer) as a second
// reference static file server: a generated Caddyfile in a temp directory,
// no admin endpoint, no automatic HTTPS, one process (Go uses every core).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensurePrograms, onCleanup, spawnGroup } from "@/bench/lib/proc";
import { childEnv } from "@/lib/platform/child-env";
import { freePort } from "@/lib/platform/free-port";
import { waitForHttp } from "@/lib/platform/supervisor";

export function caddyfile(o: { root: string; port: number }): string {
  return `{
  admin off
  auto_https off
}
http://:${o.port} {
  bind 127.0.0.1
  root * ${o.root}
  file_server
}
`;
}

/** Caddy serving `root` on a free port of 127.0.0.1, until stop(). */
export async function startCaddy(root: string): Promise<{ pid: number; port: number; stop: () => Promise<void> }> {
  const bin = ensurePrograms([{ program: "caddy", aptPackage: "caddy" }]).caddy;
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-caddy-"));
  const port = await freePort();
  const conf = path.join(dir, "Caddyfile");
  await writeFile(conf, caddyfile({ root, port }));
  // HOME and XDG dirs in the temp directory: Caddy writes its own state there.
  const env = childEnv({ PATH: process.env.PATH, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir });
  const g = spawnGroup(bin, ["run", "--config", conf, "--adapter", "caddyfile"], { env });
  const stop = async () => {
    unregister();
    await g.stop("SIGTERM", 3000);
    await rm(dir, { recursive: true, force: true });
  };
  const unregister = onCleanup(stop);
  let exited = false;
  void g.exited.then(() => (exited = true));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 10_000, () => !exited, () => true);
  } catch {
    await stop();
    throw new Error(`caddy did not start:\n${g.output()}`);
  }
  return { pid: g.child.pid!, port, stop };
}
