"use client";

import { useRemoveDomain } from "@/components/domains/queries";
import type { Domain } from "@/components/domains/types";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";

export function RemoveDomainDialog({ slug, domain, onClose }: { slug: string; domain: Domain; onClose: () => void }) {
  const remove = useRemoveDomain(slug);
  return (
    <ConfirmDialog
      title={`Remove ${domain.displayHostname}?`}
      confirmLabel="Remove domain"
      cancelLabel="Keep it"
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => remove.mutate(domain.id, { onSuccess: onClose })}
      onClose={onClose}
    >
      {domain.status === "verified"
        ? "It stops serving this project at once. Adding it again later needs a new TXT record and verification."
        : "Its verification token is discarded; adding it again later gives a new one."}
    </ConfirmDialog>
  );
}
