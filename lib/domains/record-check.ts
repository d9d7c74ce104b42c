import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import type { TxtCheck } from "@/lib/domains/check-txt";
import { notifyDomainsChanged } from "@/lib/domains/notify-domains";
import { enqueue } from "@/lib/jobs/enqueue";
import type { DomainStatus } from "@/lib/generated/prisma/enums";

// A pending domain whose record never appeared stops being re-checked by the
// worker after this long (it becomes `failed`); Verify still works on it.
export const GIVE_UP_AFTER_MS = 7 * 24 * 3600 * 1000;

// The state a check leads to. A verified domain stays verified (and routed)
// when its record disappears: ownership was proven, and dropping a live site
// because someone tidied their DNS would be worse; lastError says so instead.
export function nextStatus(current: { status: DomainStatus; createdAt: Date }, check: TxtCheck, now: Date): DomainStatus {
  if (check.verified || current.status === "verified") return "verified";
  return current.createdAt.getTime() < now.getTime() - GIVE_UP_AFTER_MS ? "failed" : current.status;
}

// Writes one check's outcome under the domain's row lock, in one transaction
// with its NOTIFY (when it became verified) and its audit row: every call a
// person makes is audited; the worker's re-checks only when the status changes.
// Returns null if the domain was removed meanwhile.
export async function recordCheck(ctx: Ctx, { id, check, audit }: { id: string; check: TxtCheck; audit: "always" | "on-change" }) {
  return ctx.db.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM domains WHERE id = ${id}::uuid FOR UPDATE`;
    if (locked.length === 0) return null;
    const current = await tx.domain.findUniqueOrThrow({ where: { id }, include: { project: { select: { teamId: true, slug: true } } } });
    const now = new Date();
    const status = nextStatus(current, check, now);
    const updated = await tx.domain.update({
      where: { id },
      data: {
        status,
        verifiedAt: status === "verified" ? (current.verifiedAt ?? now) : null,
        lastCheckedAt: now,
        lastError: check.verified ? null : check.error,
      },
    });
    const changed = status !== current.status;
    if (changed && status === "verified") {
      await notifyDomainsChanged(tx);
      // Its certificate is requested now, not at the worker's next minute (nothing happens without ACME_DIRECTORY_URL).
      await enqueue(tx, "tend-certificates", { hostname: current.hostname }, { queue: "certificates", maxAttempts: 1 });
    }
    if (audit === "always" || changed) {
      await recordAudit(tx, ctx, {
        teamId: current.project.teamId,
        action: "domain.verify",
        targetType: "domain",
        targetId: id,
        data: { hostname: current.hostname, status, ...(check.verified ? {} : { error: check.error }) },
      });
    }
    return updated;
  });
}
