import { rm } from "node:fs/promises";
import { type EmbeddedDb, startEmbeddedPostgres } from "@/lib/db/embedded";
import { freePort } from "@/lib/platform/free-port";
import { makeDataDir } from "@/lib/testing/platform-process";

// A throwaway PostgreSQL server for tests and scripts: a data directory of its
// own (the cluster and its generated password, as `npm start` keeps them) and a
// port nobody is using; stop() removes both.
export async function startTempPostgres(database = "slipway"): Promise<EmbeddedDb> {
  const dataDir = makeDataDir();
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  try {
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), database });
    return { ...server, stop: () => server.stop().finally(removeDir) };
  } catch (e) {
    await removeDir();
    throw e;
  }
}
