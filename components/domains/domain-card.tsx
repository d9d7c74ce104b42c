"use client";

import { domainState, DomainStatusBadge } from "@/components/domains/domain-status";
import { useVerifyDomain } from "@/components/domains/queries";
import { TxtRecordTable } from "@/components/domains/txt-record-table";
import { CertificateActions } from "@/components/domains/certificate-dialog";
import { CertificateLine } from "@/components/domains/certificate-line";
import type { Domain, DomainList, VerifyResult } from "@/components/domains/types";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Panel } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";

type Props = { slug: string; domain: Domain; https: DomainList["https"]; canManage: boolean; onRemove: () => void };

// One domain: where it points, its state, and until it is verified the record
// to create and a Verify button that checks DNS now and says what it found.
export function DomainCard({ slug, domain, https, canManage, onRemove }: Props) {
  const verify = useVerifyDomain(slug);
  // The result of a check made here, until a later check (the worker's, seen on a refetch) replaces it.
  const result = verify.data?.domain.lastCheckedAt === domain.lastCheckedAt ? verify.data : undefined;
  const state = domainState(domain);
  const verified = domain.status === "verified";
  const titleId = `domain-${domain.id}`;
  return (
    <Panel className="p-4 sm:p-5">
      <article aria-labelledby={titleId} data-testid="domain" data-hostname={domain.hostname} className="space-y-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0 space-y-1">
            <div className="flex flex-wrap items-center gap-2">
              <h3 id={titleId} className="font-mono text-base font-medium [overflow-wrap:anywhere] text-zinc-900">
                {domain.displayHostname}
              </h3>
              <DomainStatusBadge domain={domain} />
            </div>
            <p className="text-sm text-zinc-600">
              {domain.branch ? (
                <>
                  Serves the preview of branch <span className="font-mono">{domain.branch}</span>
                </>
              ) : (
                "Serves production"
              )}
              {domain.displayHostname !== domain.hostname && <span className="font-mono text-zinc-500"> · {domain.hostname}</span>}
            </p>
            <CheckedLine domain={domain} />
          </div>
          {canManage && (
            <div className="flex shrink-0 gap-2">
              {/* One button in both states, so focus stays on it when a check verifies the domain. */}
              <Button
                variant="secondary"
                pending={verify.isPending}
                onClick={() => verify.mutate(domain.id)}
                aria-label={`${verified ? "Check again" : "Verify"} ${domain.displayHostname}`}
              >
                {verified ? "Check again" : "Verify"}
              </Button>
              <Button variant="danger-secondary" onClick={onRemove} aria-haspopup="dialog" aria-label={`Remove ${domain.displayHostname}`}>
                Remove
              </Button>
            </div>
          )}
        </div>

        {/* A check just made speaks for itself; otherwise the last stored one does. */}
        {verify.error && <Alert tone="error">The check could not run: {verify.error.message}</Alert>}
        {result && <VerifyOutcome domain={domain} result={result} />}
        {!result && state === "error" && domain.lastError && (
          <p className="text-sm text-red-700" data-testid="domain-error">
            {domain.lastError}.
          </p>
        )}
        {!result && verified && domain.lastError && (
          <Alert tone="info">
            The last check found a problem ({domain.lastError}); the domain is still served. Keep the TXT record so Slipway can
            re-check it.
          </Alert>
        )}
        {verified && (
          <div className="space-y-2">
            <CertificateLine domain={domain} https={https} />
            {canManage && <CertificateActions slug={slug} domain={domain} />}
          </div>
        )}
        {!verified && <Instructions domain={domain} canManage={canManage} />}
      </article>
    </Panel>
  );
}

function CheckedLine({ domain }: { domain: Domain }) {
  if (domain.status === "verified" && domain.verifiedAt) {
    return (
      <p className="text-xs text-zinc-500">
        Verified <RelativeTime value={domain.verifiedAt} />
        {domain.lastCheckedAt && checkedLater(domain.verifiedAt, domain.lastCheckedAt) && (
          <>
            {" "}
            · checked <RelativeTime value={domain.lastCheckedAt} />
          </>
        )}
      </p>
    );
  }
  return (
    <p className="text-xs text-zinc-500">
      {domain.lastCheckedAt ? (
        <>
          Last checked <RelativeTime value={domain.lastCheckedAt} />
        </>
      ) : (
        "Not checked yet"
      )}
      {domain.status === "pending" && " · Slipway checks every minute"}
    </p>
  );
}

// A re-check worth mentioning: not the check that verified the domain.
const checkedLater = (verifiedAt: string, checkedAt: string) => new Date(checkedAt).getTime() - new Date(verifiedAt).getTime() > 60_000;

function VerifyOutcome({ domain, result }: { domain: Domain; result: VerifyResult }) {
  if (result.verified) {
    return (
      <Alert tone="success">
        Verified. {domain.displayHostname} serves {domain.branch ? `the preview of ${domain.branch}` : "production"}.
      </Alert>
    );
  }
  const stillServed = result.domain.status === "verified";
  return (
    <Alert tone="error">
      {stillServed ? "The record was not found" : "Not verified"}: {result.error}.{" "}
      {stillServed ? "The domain is still served." : "DNS changes can take a few minutes to appear."}
    </Alert>
  );
}

function Instructions({ domain, canManage }: { domain: Domain; canManage: boolean }) {
  return (
    <div className="space-y-2 rounded-md border border-zinc-200 bg-zinc-50 px-3 py-2 sm:px-4">
      <p className="pt-1 text-sm text-zinc-700">
        {canManage
          ? "To prove the domain is yours, create this record at your DNS provider, then press Verify."
          : "This record proves the domain is yours; a team admin creates it at the DNS provider and verifies it."}
        {domain.status === "failed" && " Slipway stopped checking by itself after 7 days."} Visitors reach the domain once
        its A or CNAME record points at this server.
      </p>
      <TxtRecordTable domain={domain} />
    </div>
  );
}
