import { z } from "zod";
import type { Prisma } from "@/lib/generated/prisma/client";
import { DeploymentStatus, Environment } from "@/lib/generated/prisma/enums";
import { branchName } from "@/lib/projects/project-input";

// The deployment history's query parameters (GET /api/projects/:slug/deployments),
// its keyset cursor, and the Prisma filter they make. Shared by the verb and the
// history bench, so both run exactly the same query.

const STATUSES = Object.values(DeploymentStatus);
const ENVIRONMENTS = Object.values(Environment);
const MAX_LIMIT = 100;
const MAX_QUERY = 200;
// A search of 4 to 64 hex digits may be the start of a commit SHA (or an archive's sha256).
const SHA_PREFIX = /^[0-9a-f]{4,64}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// A query string gives a string, or an array when the parameter is repeated; an empty value means "not set".
const blankIsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const once = (name: string) => z.string({ error: `Give ${name} only once.` });
const optional = <S extends z.ZodType>(schema: S) => z.preprocess(blankIsUnset, schema.optional());

export type Cursor = { createdAt: Date; id: string };

// Opaque to clients: the (createdAt, id) of the last row of a page.
export function encodeCursor({ createdAt, id }: Cursor): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString("base64url");
}

const BAD_CURSOR = "Cursor is not valid: pass the nextCursor of the previous page as it is.";
const cursor = once("cursor").transform((value, ctx): Cursor => {
  const [at, id, extra] = Buffer.from(value, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  if (extra !== undefined || !id || !UUID.test(id) || Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== at) {
    ctx.addIssue({ code: "custom", message: BAD_CURSOR });
    return z.NEVER;
  }
  return { createdAt, id: id.toLowerCase() };
});

const STATUS_HINT = `use one or more of ${STATUSES.join(", ")}, separated by commas`;
const isStatus = (s: string): s is DeploymentStatus => (STATUSES as string[]).includes(s);
// "live,failed", or ?status=live&status=failed.
const statuses = z.preprocess(
  (v) => (Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : v),
  z
    .array(z.string().trim(), { error: `Status: ${STATUS_HINT}.` })
    .transform((list, ctx) => {
      const bad = list.find((s) => !isStatus(s));
      if (bad === undefined) return [...new Set(list.filter(isStatus))];
      ctx.addIssue({ code: "custom", message: bad ? `"${bad}" is not a status: ${STATUS_HINT}.` : `Status: ${STATUS_HINT}.` });
      return z.NEVER;
    }),
);

const LIMIT_ERROR = `Limit must be a whole number from 1 to ${MAX_LIMIT}.`;

export const historyInput = z.strictObject(
  {
    slug: z.string(),
    limit: z.preprocess(blankIsUnset, z.coerce.number({ error: LIMIT_ERROR }).int(LIMIT_ERROR).min(1, LIMIT_ERROR).max(MAX_LIMIT, LIMIT_ERROR).default(50)),
    cursor: optional(cursor),
    environment: optional(once("environment").pipe(z.enum(ENVIRONMENTS, { error: `Environment must be one of ${ENVIRONMENTS.join(", ")}.` }))),
    branch: optional(once("branch").pipe(branchName)),
    status: optional(statuses),
    author: optional(once("author").refine((a) => a === "me" || UUID.test(a), 'Author must be a user id or "me".')),
    q: optional(once("q").trim().max(MAX_QUERY, `Search (q) is at most ${MAX_QUERY} characters.`)),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? `Unknown parameter ${issue.keys.map((k) => `"${k}"`).join(", ")}: the history takes limit, cursor, environment, branch, status, author and q.` : undefined) },
);

export type HistoryInput = z.output<typeof historyInput>;
export type HistoryFilters = Pick<HistoryInput, "environment" | "branch" | "status" | "q"> & {
  // Who may have created the rows: the author's user id and the ids of their API tokens.
  authorIds?: string[];
};

// LIKE's own wildcards in user text match themselves (backslash is Postgres' default escape).
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

// A SHA prefix as a range on commit_sha (stored lowercase hex): the plain
// B-tree index serves a range whatever the database's collation, where LIKE
// 'abcd%' would need the C collation. "g" sorts after every hex digit.
function search(q: string): Prisma.DeploymentWhereInput {
  const message: Prisma.DeploymentWhereInput = { commitMessage: { contains: escapeLike(q), mode: "insensitive" } };
  if (!SHA_PREFIX.test(q)) return message;
  const prefix = q.toLowerCase();
  return { OR: [{ commitSha: { gte: prefix, lt: `${prefix}g` } }, message] };
}

// Strictly older than the cursor in (createdAt desc, id desc) order. The first
// condition alone bounds the index scan; the OR only breaks ties on createdAt.
export function olderThan({ createdAt, id }: Cursor): Prisma.DeploymentWhereInput {
  return { createdAt: { lte: createdAt }, OR: [{ createdAt: { lt: createdAt } }, { id: { lt: id } }] };
}

export function historyWhere(projectId: string, f: HistoryFilters): Prisma.DeploymentWhereInput {
  return {
    projectId,
    ...(f.environment ? { environment: f.environment } : {}),
    ...(f.branch ? { branch: f.branch } : {}),
    ...(f.status ? { status: f.status.length === 1 ? f.status[0] : { in: f.status } } : {}),
    ...(f.authorIds ? { createdById: f.authorIds.length === 1 ? f.authorIds[0] : { in: f.authorIds } } : {}),
    ...(f.q ? { AND: [search(f.q)] } : {}),
  };
}

// Newest first; id breaks ties so that every row has one place in the order.
export const HISTORY_ORDER: Prisma.DeploymentOrderByWithRelationInput[] = [{ createdAt: "desc" }, { id: "desc" }];
