import type { Ctx } from "@/lib/auth/ctx";
import { toDomainView } from "@/lib/domains/domain-view";
import { getProject } from "@/lib/projects/get-project";

// A project's custom domains, oldest first, so the list keeps its order as states change.
export async function listDomains({ ctx, slug }: { ctx: Ctx; slug: string }) {
  const { project } = await getProject({ ctx, slug, action: "domain.read" });
  const rows = await ctx.db.domain.findMany({ where: { projectId: project.id }, orderBy: [{ createdAt: "asc" }, { hostname: "asc" }] });
  return { domains: rows.map(toDomainView) };
}
