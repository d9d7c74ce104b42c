import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { type EmbeddedDb, startEmbeddedPostgres } from "@/lib/db/embedded";

// A throwaway PostgreSQL server for tests and scripts: its own data directory
// under the OS temp dir and a port nobody is using; stop() removes both.
export async function startTempPostgres(database = "slipway"): Promise<EmbeddedDb> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-pg-"));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    const server = await startEmbeddedPostgres({ dir, port: await freePort(), database });
    return { url: server.url, stop: () => server.stop().finally(removeDir) };
  } catch (e) {
    await removeDir();
    throw e;
  }
}

// Asks the OS for a port (listen on 0) and releases it for the caller to bind.
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
