import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { Prisma } from "@/lib/generated/prisma/client";
import type { Ctx } from "@/lib/auth/ctx";
import { parseInput } from "@/lib/errors/parse-input";
import { getProject } from "@/lib/projects/get-project";
import { branchName, outputDirectory } from "@/lib/projects/project-input";
import { type RolloutChoice, rolloutChoiceSchema, settingsIssue } from "@/lib/rollouts/rollout-settings";

// An empty command means "use the default" (npm ci / npm install, npm run build).
const command = z
  .string()
  .trim()
  .max(2000, "Commands are at most 2000 characters.")
  .transform((s) => (s === "" ? null : s))
  .nullable();

// How deployments of the project are rolled out: settings (missing fields take
// the defaults), "skip", or null for the defaults. An app's slipway.json
// `canary` wins over it for that deployment.
const rolloutSettings = z.unknown().transform((value, c): RolloutChoice | null | undefined => {
  if (value === undefined || value === null) return value;
  const parsed = rolloutChoiceSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = settingsIssue(parsed.error);
  c.addIssue({ code: "custom", path: issue.path, message: issue.message });
  return z.NEVER;
});

const input = z
  .object({
    installCommand: command.optional(),
    buildCommand: command.optional(),
    outputDirectory: outputDirectory.optional(),
    productionBranch: branchName.optional(),
    rolloutSettings: rolloutSettings.optional(),
  })
  .strict();

export const projectSettingsSelect = {
  slug: true,
  installCommand: true,
  buildCommand: true,
  outputDirectory: true,
  productionBranch: true,
  rolloutSettings: true,
} as const;

// The build and rollout settings a deployment uses unless the app's slipway.json says otherwise.
export async function updateProjectSettings({ ctx, slug, input: raw }: { ctx: Ctx; slug: string; input: unknown }) {
  const { rolloutSettings: rollout, ...rest } = parseInput(input, raw);
  const data = {
    ...rest,
    ...(rollout === undefined ? {} : { rolloutSettings: rollout === null ? Prisma.DbNull : (rollout as Prisma.InputJsonValue) }),
  };
  const audited = { ...rest, ...(rollout === undefined ? {} : { rolloutSettings: rollout }) } as Prisma.InputJsonValue;
  return ctx.db.$transaction(async (tx) => {
    const { project } = await getProject({ ctx, slug, action: "project.update", tx });
    const updated = await tx.project.update({ where: { id: project.id }, data, select: projectSettingsSelect });
    await recordAudit(tx, ctx, { teamId: project.teamId, action: "project.update", targetType: "project", targetId: project.id, data: audited });
    return { project: updated };
  });
}
