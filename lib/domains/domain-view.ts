import type { Domain } from "@/lib/generated/prisma/client";
import { displayHostname, txtRecordName, txtRecordValue } from "@/lib/domains/hostname";

// What the API returns for a domain: its state and the TXT record that proves
// control of it. The token is no secret: it is meant to be published in DNS.
export function toDomainView(d: Domain) {
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
  };
}

export type DomainView = ReturnType<typeof toDomainView>;
