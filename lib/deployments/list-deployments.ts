import type { Ctx } from "@/lib/auth/ctx";
import { summarySelect, withAuthors, withCanaryWeights, withRuntimeStates } from "@/lib/deployments/deployment-summary";
import { encodeCursor, HISTORY_ORDER, historyInput, historyWhere, olderThan } from "@/lib/deployments/history-query";
import { invalid } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { getProject } from "@/lib/projects/get-project";

// A project's deployment history, newest first, filtered by environment,
// branch, status(es), author and a search (SHA prefix or commit message),
// keyset-paginated on (createdAt, id): a page never repeats or skips a row,
// however many deployments arrive meanwhile. Each filter has an index of its
// own beginning with project_id (prisma/schema.prisma).
export async function listDeployments({ ctx, input: raw }: { ctx: Ctx; input: unknown }) {
  const { slug, limit, cursor, author, ...filters } = parseInput(historyInput, raw);
  const { project } = await getProject({ ctx, slug });
  const authorIds = author ? await authorActorIds(ctx, project.teamId, author) : undefined;
  const where = historyWhere(project.id, { ...filters, authorIds });
  const rows = await ctx.db.deployment.findMany({
    where: cursor ? { AND: [where, olderThan(cursor)] } : where,
    orderBy: HISTORY_ORDER,
    take: limit + 1,
    select: summarySelect,
  });
  const page = rows.slice(0, limit);
  const [authored, weighted, runtimes] = await Promise.all([withAuthors(ctx.db, page), withCanaryWeights(ctx.db, page), withRuntimeStates(ctx.db, page)]);
  return {
    deployments: authored.map((d, i) => ({ ...d, canaryWeight: weighted[i].canaryWeight, runtimeState: runtimes[i].runtimeState })),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null,
  };
}

// A person deploys as themselves or through their API tokens (of this team:
// a token only ever acts in its own team), and the history counts both.
async function authorActorIds(ctx: Ctx, teamId: string, author: string): Promise<string[]> {
  const userId = author === "me" ? (ctx.actor.kind === "system" ? null : ctx.actor.userId) : author.toLowerCase();
  if (!userId) throw invalid('author: "me" needs a signed-in user or an API token.');
  const tokens = await ctx.db.apiToken.findMany({ where: { teamId, userId }, select: { id: true } });
  return [userId, ...tokens.map((t) => t.id)];
}
