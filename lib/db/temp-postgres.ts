import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type EmbeddedDb, startEmbeddedPostgres } from "@/lib/db/embedded";
import { freePort } from "@/lib/platform/free-port";

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
