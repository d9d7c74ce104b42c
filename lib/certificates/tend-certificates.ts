import { issueCertificate, type IssueDeps } from "@/lib/certificates/issue-certificate";
import { notifyCertificatesChanged } from "@/lib/certificates/notify-certificates";

// How long a claimed certificate is left to the worker that claimed it (an
// order takes seconds; a worker that dies meanwhile frees it after this).
const CLAIM_MS = 10 * 60_000;

// The worker's pass over certificates (every minute, lib/jobs/registry.ts):
// every verified custom domain gets a certificate row, rows whose domain is
// gone go (and the routers stop serving them), and up to `max` rows that are
// due (new, failed and due again, or past two thirds of their lifetime) are
// claimed (FOR UPDATE SKIP LOCKED: two workers never order the same name) and
// ordered one after another. `only`: just these names (a domain verified a
// moment ago), not whatever else is due.
export async function tendCertificates(deps: IssueDeps & { max?: number; only?: string[] }) {
  const { db } = deps;
  const now = deps.now?.() ?? new Date();
  const only = deps.only ?? null;
  const verified = await db.domain.findMany({ where: { status: "verified", ...(only ? { hostname: { in: only } } : {}) }, select: { hostname: true } });
  // With DNS-01 configured, the wildcard of the apps' domain too: every <project>.<APPS_DOMAIN> name is then HTTPS.
  const wildcard = deps.settings.dns && (!only || only.includes(deps.settings.dns.wildcard)) ? [deps.settings.dns.wildcard] : [];
  const names = [...verified.map((d) => d.hostname), ...wildcard];
  if (names.length) await db.certificate.createMany({ data: names.map((hostname) => ({ hostname, nextAttemptAt: now })), skipDuplicates: true });
  const removed = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ hostname: string }[]>`
      DELETE FROM certificates c WHERE c.source = 'acme' AND c.hostname NOT LIKE '*.%'
        AND NOT EXISTS (SELECT 1 FROM domains d WHERE d.hostname = c.hostname)
      RETURNING c.hostname`;
    if (rows.length) await notifyCertificatesChanged(tx);
    return rows.map((r) => r.hostname);
  });
  const claimed = await db.$queryRaw<{ hostname: string }[]>`
    UPDATE certificates SET next_attempt_at = ${new Date(now.getTime() + CLAIM_MS)},
      state = CASE WHEN state = 'issued' THEN 'renewing'::"CertificateState" ELSE state END, updated_at = now()
    WHERE id IN (
      SELECT id FROM certificates WHERE source = 'acme' AND next_attempt_at <= ${now}
        AND (${only}::text[] IS NULL OR hostname = ANY(${only}::text[]))
      ORDER BY next_attempt_at LIMIT ${deps.max ?? 5} FOR UPDATE SKIP LOCKED)
    RETURNING hostname`;
  const issued: string[] = [];
  const failed: string[] = [];
  for (const { hostname } of claimed) ((await issueCertificate(deps, hostname)) === "issued" ? issued : failed).push(hostname);
  return { issued, failed, removed };
}
