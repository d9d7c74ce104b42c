import type { Certificate, Domain } from "@/lib/generated/prisma/client";
import { toCertificateView } from "@/lib/certificates/certificate-view";
import { displayHostname, txtRecordName, txtRecordValue } from "@/lib/domains/hostname";

// What the API returns for a domain: its state, the TXT record that proves
// control of it, and its certificate (null: none yet). The token is no
// secret: it is meant to be published in DNS.
export function toDomainView(d: Domain, certificate: Certificate | null = null) {
  return {
    id: d.id,
    hostname: d.hostname,
    displayHostname: displayHostname(d.hostname),
    branch: d.branch,
    status: d.status,
    verifiedAt: d.verifiedAt,
    lastCheckedAt: d.lastCheckedAt,
    lastError: d.lastError,
    createdAt: d.createdAt,
    txtRecord: { type: "TXT" as const, name: txtRecordName(d.hostname), value: txtRecordValue(d.verificationToken) },
    certificate: certificate && toCertificateView(certificate),
  };
}

export type DomainView = ReturnType<typeof toDomainView>;
