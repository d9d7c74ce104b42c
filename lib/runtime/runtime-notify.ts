import type { Prisma } from "@/lib/generated/prisma/client";
import { ROUTES_CHANNEL } from "@/lib/routes/lock-route";

/** Tells the routers (on commit) that instances became ready or stopped being so. */
export async function notifyInstancesChanged(tx: Prisma.TransactionClient) {
  await tx.$executeRaw`SELECT pg_notify(${ROUTES_CHANNEL}, ${JSON.stringify({ instances: true })})`;
}
