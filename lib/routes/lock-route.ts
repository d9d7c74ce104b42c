import type { Tx } from "@/lib/db/client";
import { routeNameFor } from "@/lib/routes/route-names";

export const ROUTES_CHANNEL = "slipway_routes";

// Route writes queue on the route's row lock; under a burst of promotes a
// transaction may wait its turn for a connection and the lock longer than
// Prisma's 2 s default, which is not an error.
export const ROUTE_TX = { maxWait: 10_000, timeout: 10_000 };

// The route a deployment of this environment/branch is served on, created on
// first use for a branch, and locked for the transaction, so publishes and
// promotes of one route apply one after the other.
export async function lockRoute(tx: Tx, project: { id: string; slug: string }, environment: string, branch: string) {
  const isProduction = environment === "production";
  const name = routeNameFor(project.slug, environment, branch);
  await tx.route.upsert({
    where: { name },
    create: { name, kind: isProduction ? "production" : "branch", projectId: project.id, branch: isProduction ? null : branch },
    update: {},
  });
  const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM routes WHERE name = ${name} FOR UPDATE`;
  return tx.route.findUniqueOrThrow({ where: { id: row.id } });
}

// Tells every router the route changed; Postgres delivers it on commit.
export async function notifyRouteChanged(tx: Tx, name: string) {
  await tx.$executeRaw`SELECT pg_notify(${ROUTES_CHANNEL}, ${JSON.stringify({ route: name })})`;
}
