import { z } from "zod";
import type { Ctx } from "@/lib/auth/ctx";
import { parseInput } from "@/lib/errors/parse-input";
import { summarySelect, withAuthors, withCanaryWeights } from "@/lib/deployments/deployment-summary";
import { getProject } from "@/lib/projects/get-project";

const input = z.object({
  slug: z.string(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  // Keyset cursor: the id of the last row of the previous page.
  cursor: z.uuid().optional(),
});

// Newest first, keyset-paginated on (createdAt, id) to match the history index.
export async function listDeployments({ ctx, input: raw }: { ctx: Ctx; input: unknown }) {
  const { slug, limit, cursor } = parseInput(input, raw);
  const { project } = await getProject({ ctx, slug });
  const rows = await ctx.db.deployment.findMany({
    where: { projectId: project.id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    select: summarySelect,
  });
  const page = rows.slice(0, limit);
  return { deployments: await withCanaryWeights(ctx.db, await withAuthors(ctx.db, page)), nextCursor: rows.length > limit ? page[page.length - 1].id : null };
}
