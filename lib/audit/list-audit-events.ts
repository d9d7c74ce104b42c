import { auditQueryInput, decodeCursor, encodeCursor, type AuditQuery } from "@/lib/audit/audit-query";
import { describeAuditRows } from "@/lib/audit/describe-audit-rows";
import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import type { Db } from "@/lib/db/client";
import { parseInput } from "@/lib/errors/parse-input";
import type { Prisma } from "@/lib/generated/prisma/client";

// A team's audit log, newest first, for admins. Keyset-paginated on
// (createdAt, id): the (team_id, created_at DESC) index serves the range, the
// id breaks ties between rows written in one transaction (same created_at).
export async function listAuditEvents({ ctx, input }: { ctx: Ctx; input: unknown }) {
  const q = parseInput(auditQueryInput, input);
  await authorize(ctx, q.teamId, "audit.read");
  const cursor = q.cursor ? decodeCursor(q.cursor) : null;
  const where: Prisma.AuditEventWhereInput = {
    teamId: q.teamId,
    createdAt: { gte: q.from, lt: q.to, lte: cursor?.createdAt },
    AND: [
      await actorWhere(ctx.db, q),
      cursor ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { id: { lt: cursor.id } }] } : {},
      q.action ? { action: q.action } : {},
      q.actionPrefix ? { action: { startsWith: escapeLike(q.actionPrefix) } } : {},
      q.targetType ? { targetType: q.targetType } : {},
      q.targetId ? { targetId: q.targetId } : {},
    ],
  };
  const rows = await ctx.db.auditEvent.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
    select: { id: true, actorKind: true, actorId: true, action: true, targetType: true, targetId: true, data: true, createdAt: true },
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    events: await describeAuditRows(ctx.db, page),
    nextCursor: rows.length > q.limit ? encodeCursor(last) : null,
  };
}

// A person acts themselves or through their API tokens in this team: both count.
async function actorWhere(db: Db, q: AuditQuery): Promise<Prisma.AuditEventWhereInput> {
  if (!q.actor) return {};
  if (q.actor === "system") return { actorKind: "system" };
  const tokens = await db.apiToken.findMany({ where: { teamId: q.teamId, userId: q.actor }, select: { id: true } });
  return {
    OR: [
      { actorKind: "user", actorId: q.actor },
      { actorKind: "token", actorId: { in: tokens.map((t) => t.id) } },
    ],
  };
}

// Prisma passes startsWith to LIKE as is: "_" and "%" would match any character.
const escapeLike = (s: string) => s.replace(/[\\%_]/g, "\\$&");
