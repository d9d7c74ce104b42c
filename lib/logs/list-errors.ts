import { z } from "zod";
import type { Ctx } from "@/lib/auth/ctx";
import { loadDeployment } from "@/lib/deployments/load-deployment";

// A deployment's errors, grouped (lib/logs/error-events.ts), the most recent first.
const MAX_GROUPS = 100;

export const errorGroupSchema = z.object({
  id: z.string(),
  message: z.string(),
  stack: z.string(),
  count: z.number(),
  firstSeen: z.string(),
  lastSeen: z.string(),
});

export const errorListSchema = z.object({ deploymentId: z.string(), sha: z.string(), errors: z.array(errorGroupSchema) });

export type ErrorGroupView = z.infer<typeof errorGroupSchema>;
export type ErrorList = z.infer<typeof errorListSchema>;

export async function listErrors({ ctx, id }: { ctx: Ctx; id: string }): Promise<ErrorList> {
  const { deployment } = await loadDeployment(ctx, id, "logs.read");
  const groups = await ctx.db.errorGroup.findMany({ where: { deploymentId: deployment.id }, orderBy: { lastSeen: "desc" }, take: MAX_GROUPS });
  return errorListSchema.parse({
    deploymentId: deployment.id,
    sha: deployment.commitSha,
    errors: groups.map((g) => ({ id: g.id, message: g.message, stack: g.stack, count: g.count, firstSeen: g.firstSeen.toISOString(), lastSeen: g.lastSeen.toISOString() })),
  });
}
