import { recordAudit } from "@/lib/audit/record-audit";
import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import { conflict, invalid } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { Prisma } from "@/lib/generated/prisma/client";
import { createProjectInput } from "@/lib/projects/project-input";
import { allowLocalGit, LOCAL_REPO_REFUSED, parseRepoLocation } from "@/lib/projects/repo-location";

// Creates the project and its production route. The route exists from the
// start and answers 404 until a deployment goes live behind it (seed 003).
export async function createProject({ ctx, input }: { ctx: Ctx; input: unknown }) {
  const data = parseInput(createProjectInput, input);
  if (data.sourceKind === "git" && parseRepoLocation(data.gitUrl)?.kind === "local" && !allowLocalGit()) {
    throw invalid(`gitUrl: ${LOCAL_REPO_REFUSED}`, { fields: { gitUrl: LOCAL_REPO_REFUSED } });
  }
  try {
    return await ctx.db.$transaction(async (tx) => {
      await authorize(ctx, data.teamId, "project.create", tx);
      const project = await tx.project.create({
        data: {
          teamId: data.teamId,
          name: data.name,
          slug: data.slug,
          sourceKind: data.sourceKind,
          gitUrl: data.sourceKind === "git" ? data.gitUrl : null,
          sourcePath: data.sourceKind === "directory" ? data.sourcePath : null,
          productionBranch: data.productionBranch,
          outputDirectory: data.outputDirectory,
        },
      });
      await tx.route.create({ data: { name: project.slug, kind: "production", projectId: project.id } });
      await recordAudit(tx, ctx, {
        teamId: project.teamId,
        action: "project.create",
        targetType: "project",
        targetId: project.id,
        data: { slug: project.slug, sourceKind: project.sourceKind },
      });
      return project;
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      throw conflict(`The slug "${data.slug}" is taken; choose another.`);
    }
    throw e;
  }
}
