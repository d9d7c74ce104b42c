import { actorColumns, type Ctx } from "@/lib/auth/ctx";
import type { Tx } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";

export type AuditEntry = {
  teamId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  data?: Prisma.InputJsonValue;
};

// Call inside the transaction that makes the change, so both land or neither.
// `data` must never carry secret values.
export async function recordAudit(tx: Tx, ctx: Ctx, entry: AuditEntry) {
  await tx.auditEvent.create({ data: { ...entry, ...actorColumns(ctx.actor) } });
}
