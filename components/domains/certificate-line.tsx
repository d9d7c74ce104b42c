"use client";

import type { Domain, DomainList } from "@/components/domains/types";
import { RelativeTime } from "@/components/ui/relative-time";

const TONE = {
  ok: "border-emerald-200 bg-emerald-50 text-emerald-900",
  wait: "border-zinc-200 bg-zinc-50 text-zinc-700",
  warn: "border-amber-200 bg-amber-50 text-amber-900",
  error: "border-red-200 bg-red-50 text-red-900",
} as const;

// A verified domain's HTTPS: its certificate (issuer, names, expiry), one on
// its way, or why there is none (the CA's own message, and when it is tried again).
export function CertificateLine({ domain, https }: { domain: Pick<Domain, "displayHostname" | "certificate">; https: DomainList["https"] }) {
  const c = domain.certificate;
  const box = (tone: keyof typeof TONE, state: string, children: React.ReactNode) => (
    <div className={`rounded-md border px-3 py-2 text-sm ${TONE[tone]}`} data-testid="domain-certificate" data-state={state}>
      {children}
    </div>
  );
  if (!c || (c.state === "pending" && !c.lastError)) {
    if (!https.acme && !c) return box("wait", "none", "HTTPS: no certificate. This server does not request certificates (its operator sets ACME_DIRECTORY_URL).");
    return box("wait", "pending", "HTTPS: a certificate is being requested from the certificate authority; this takes a minute or two.");
  }
  if (c.state === "failed" || (c.state === "pending" && c.lastError)) {
    return box(
      "error",
      "failed",
      <>
        <p className="font-medium">HTTPS: the certificate authority refused the certificate.</p>
        <p className="mt-0.5 [overflow-wrap:anywhere]">{c.lastError}</p>
        {c.nextAttemptAt && (
          <p className="mt-0.5 text-xs">
            Slipway tries again <RelativeTime value={c.nextAttemptAt} />.
          </p>
        )}
      </>,
    );
  }
  const expiry = c.notAfter && (
    <>
      expires <RelativeTime value={c.notAfter} /> ({c.notAfter.slice(0, 10)})
    </>
  );
  return box(
    c.expiresSoon || c.lastError ? "warn" : "ok",
    c.state,
    <>
      <p>
        <span className="font-medium">HTTPS</span>
        {https.port !== null && (
          <>
            {" "}
            at{" "}
            <span className="font-mono text-xs">
              https://{domain.displayHostname}
              {https.port === 443 ? "" : `:${https.port}`}
            </span>
          </>
        )}
        : {c.source === "uploaded" ? "uploaded certificate" : "certificate"} from {c.issuer ?? "an unknown issuer"}, {expiry}
        {c.state === "renewing" && " · renewing now"}.
      </p>
      {c.expiresSoon && <p className="mt-0.5 text-xs">It expires within 14 days and no renewal is under way.</p>}
      {c.lastError && (
        <p className="mt-0.5 text-xs [overflow-wrap:anywhere]">
          The last renewal failed ({c.lastError}); this certificate keeps serving until it expires.
          {c.nextAttemptAt && (
            <>
              {" "}
              Next attempt <RelativeTime value={c.nextAttemptAt} />.
            </>
          )}
        </p>
      )}
    </>,
  );
}
