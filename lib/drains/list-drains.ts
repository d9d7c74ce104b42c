import { z } from "zod";
import type { Ctx } from "@/lib/auth/ctx";
import { drainSchema, drainView } from "@/lib/drains/drain-view";
import { getProject } from "@/lib/projects/get-project";

export const drainListSchema = z.object({ drains: z.array(drainSchema) });
export type DrainList = z.infer<typeof drainListSchema>;

// A project's drains and how their deliveries go (admins: a drain's URL may carry a token).
export async function listDrains({ ctx, slug }: { ctx: Ctx; slug: string }): Promise<DrainList> {
  const { project } = await getProject({ ctx, slug, action: "project.update" });
  const drains = await ctx.db.logDrain.findMany({ where: { projectId: project.id }, orderBy: { createdAt: "asc" } });
  return drainListSchema.parse({ drains: drains.map(drainView) });
}
