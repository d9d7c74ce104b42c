import type { Db, Tx } from "@/lib/db/client";

// The columns every deployment view shows, and the author behind each row: the
// user who deployed, or the creator of the API token that did.
export const summarySelect = {
  id: true,
  environment: true,
  branch: true,
  commitSha: true,
  commitMessage: true,
  sourceKind: true,
  status: true,
  createdAt: true,
  startedAt: true,
  readyAt: true,
  finishedAt: true,
  createdByKind: true,
  createdById: true,
  failureStage: true,
  failureReason: true,
  expiresAt: true,
  debug: true,
} as const;

type SummaryKey = keyof typeof summarySelect;

// The summary columns of a full deployment row (never its sealed runtime env).
export function toSummary<R extends Record<SummaryKey, unknown>>(row: R): Pick<R, SummaryKey> {
  return Object.fromEntries(Object.keys(summarySelect).map((k) => [k, row[k as SummaryKey]])) as Pick<R, SummaryKey>;
}

type Row = { createdByKind: "user" | "token" | "system"; createdById: string | null };
export type Author = { name: string; email: string } | null;

export async function withAuthors<R extends Row>(db: Db | Tx, rows: R[]): Promise<Array<Omit<R, "createdById"> & { author: Author }>> {
  const userIds = new Set(rows.filter((r) => r.createdByKind === "user" && r.createdById).map((r) => r.createdById!));
  const tokenIds = [...new Set(rows.filter((r) => r.createdByKind === "token" && r.createdById).map((r) => r.createdById!))];
  const tokens = tokenIds.length
    ? await db.apiToken.findMany({ where: { id: { in: tokenIds } }, select: { id: true, name: true, userId: true } })
    : [];
  for (const t of tokens) userIds.add(t.userId);
  const users = userIds.size
    ? await db.user.findMany({ where: { id: { in: [...userIds] } }, select: { id: true, name: true, email: true } })
    : [];
  const userById = new Map(users.map((u) => [u.id, u]));
  const tokenById = new Map(tokens.map((t) => [t.id, t]));
  return rows.map(({ createdById, ...rest }) => {
    let author: Author = null;
    if (rest.createdByKind === "user" && createdById) {
      const u = userById.get(createdById);
      author = u ? { name: u.name, email: u.email } : null;
    } else if (rest.createdByKind === "token" && createdById) {
      const t = tokenById.get(createdById);
      const u = t && userById.get(t.userId);
      author = t && u ? { name: `${u.name} (token ${t.name})`, email: u.email } : null;
    }
    return { ...rest, author };
  });
}

// The share of traffic a deployment gets as the canary of a rollout in
// progress (its route's canaryWeight), null when it is not a canary, so a list
// can say "canary 25%".
export async function withCanaryWeights<R extends { id: string }>(db: Db | Tx, rows: R[]): Promise<Array<R & { canaryWeight: number | null }>> {
  const ids = rows.map((r) => r.id);
  const routes = ids.length
    ? await db.route.findMany({ where: { canaryDeploymentId: { in: ids } }, select: { canaryDeploymentId: true, canaryWeight: true } })
    : [];
  const weight = new Map(routes.map((r) => [r.canaryDeploymentId!, r.canaryWeight]));
  return rows.map((r) => ({ ...r, canaryWeight: weight.get(r.id) ?? null }));
}

// Whether a server deployment's instances run now ("running"), are starting,
// draining, stopped or failed (lib/runtime/); null for static deployments, so
// a list can say which deployments are running.
export async function withRuntimeStates<R extends { id: string }>(db: Db | Tx, rows: R[]): Promise<Array<R & { runtimeState: string | null }>> {
  const ids = rows.map((r) => r.id);
  const runtimes = ids.length ? await db.deploymentRuntime.findMany({ where: { deploymentId: { in: ids } }, select: { deploymentId: true, state: true } }) : [];
  const state = new Map(runtimes.map((r) => [r.deploymentId, r.state as string]));
  return rows.map((r) => ({ ...r, runtimeState: state.get(r.id) ?? null }));
}
