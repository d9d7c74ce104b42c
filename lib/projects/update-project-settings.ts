import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import { parseInput } from "@/lib/errors/parse-input";
import { getProject } from "@/lib/projects/get-project";
import { branchName, outputDirectory } from "@/lib/projects/project-input";

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
    outputDirectory: outputDirectory.optional(),
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
    const { project } = await getProject({ ctx, slug, action: "project.update", tx });
    const updated = await tx.project.update({ where: { id: project.id }, data, select: projectSettingsSelect });
    await recordAudit(tx, ctx, { teamId: project.teamId, action: "project.update", targetType: "project", targetId: project.id, data });
    return { project: updated };
  });
}
