import type { Db } from "@/lib/db/client";
import type { ActorKind } from "@/lib/generated/prisma/enums";

type Row = {
  id: bigint;
  actorKind: ActorKind;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  data: unknown;
  createdAt: Date;
};

export type AuditActor = { kind: ActorKind; id: string | null; label: string; detail: string | null };
export type AuditTarget = { type: string; id: string; label: string | null; href: string | null };
export type AuditEventView = {
  id: string;
  createdAt: Date;
  action: string;
  actor: AuditActor;
  target: AuditTarget;
  data: unknown;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// A page of audit rows as people read them: who (a member, a token and its
// owner, or the system) and what (a project, a deployment…) by name, with a
// link where the console has a page. Each lookup is one query by primary key.
export async function describeAuditRows(db: Db, rows: Row[]): Promise<AuditEventView[]> {
  const ids = (pick: (r: Row) => string | null) => [...new Set(rows.map(pick).filter((id): id is string => !!id && UUID.test(id)))];
  const actorIds = (kind: ActorKind) => ids((r) => (r.actorKind === kind ? r.actorId : null));
  const targetIds = (type: string) => ids((r) => (r.targetType === type ? r.targetId : null));
  const userIds = [...new Set([...actorIds("user"), ...targetIds("user")])];

  const [users, tokens, projects, deployments, routes, rollouts, invitations] = await Promise.all([
    db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true, email: true } }),
    db.apiToken.findMany({
      where: { id: { in: [...new Set([...actorIds("token"), ...targetIds("api_token")])] } },
      select: { id: true, name: true, user: { select: { name: true, email: true } } },
    }),
    db.project.findMany({ where: { id: { in: targetIds("project") } }, select: { id: true, slug: true, name: true } }),
    db.deployment.findMany({ where: { id: { in: targetIds("deployment") } }, select: { id: true, project: { select: { slug: true } } } }),
    db.route.findMany({ where: { id: { in: targetIds("route") } }, select: { id: true, name: true, project: { select: { slug: true } } } }),
    db.rollout.findMany({ where: { id: { in: targetIds("rollout") } }, select: { id: true, project: { select: { slug: true } } } }),
    db.invitation.findMany({ where: { id: { in: targetIds("invitation") } }, select: { id: true, email: true } }),
  ]);
  const byId = <T extends { id: string }>(list: T[]) => new Map(list.map((x) => [x.id, x]));
  const userMap = byId(users);
  const tokenMap = byId(tokens);
  const targetLabels: Record<string, Map<string, { label: string; href: string | null }>> = {
    user: new Map(users.map((u) => [u.id, { label: `${u.name} (${u.email})`, href: null }])),
    api_token: new Map(tokens.map((t) => [t.id, { label: t.name, href: null }])),
    project: new Map(projects.map((p) => [p.id, { label: p.name, href: `/projects/${p.slug}` }])),
    deployment: new Map(deployments.map((d) => [d.id, { label: `${d.project.slug} · ${d.id.slice(0, 8)}`, href: `/projects/${d.project.slug}/deployments/${d.id}` }])),
    route: new Map(routes.map((r) => [r.id, { label: r.name, href: `/projects/${r.project.slug}` }])),
    rollout: new Map(rollouts.map((r) => [r.id, { label: `${r.project.slug} · rollout ${r.id.slice(0, 8)}`, href: `/projects/${r.project.slug}` }])),
    invitation: new Map(invitations.map((i) => [i.id, { label: i.email, href: null }])),
  };

  function actor(r: Row): AuditActor {
    if (r.actorKind === "system") return { kind: "system", id: null, label: "system", detail: null };
    if (r.actorKind === "token") {
      const token = r.actorId ? tokenMap.get(r.actorId) : undefined;
      if (!token) return { kind: "token", id: r.actorId, label: "token: (deleted)", detail: null };
      return { kind: "token", id: r.actorId, label: `token: ${token.name}`, detail: `${token.user.name} (${token.user.email})` };
    }
    const user = r.actorId ? userMap.get(r.actorId) : undefined;
    if (!user) return { kind: "user", id: r.actorId, label: "(deleted user)", detail: null };
    return { kind: "user", id: r.actorId, label: user.name, detail: user.email };
  }

  return rows.map((r) => {
    const known = targetLabels[r.targetType]?.get(r.targetId);
    return {
      id: r.id.toString(),
      createdAt: r.createdAt,
      action: r.action,
      actor: actor(r),
      target: { type: r.targetType, id: r.targetId, label: known?.label ?? null, href: known?.href ?? null },
      data: r.data,
    };
  });
}
