import { randomBytes } from "node:crypto";
import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import { loadConfig } from "@/lib/config/env";
import { addDomainInput } from "@/lib/domains/domain-input";
import { toDomainView } from "@/lib/domains/domain-view";
import { conflict, invalid } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { Prisma } from "@/lib/generated/prisma/client";
import { getProject } from "@/lib/projects/get-project";

// Adds a custom domain to a project, pending until its TXT record is verified
// (verify-domain.ts); the router serves only verified domains. A host name
// belongs to one project: the conflict names no other project.
export async function addDomain({ ctx, slug, input, appsDomain = loadConfig().APPS_DOMAIN }: { ctx: Ctx; slug: string; input: unknown; appsDomain?: string }) {
  const { hostname, branch } = parseInput(addDomainInput(appsDomain), input);
  const taken = () => conflict(`${hostname} is already added to another project.`);
  try {
    return await ctx.db.$transaction(async (tx) => {
      const { project } = await getProject({ ctx, slug, action: "domain.write", tx });
      if (branch && branch === project.productionBranch) {
        const message = `${branch} is the production branch; choose Production to serve it.`;
        throw invalid(`branch: ${message}`, { fields: { branch: message } });
      }
      const existing = await tx.domain.findUnique({ where: { hostname }, select: { projectId: true } });
      if (existing) throw existing.projectId === project.id ? conflict(`${hostname} is already added to this project.`) : taken();
      const domain = await tx.domain.create({
        data: { projectId: project.id, hostname, branch: branch ?? null, verificationToken: randomBytes(16).toString("hex") },
      });
      await recordAudit(tx, ctx, {
        teamId: project.teamId,
        action: "domain.add",
        targetType: "domain",
        targetId: domain.id,
        data: { hostname, branch: domain.branch, project: project.slug },
      });
      return { domain: toDomainView(domain) };
    });
  } catch (e) {
    // Two adds of one name at once: the unique index decides.
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") throw taken();
    throw e;
  }
}
