import type { Ctx } from "@/lib/auth/ctx";

// Projects of every team the actor belongs to (a token sees its own team only),
// newest first, with the latest deployment for the list's status column.
export async function listProjects({ ctx }: { ctx: Ctx }) {
  const { actor } = ctx;
  const where =
    actor.kind === "system"
      ? {}
      : actor.kind === "token"
        ? { teamId: actor.teamId, team: { memberships: { some: { userId: actor.userId } } } }
        : { team: { memberships: { some: { userId: actor.userId } } } };
  const projects = await ctx.db.project.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 200,
    select: {
      id: true,
      slug: true,
      name: true,
      teamId: true,
      sourceKind: true,
      gitUrl: true,
      sourcePath: true,
      productionBranch: true,
      createdAt: true,
      team: { select: { name: true, slug: true } },
      deployments: {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: 1,
        select: { id: true, status: true, createdAt: true, branch: true, commitSha: true },
      },
    },
  });
  return projects.map(({ deployments, ...p }) => ({ ...p, latestDeployment: deployments[0] ?? null }));
}

export type ProjectListItem = Awaited<ReturnType<typeof listProjects>>[number];
