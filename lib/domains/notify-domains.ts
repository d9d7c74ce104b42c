import type { Tx } from "@/lib/db/client";
import { ROUTES_CHANNEL } from "@/lib/routes/lock-route";

// Tells every router to reload its verified domains (lib/router/route-sync.ts);
// Postgres delivers it when the transaction commits, so a router never sees a
// domain the database does not have.
export async function notifyDomainsChanged(tx: Tx) {
  await tx.$executeRaw`SELECT pg_notify(${ROUTES_CHANNEL}, ${JSON.stringify({ domains: true })})`;
}
