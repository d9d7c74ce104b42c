import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { Db } from "@/lib/db/client";

// A worker process is alive while its presence connection is open. Postgres ends
// the sessions of a killed process at once, so pg_stat_activity tells a dead
// worker's job and queue locks from a slow worker's, without waiting for
// graphile-worker's 4-hour lock timeout or guessing from heartbeats.
const PREFIX = "slipway-worker:";
const RETRY_MS = 1000;

// Holds one idle connection named after the graphile-worker pool id (the value
// graphile writes in locked_by) until stop(); reconnects when it drops.
export function announcePresence(databaseUrl: string, poolId: string) {
  let client: pg.Client | null = null;
  let stopped = false;
  const hold = async () => {
    while (!stopped) {
      const c = new pg.Client({ connectionString: databaseUrl, application_name: `${PREFIX}${poolId}` });
      c.on("error", () => undefined);
      try {
        await c.connect();
        client = c;
        await new Promise((resolve) => c.once("end", resolve));
      } catch (e) {
        console.error(`worker presence: could not connect (${(e as Error).message}); retrying`);
      }
      client = null;
      if (!stopped) await sleep(RETRY_MS);
    }
  };
  void hold();
  return {
    stop: async () => {
      stopped = true;
      await client?.end().catch(() => undefined);
    },
  };
}

export async function livePools(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ pool: string }[]>`
    SELECT substr(application_name, ${PREFIX.length + 1}) AS pool FROM pg_stat_activity
    WHERE application_name LIKE ${`${PREFIX}%`}`;
  return rows.map((r) => r.pool);
}
