"use client";

import Link from "next/link";
import { useDomains } from "@/components/domains/queries";
import { Alert } from "@/components/ui/alert";

// On the project page: domains whose certificate expires within 14 days with no
// renewal under way, or that the CA refused. Nothing while all is well.
export function CertificateWarnings({ slug }: { slug: string }) {
  const domains = useDomains(slug);
  const list = domains.data?.domains ?? [];
  const expiring = list.filter((d) => d.certificate?.expiresSoon);
  const refused = list.filter((d) => d.certificate?.state === "failed");
  if (expiring.length === 0 && refused.length === 0) return null;
  const names = (ds: typeof list) => ds.map((d) => d.displayHostname).join(", ");
  return (
    <div className="mb-4" data-testid="certificate-warnings">
      <Alert tone="error">
        {expiring.length > 0 && <>HTTPS certificate expiring within 14 days, with no renewal under way: {names(expiring)}. </>}
        {refused.length > 0 && <>The certificate authority refused a certificate for {names(refused)}. </>}
        <Link href={`/projects/${slug}/domains`} className="font-medium underline">
          See the domains
        </Link>
      </Alert>
    </div>
  );
}
