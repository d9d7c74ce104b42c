import type { Prisma } from "@/lib/generated/prisma/client";
import { ROUTES_CHANNEL } from "@/lib/routes/lock-route";

/** Tells the routers (on commit) to load the certificates again. */
export async function notifyCertificatesChanged(tx: Prisma.TransactionClient) {
  await tx.$executeRaw`SELECT pg_notify(${ROUTES_CHANNEL}, ${JSON.stringify({ certificates: true })})`;
}
