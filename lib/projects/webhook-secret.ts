import { randomBytes } from "node:crypto";
import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import { loadConfig } from "@/lib/config/env";
import { getProject } from "@/lib/projects/get-project";
import { currentSecretKey } from "@/lib/secrets/keyring";
import { seal, unseal, UnsealError } from "@/lib/secrets/seal";

export const WEBHOOK_ROTATE_ACTION = "project.rotateWebhookSecret";

// Where a project's git host sends pushes: PUBLIC_URL when the operator set it,
// else the origin the caller reached the console at.
export function webhookUrl(slug: string, requestOrigin: string) {
  const base = loadConfig().PUBLIC_URL ?? requestOrigin;
  return `${base.replace(/\/+$/, "")}/api/hooks/git/${encodeURIComponent(slug)}`;
}

// A new signing secret for the project's push webhook, replacing any previous
// one at once. Stored sealed; the plaintext is returned only here, once.
export async function rotateWebhookSecret({ ctx, slug, requestOrigin }: { ctx: Ctx; slug: string; requestOrigin: string }) {
  const secret = randomBytes(32).toString("hex");
  const sealed = seal(await currentSecretKey(), secret);
  return ctx.db.$transaction(async (tx) => {
    const { project } = await getProject({ ctx, slug, action: "project.update", tx });
    const previous = await tx.project.findUniqueOrThrow({ where: { id: project.id }, select: { webhookSecretEnc: true } });
    await tx.project.update({ where: { id: project.id }, data: { webhookSecretEnc: sealed } });
    await recordAudit(tx, ctx, {
      teamId: project.teamId,
      action: WEBHOOK_ROTATE_ACTION,
      targetType: "project",
      targetId: project.id,
      data: { project: project.slug, replaced: previous.webhookSecretEnc !== null },
    });
    return { secret, url: webhookUrl(project.slug, requestOrigin) };
  });
}

export type WebhookSecretStatus = { configured: boolean; url: string; updatedAt?: Date | null; problem?: string };

// Whether pushes can be received, and since when; never the secret. `problem`
// is set when the stored secret cannot be opened with this server's keys.
export async function webhookSecretStatus({ ctx, slug, requestOrigin }: { ctx: Ctx; slug: string; requestOrigin: string }): Promise<WebhookSecretStatus> {
  const { project } = await getProject({ ctx, slug });
  const { webhookSecretEnc } = await ctx.db.project.findUniqueOrThrow({ where: { id: project.id }, select: { webhookSecretEnc: true } });
  const url = webhookUrl(project.slug, requestOrigin);
  if (!webhookSecretEnc) return { configured: false, url };
  const rotated = await ctx.db.auditEvent.findFirst({
    where: { targetType: "project", targetId: project.id, action: WEBHOOK_ROTATE_ACTION },
    orderBy: { createdAt: "desc" },
    select: { createdAt: true },
  });
  return { configured: true, url, updatedAt: rotated?.createdAt ?? null, ...(await unreadable(webhookSecretEnc)) };
}

async function unreadable(sealed: string): Promise<{ problem?: string }> {
  try {
    unseal(await currentSecretKey(), sealed);
    return {};
  } catch (e) {
    if (!(e instanceof UnsealError)) throw e;
    return { problem: `The secret could not be decrypted: ${e.message}. Rotate it and update the git host.` };
  }
}
