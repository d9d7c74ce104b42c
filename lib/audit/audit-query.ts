import { z } from "zod";
import { invalid } from "@/lib/errors/app-error";

// Filters of the audit log, as the API takes them (query string) and the verb parses them.
export const auditQueryInput = z
  .object({
    teamId: z.uuid(),
    // A member's user id (their tokens' actions included), or "system" for jobs.
    actor: z.union([z.uuid(), z.literal("system")], { error: "Actor must be a member's user id or system." }).optional(),
    action: z.string().trim().min(1).max(100).optional(),
    // Matches every action that starts with it, e.g. "deployment.".
    actionPrefix: z.string().trim().min(1).max(100).optional(),
    targetType: z.string().trim().min(1).max(50).optional(),
    targetId: z.string().trim().min(1).max(200).optional(),
    // Inclusive start and exclusive end of the time range.
    from: z.iso.datetime({ offset: true, error: "From must be an ISO date and time." }).transform((s) => new Date(s)).optional(),
    to: z.iso.datetime({ offset: true, error: "To must be an ISO date and time." }).transform((s) => new Date(s)).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(200).optional(),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ["to"], message: "To must be after From." });

export type AuditQuery = z.output<typeof auditQueryInput>;

export type AuditCursor = { createdAt: Date; id: bigint };

// The keyset position after a row: its (createdAt, id), opaque to clients.
export const encodeCursor = ({ createdAt, id }: AuditCursor) =>
  Buffer.from(`${createdAt.toISOString()}|${id}`).toString("base64url");

export function decodeCursor(cursor: string): AuditCursor {
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const createdAt = new Date(at ?? "");
  if (Number.isNaN(createdAt.getTime()) || !/^\d{1,19}$/.test(id ?? "")) {
    throw invalid("cursor: not a cursor from this API; start from the first page.", { fields: { cursor: "Invalid cursor." } });
  }
  return { createdAt, id: BigInt(id) };
}
