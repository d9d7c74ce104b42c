import type { Domain } from "@/components/domains/types";

// What a person needs to know at a glance: served (Verified), waiting for its
// record (Pending), or the last check found a problem (Error, with the reason
// beside it). A verified domain whose record later vanished is still served, so
// it stays Verified; the card carries the warning.
export type DomainState = "verified" | "pending" | "error";

export function domainState(d: Pick<Domain, "status" | "lastError">): DomainState {
  if (d.status === "verified") return "verified";
  return d.status === "failed" || d.lastError ? "error" : "pending";
}

const BADGE: Record<DomainState, { label: string; tone: string }> = {
  verified: { label: "Verified", tone: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  pending: { label: "Pending", tone: "bg-amber-50 text-amber-800 ring-amber-200" },
  error: { label: "Error", tone: "bg-red-50 text-red-800 ring-red-200" },
};

export function DomainStatusBadge({ domain }: { domain: Domain }) {
  const state = domainState(domain);
  return (
    <span
      data-testid="domain-status"
      data-status={state}
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${BADGE[state].tone}`}
    >
      <span aria-hidden="true" className="size-1.5 rounded-full bg-current opacity-70" />
      {BADGE[state].label}
    </span>
  );
}
