import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import type { Ctx } from "@/lib/auth/ctx";
import { CertificateError, issuedColumns, readCertificate } from "@/lib/certificates/certificate-info";
import { toCertificateView } from "@/lib/certificates/certificate-view";
import { notifyCertificatesChanged } from "@/lib/certificates/notify-certificates";
import { findDomain } from "@/lib/domains/find-domain";
import { invalid } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import { enqueue } from "@/lib/jobs/enqueue";
import { currentSecretKey } from "@/lib/secrets/keyring";
import { seal } from "@/lib/secrets/seal";

export const uploadCertificateInput = z
  .object({
    certificate: z.string("The certificate is required: its PEM chain, leaf first.").min(1, "The certificate is required: its PEM chain, leaf first.").max(64 * 1024, "A certificate chain is at most 64 KB."),
    privateKey: z.string("The private key is required, in PEM.").min(1, "The private key is required, in PEM.").max(16 * 1024, "A private key is at most 16 KB."),
  })
  .strict();

// An operator's own certificate for a verified domain, instead of the ACME
// CA's: checked (a PEM chain, the key is the leaf's, it covers the domain, it
// is valid now), then served by every router like an issued one. It is never
// renewed by Slipway; the console warns before it expires. Removing it lets
// ACME take over again.
export async function uploadCertificate({ ctx, id, input, now = new Date() }: { ctx: Ctx; id: string; input: unknown; now?: Date }) {
  const { certificate, privateKey } = parseInput(uploadCertificateInput, input);
  const domain = await findDomain({ ctx, id, action: "domain.write" });
  if (domain.status !== "verified") throw invalid(`Verify ${domain.hostname} first: certificates are served for verified domains only.`);
  let info;
  try {
    info = readCertificate(certificate, { keyPem: privateKey, hostname: domain.hostname });
  } catch (e) {
    if (e instanceof CertificateError) throw invalid(e.message);
    throw e;
  }
  if (info.notAfter <= now) throw invalid(`The certificate expired on ${info.notAfter.toISOString().slice(0, 10)}.`);
  if (info.notBefore > now) throw invalid(`The certificate is not valid before ${info.notBefore.toISOString()}.`);
  const keyEnc = seal(await currentSecretKey(), privateKey.trim() + "\n");
  // Never renewed by Slipway: no next attempt.
  const data = { source: "uploaded" as const, ...issuedColumns(certificate.trim() + "\n", keyEnc, info, now), nextAttemptAt: null };
  const row = await ctx.db.$transaction(async (tx) => {
    const saved = await tx.certificate.upsert({ where: { hostname: domain.hostname }, create: { hostname: domain.hostname, ...data }, update: data });
    await notifyCertificatesChanged(tx);
    await recordAudit(tx, ctx, {
      teamId: domain.project.teamId,
      action: "domain.certificate.upload",
      targetType: "domain",
      targetId: domain.id,
      data: { hostname: domain.hostname, names: info.names, issuer: info.issuer, notAfter: info.notAfter.toISOString(), fingerprint: info.fingerprint },
    });
    return saved;
  });
  return { certificate: toCertificateView(row, now) };
}

// Removes an uploaded certificate: the domain goes back to ACME (a certificate
// is requested now, when ACME is configured).
export async function removeUploadedCertificate({ ctx, id }: { ctx: Ctx; id: string }) {
  const domain = await findDomain({ ctx, id, action: "domain.write" });
  return ctx.db.$transaction(async (tx) => {
    const { count } = await tx.certificate.deleteMany({ where: { hostname: domain.hostname, source: "uploaded" } });
    if (count === 0) throw invalid(`${domain.hostname} has no uploaded certificate.`);
    await notifyCertificatesChanged(tx);
    await enqueue(tx, "tend-certificates", { hostname: domain.hostname }, { queue: "certificates", maxAttempts: 1 });
    await recordAudit(tx, ctx, { teamId: domain.project.teamId, action: "domain.certificate.remove", targetType: "domain", targetId: domain.id, data: { hostname: domain.hostname } });
    return { ok: true };
  });
}
