import { z } from "zod";
import type { Ctx } from "@/lib/auth/ctx";
import { loadConfig } from "@/lib/config/env";
import { notFound } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { logLineSchema, logLineView } from "@/lib/logs/list-logs";
import { getProject } from "@/lib/projects/get-project";

// One trace of a project as its runtime logs tell it: the router's line for
// each request of the trace (start, duration, status, deployment, SHA, arm,
// instance) and what the function printed while it handled that request,
// stack traces included (host.mjs tags those lines with the trace). Which
// request lines carry a trace id: lib/router/server.ts startTrace. `traceUrl`
// also opens it in the operator's tracing UI when TRACE_URL is set.

const MAX_LINES = 500;

const input = z.object({
  traceId: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.string().regex(/^[0-9a-f]{32}$/, "must be a W3C trace id (32 hex digits)")),
});

export const traceSchema = z.object({
  traceId: z.string(),
  /** In time order: a request line at its start (its time less its duration), an output line when it was written. */
  lines: z.array(logLineSchema),
  /** When the first request began (its line's time less its duration), and the last line's time. */
  startedAt: z.string(),
  endedAt: z.string(),
  /** More than MAX_LINES lines: the first ones are shown. */
  truncated: z.boolean(),
  traceUrl: z.string().nullable(),
});

export type TraceView = z.infer<typeof traceSchema>;

export async function getTrace({ ctx, slug, input: raw }: { ctx: Ctx; slug: string; input: unknown }): Promise<TraceView> {
  const { project } = await getProject({ ctx, slug, action: "logs.read" });
  const { traceId } = parseInput(input, raw);
  const traceUrl = loadConfig().TRACE_URL;
  const rows = await ctx.db.logLine.findMany({ where: { traceId, projectId: project.id }, orderBy: { id: "asc" }, take: MAX_LINES + 1 });
  // None: a wrong id, another project's trace, or lines past the retention.
  if (rows.length === 0) throw notFound(`Trace ${traceId}`);
  // A request's line is written once its response begins, after what its function printed meanwhile.
  const began = (l: { at: Date; durationMs: number | null }) => l.at.getTime() - (l.durationMs ?? 0);
  const kept = rows.slice(0, MAX_LINES).sort((a, b) => began(a) - began(b) || Number(a.id - b.id));
  const starts = kept.map(began);
  const ends = kept.map((l) => l.at.getTime());
  return traceSchema.parse({
    traceId,
    lines: kept.map((l) => logLineView(l, traceUrl)),
    startedAt: new Date(Math.min(...starts)).toISOString(),
    endedAt: new Date(Math.max(...ends)).toISOString(),
    truncated: rows.length > MAX_LINES,
    traceUrl: traceUrl ? traceUrl.replaceAll("{traceId}", traceId) : null,
  });
}
