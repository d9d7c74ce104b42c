import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { authorize } from "@/lib/auth/authorize";
import type { Ctx } from "@/lib/auth/ctx";
import { relativeDir } from "@/lib/build/build-settings";
import { notFound } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { branchName } from "@/lib/projects/project-input";

// An empty command means "use the default" (npm ci / npm install, npm run build).
const command = z
  .string()
  .trim()
  .max(2000, "Commands are at most 2000 characters.")
  .transform((s) => (s === "" ? null : s))
  .nullable();

const input = z
  .object({
    installCommand: command.optional(),
    buildCommand: command.optional(),
    outputDirectory: relativeDir.optional(),
    productionBranch: branchName.optional(),
  })
  .strict();

export const projectSettingsSelect = {
  slug: true,
  installCommand: true,
  buildCommand: true,
  outputDirectory: true,
  productionBranch: true,
} as const;

// The build settings a deployment uses unless the app's slipway.json says otherwise.
export async function updateProjectSettings({ ctx, slug, input: raw }: { ctx: Ctx; slug: string; input: unknown }) {
  const data = parseInput(input, raw);
  return ctx.db.$transaction(async (tx) => {
    const project = await tx.project.findUnique({ where: { slug } });
    if (!project) throw notFound("Project");
    await authorize(ctx, project.teamId, "project.update", tx).catch((e) => {
      throw e.code === "not_found" ? notFound("Project") : e;
    });
    const updated = await tx.project.update({ where: { id: project.id }, data, select: projectSettingsSelect });
    await recordAudit(tx, ctx, { teamId: project.teamId, action: "project.update", targetType: "project", targetId: project.id, data });
    return { project: updated };
  });
}
