import { z } from "zod";
import type { Certificate } from "@/lib/generated/prisma/client";

// Within this many days of expiry with no renewal under way, a certificate is shown as a warning.
export const EXPIRY_WARNING_DAYS = 14;

// What the console shows of a domain's certificate (never its key).
export const certificateView = z.object({
  hostname: z.string(),
  source: z.enum(["acme", "uploaded"]),
  state: z.enum(["pending", "issued", "renewing", "failed"]),
  issuer: z.string().nullable(),
  names: z.array(z.string()),
  notBefore: z.string().nullable(),
  notAfter: z.string().nullable(),
  issuedAt: z.string().nullable(),
  /** The CA's message from the last attempt that failed (an issued certificate keeps serving meanwhile). */
  lastError: z.string().nullable(),
  /** When it is tried again (after a failure), or renewed (once issued). */
  nextAttemptAt: z.string().nullable(),
  /** Expires within EXPIRY_WARNING_DAYS and no renewal is under way. */
  expiresSoon: z.boolean(),
});
export type CertificateView = z.infer<typeof certificateView>;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toCertificateView(c: Certificate, now = new Date()): CertificateView {
  const soon = c.notAfter !== null && c.notAfter.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * 86_400_000 && c.state !== "renewing";
  return certificateView.parse({
    hostname: c.hostname,
    source: c.source,
    state: c.state,
    issuer: c.issuer,
    names: c.names,
    notBefore: iso(c.notBefore),
    notAfter: iso(c.notAfter),
    issuedAt: iso(c.issuedAt),
    lastError: c.lastError,
    nextAttemptAt: iso(c.nextAttemptAt),
    expiresSoon: soon,
  });
}
