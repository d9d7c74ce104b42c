import type { CertificateView } from "@/lib/certificates/certificate-view";
import type { DomainStatus } from "@/lib/generated/prisma/enums";

// The JSON shapes of the domains API (dates arrive as ISO strings).
export type Domain = {
  id: string;
  hostname: string;
  // The host name as people write it (international names decoded from punycode).
  displayHostname: string;
  // null: the production route; otherwise the branch whose preview it serves.
  branch: string | null;
  status: DomainStatus;
  verifiedAt: string | null;
  lastCheckedAt: string | null;
  lastError: string | null;
  createdAt: string;
  txtRecord: { type: "TXT"; name: string; value: string };
  certificate: CertificateView | null;
};

export type DomainList = {
  domains: Domain[];
  https: { acme: boolean; port: number | null; projectName: { hostname: string; certificate: CertificateView | null } | null };
};
export type VerifyResult = { domain: Domain; verified: boolean; error: string | null };
export type AddDomainBody = { hostname: string; branch: string | null };
