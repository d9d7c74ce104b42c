import { randomBytes } from "node:crypto";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import { loadConfig } from "@/lib/config/env";
import { checkDrainUrl } from "@/lib/drains/drain-address";
import { drainSchema, drainView } from "@/lib/drains/drain-view";
import { conflict, invalid } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { getProject } from "@/lib/projects/get-project";
import { currentSecretKey } from "@/lib/secrets/keyring";
import { seal } from "@/lib/secrets/seal";

const MAX_DRAINS = 10;
const input = z.object({ url: z.string().trim().min(1, "Give the URL that receives the logs.").max(2048) });

export const createdDrainSchema = z.object({ drain: drainSchema, secret: z.string() });
export type CreatedDrain = z.infer<typeof createdDrainSchema>;

// A new drain for the project's runtime logs, from now on (lines already
// stored are not sent). Its signing secret is returned here, once; it is
// stored sealed.
export async function createDrain({ ctx, slug, input: raw }: { ctx: Ctx; slug: string; input: unknown }): Promise<CreatedDrain> {
  const { url } = parseInput(input, raw);
  const checked = checkDrainUrl(url, loadConfig().DRAIN_ALLOW_PRIVATE === "true");
  if (!checked.ok) throw invalid(`url: ${checked.message}`, { fields: { url: checked.message } });
  const secret = randomBytes(32).toString("hex");
  const secretEnc = seal(await currentSecretKey(), secret);
  return ctx.db.$transaction(async (tx) => {
    const { project } = await getProject({ ctx, slug, action: "project.update", tx });
    if ((await tx.logDrain.count({ where: { projectId: project.id } })) >= MAX_DRAINS) throw conflict(`A project has at most ${MAX_DRAINS} log drains; remove one first.`);
    const [{ max }] = await tx.$queryRaw<{ max: bigint | null }[]>`SELECT max(id) AS max FROM log_lines WHERE project_id = ${project.id}::uuid`;
    const drain = await tx.logDrain.create({ data: { projectId: project.id, url: checked.url.toString(), secretEnc, cursor: max ?? 0n } });
    await recordAudit(tx, ctx, { teamId: project.teamId, action: "drain.create", targetType: "log_drain", targetId: drain.id, data: { project: project.slug, url: drain.url } });
    return createdDrainSchema.parse({ drain: drainView(drain), secret });
  });
}
