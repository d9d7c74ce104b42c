import type { Ctx } from "@/lib/auth/ctx";
import { summarySelect, withAuthors, withCanaryWeights } from "@/lib/deployments/deployment-summary";
import { getProject } from "@/lib/projects/get-project";

export const ACTIVE_DAYS = 30;
const MAX_BRANCHES = 100;

// A project's active branches: those a route serves now, and those deployed in
// the last ACTIVE_DAYS days. Each comes with its latest deployment and the host
// label it is served at (`<slug>` for the production branch,
// `<slug>-git-<branch>` for a preview), null while nothing serves it.
// The production branch comes first, then the most recently deployed.
export async function listBranches({ ctx, slug }: { ctx: Ctx; slug: string }) {
  const { project } = await getProject({ ctx, slug });
  const since = new Date(Date.now() - ACTIVE_DAYS * 24 * 3600 * 1000);
  const [routes, latest] = await Promise.all([
    ctx.db.route.findMany({
      where: { projectId: project.id, kind: { in: ["production", "branch"] }, liveDeploymentId: { not: null } },
      select: { name: true, kind: true, branch: true },
    }),
    // The branches deployed since `since` (a range of the history index) and
    // the served ones, then the newest deployment of each (one probe of the
    // (project_id, branch, created_at) index per branch): the cost follows
    // recent activity, not the length of the history.
    ctx.db.$queryRaw<{ id: string }[]>`
      SELECT l.id FROM (
        SELECT DISTINCT branch FROM deployments WHERE project_id = ${project.id}::uuid AND created_at >= ${since}
        UNION SELECT branch FROM routes
          WHERE project_id = ${project.id}::uuid AND kind = 'branch' AND live_deployment_id IS NOT NULL
        UNION SELECT ${project.productionBranch} FROM routes
          WHERE project_id = ${project.id}::uuid AND kind = 'production' AND live_deployment_id IS NOT NULL
      ) b CROSS JOIN LATERAL (
        SELECT id FROM deployments d WHERE d.project_id = ${project.id}::uuid AND d.branch = b.branch
        ORDER BY d.created_at DESC, d.id DESC LIMIT 1
      ) l`,
  ]);
  // The production route stands for the production branch (over a preview route of that branch, if any).
  const servedAt = new Map(routes.filter((r) => r.kind === "branch").map((r) => [r.branch!, r.name]));
  for (const r of routes) if (r.kind === "production") servedAt.set(project.productionBranch, r.name);

  const rows = latest.length ? await ctx.db.deployment.findMany({ where: { id: { in: latest.map((r) => r.id) } }, select: summarySelect }) : [];
  const isProduction = (branch: string) => branch === project.productionBranch;
  rows.sort((a, b) => Number(isProduction(b.branch)) - Number(isProduction(a.branch)) || b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  const shown = rows.slice(0, MAX_BRANCHES);
  const [authored, weighted] = await Promise.all([withAuthors(ctx.db, shown), withCanaryWeights(ctx.db, shown)]);
  return {
    productionBranch: project.productionBranch,
    branches: authored.map((d, i) => ({
      name: d.branch,
      production: isProduction(d.branch),
      routeName: servedAt.get(d.branch) ?? null,
      latestDeployment: { ...d, canaryWeight: weighted[i].canaryWeight },
    })),
    // More active branches than the list shows (the least recently deployed are left out).
    truncated: rows.length > MAX_BRANCHES,
  };
}
