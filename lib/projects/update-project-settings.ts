import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { Prisma } from "@/lib/generated/prisma/client";
import type { Ctx } from "@/lib/auth/ctx";
import { parseInput } from "@/lib/errors/parse-input";
import { getProject } from "@/lib/projects/get-project";
import { branchName, outputDirectory } from "@/lib/projects/project-input";
import { type RolloutChoice, rolloutChoiceSchema, settingsIssue } from "@/lib/rollouts/rollout-settings";
import { loadConfig } from "@/lib/config/env";
import { ROUTES_CHANNEL } from "@/lib/routes/lock-route";
import { checkAllowList, type HostPort, parseHostPort } from "@/lib/sandbox/egress-rules";

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

// host:port entries the sandbox lets the project's migrate step and functions
// reach besides the internet (an app database on this machine or the private
// network). The platform's own ports are refused.
const egressAllow = z
  .array(z.string().trim().max(300), { error: "egressAllow must be a list of host:port entries." })
  .max(20, "At most 20 host:port entries.")
  .transform((entries, c) => {
    const parsed: HostPort[] = [];
    for (const entry of entries) {
      const hp = parseHostPort(entry);
      if (!hp) {
        c.addIssue({ code: "custom", message: `${JSON.stringify(entry)} is not host:port (e.g. 127.0.0.1:5432 or [fd00::5]:5432).` });
        return z.NEVER;
      }
      parsed.push(hp);
    }
    const problem = checkAllowList(parsed, platformPorts());
    if (problem) {
      c.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
    return [...new Set(parsed.map(({ host, port }) => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`)))];
  });

/** The ports Slipway itself listens on (and its database's): never reachable from a sandbox. */
function platformPorts(): number[] {
  const c = loadConfig();
  const db = c.DATABASE_URL ? Number(new URL(c.DATABASE_URL).port || 5432) : c.EMBEDDED_PG_PORT;
  return [c.PORT, c.ROUTER_PORT, c.ROUTER_ADMIN_PORT, db];
}

const input = z
  .object({
    installCommand: command.optional(),
    buildCommand: command.optional(),
    outputDirectory: outputDirectory.optional(),
    productionBranch: branchName.optional(),
    rolloutSettings: rolloutSettings.optional(),
    egressAllow: egressAllow.optional(),
    hsts: z.boolean("hsts must be true or false.").optional(),
  })
  .strict();

export const projectSettingsSelect = {
  slug: true,
  installCommand: true,
  buildCommand: true,
  outputDirectory: true,
  productionBranch: true,
  rolloutSettings: true,
  egressAllow: true,
  hsts: true,
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
    // The routers read HSTS with the routes: a full re-read (on commit) brings it to every route of the project.
    if (rest.hsts !== undefined) await tx.$executeRaw`SELECT pg_notify(${ROUTES_CHANNEL}, ${JSON.stringify({ resync: true })})`;
    await recordAudit(tx, ctx, { teamId: project.teamId, action: "project.update", targetType: "project", targetId: project.id, data: audited });
    return { project: updated };
  });
}
