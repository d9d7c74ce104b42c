import { z } from "zod";
import type { Ctx } from "@/lib/auth/ctx";
import { loadDeployment } from "@/lib/deployments/load-deployment";
import { invalid } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { loadConfig } from "@/lib/config/env";
import type { LogLine, Prisma } from "@/lib/generated/prisma/client";
import { getProject } from "@/lib/projects/get-project";

// A page of runtime log lines (prisma/schema.prisma LogLine) of a project or
// of one deployment, filtered, keyset by id: `before` pages back in time
// (newest first), `after` follows a live tail (oldest first, the lines that
// came since). Each filter the console offers has an index that begins with
// the scope and ends with id, so a page reads about as many rows as it shows;
// `text` reads a trigram index of the output lines.

const cursor = z
  .string()
  .regex(/^\d{1,19}$/, "must be a line id")
  .transform((s) => BigInt(s));

// "15m", "2h", "7d", or an ISO 8601 time.
const RELATIVE = /^(\d{1,5})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export function parseTime(value: string, now = Date.now()): Date | null {
  const rel = RELATIVE.exec(value);
  if (rel) return new Date(now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at;
}
const time = z
  .string()
  .max(40)
  .transform((s, ctx) => {
    const at = parseTime(s);
    if (!at) ctx.addIssue({ code: "custom", message: 'must be a duration back from now ("15m", "2h", "7d") or an ISO 8601 time' });
    return at ?? new Date(0);
  });

export const logFilters = z.object({
  /** request: the access log; app: what the code printed (stdout and stderr); or one stream. */
  source: z.enum(["request", "app", "stdout", "stderr"]).optional(),
  status: z.enum(["2xx", "3xx", "4xx", "5xx"]).optional(),
  /** Request lines whose path begins with this. */
  path: z.string().max(2048).startsWith("/", "must begin with /").optional(),
  /** Output lines (stdout, stderr) whose text contains this, in any case. */
  text: z.string().min(1).max(200).optional(),
  since: time.optional(),
  until: time.optional(),
});

const input = logFilters.extend({
  before: cursor.optional(),
  after: cursor.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const logLineSchema = z.object({
  id: z.string(),
  at: z.string(),
  deploymentId: z.string(),
  sha: z.string(),
  source: z.enum(["request", "stdout", "stderr"]),
  method: z.string().nullable(),
  path: z.string().nullable(),
  status: z.number().nullable(),
  durationMs: z.number().nullable(),
  bytes: z.number().nullable(),
  arm: z.enum(["live", "canary"]).nullable(),
  instance: z.string().nullable(),
  text: z.string(),
  /** The request's trace id, and where to open it (TRACE_URL), when it was traced. */
  traceId: z.string().nullable(),
  traceUrl: z.string().nullable(),
});

export const logPageSchema = z.object({
  lines: z.array(logLineSchema),
  /** Older lines: pass as `before` (null: none left). */
  nextBefore: z.string().nullable(),
  /** The newest line id of the scope that matches the filters: pass as `after` to follow (null: none yet). */
  lastId: z.string().nullable(),
});

export type LogLineView = z.infer<typeof logLineSchema>;
export type LogPage = z.infer<typeof logPageSchema>;

type Scope = { slug: string } | { deploymentId: string };

/** A stored line as the API (and a drain) shows it; `traceUrl` is TRACE_URL, read once per page by the caller. */
export function logLineView(l: LogLine, traceUrl: string | undefined): LogLineView {
  return {
    id: l.id.toString(),
    at: l.at.toISOString(),
    deploymentId: l.deploymentId,
    sha: l.sha,
    source: l.source,
    method: l.method,
    path: l.path,
    status: l.status,
    durationMs: l.durationMs,
    bytes: l.bytes,
    arm: l.arm as LogLineView["arm"],
    instance: l.instance,
    text: l.text,
    traceId: l.traceId,
    traceUrl: l.traceId && traceUrl ? traceUrl.replaceAll("{traceId}", l.traceId) : null,
  };
}

export async function listLogs({ ctx, scope, input: raw }: { ctx: Ctx; scope: Scope; input: unknown }): Promise<LogPage> {
  const q = parseInput(input, raw);
  const traceUrl = loadConfig().TRACE_URL;
  if (q.before !== undefined && q.after !== undefined) throw invalid("before and after cannot be used together");
  const base: Prisma.LogLineWhereInput =
    "slug" in scope
      ? { projectId: (await getProject({ ctx, slug: scope.slug, action: "logs.read" })).project.id }
      : { deploymentId: (await loadDeployment(ctx, scope.deploymentId, "logs.read")).deployment.id };
  const where: Prisma.LogLineWhereInput = { ...base, ...filterWhere(q) };
  const forward = q.after !== undefined;
  // Ordered by the scope's column too (one value here, so the same order): the
  // planner then reads the scope's own index, not the whole table's newest
  // rows, which may be another project's.
  const order = (dir: "asc" | "desc"): Prisma.LogLineOrderByWithRelationInput[] => ["projectId" in base ? { projectId: dir } : { deploymentId: dir }, { id: dir }];
  const rows = await ctx.db.logLine.findMany({
    where: forward ? { ...where, id: { gt: q.after } } : q.before !== undefined ? { ...where, id: { lt: q.before } } : where,
    orderBy: order(forward ? "asc" : "desc"),
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const more = rows.length > q.limit;
  const newest = forward ? (more ? await ctx.db.logLine.findFirst({ where, orderBy: order("desc"), select: { id: true } }) : page.at(-1)) : page[0];
  return logPageSchema.parse({
    lines: page.map((l) => logLineView(l, traceUrl)),
    nextBefore: !forward && more ? page[page.length - 1].id.toString() : null,
    lastId: (newest?.id ?? q.after ?? null)?.toString() ?? null,
  });
}

function filterWhere(q: z.output<typeof logFilters>): Prisma.LogLineWhereInput {
  const where: Prisma.LogLineWhereInput = {};
  if (q.source === "app") where.source = { in: ["stdout", "stderr"] };
  else if (q.source) where.source = q.source;
  if (q.status) where.statusClass = Number(q.status[0]);
  if (q.path) where.path = { startsWith: q.path };
  if (q.text) {
    // The code's output only (a request line's path has its own filter): a
    // trigram index over output lines answers it, and requests, the bulk of
    // the lines, cost nothing to index.
    // (`not: ""` is the index's own condition, so the planner may use it.)
    where.AND = [{ text: { not: "" } }, { text: { contains: q.text, mode: "insensitive" } }];
  }
  if (q.since || q.until) where.at = { ...(q.since ? { gte: q.since } : {}), ...(q.until ? { lte: q.until } : {}) };
  return where;
}
