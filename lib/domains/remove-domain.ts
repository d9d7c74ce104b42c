import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import { findDomain } from "@/lib/domains/find-domain";
import { notifyCertificatesChanged } from "@/lib/certificates/notify-certificates";
import { notifyDomainsChanged } from "@/lib/domains/notify-domains";
import { notFound } from "@/lib/errors/app-error";

// Removes a domain and its certificate; the routers drop both when the transaction commits.
export async function removeDomain({ ctx, id }: { ctx: Ctx; id: string }) {
  return ctx.db.$transaction(async (tx) => {
    const domain = await findDomain({ ctx, id, action: "domain.write", tx });
    const { count } = await tx.domain.deleteMany({ where: { id } });
    if (count === 0) throw notFound("Domain");
    // Always, not only for verified rows: a verify may have committed since the read above.
    await notifyDomainsChanged(tx);
    const certificates = await tx.certificate.deleteMany({ where: { hostname: domain.hostname } });
    if (certificates.count > 0) await notifyCertificatesChanged(tx);
    await recordAudit(tx, ctx, {
      teamId: domain.project.teamId,
      action: "domain.remove",
      targetType: "domain",
      targetId: id,
      data: { hostname: domain.hostname, branch: domain.branch, project: domain.project.slug },
    });
    return { ok: true };
  });
}
