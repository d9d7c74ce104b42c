"use client";

import { useState, type FormEvent } from "react";
import { useRemoveCertificate, useUploadCertificate } from "@/components/domains/queries";
import type { Domain } from "@/components/domains/types";
import { isApiError } from "@/components/lib/api-fetch";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Dialog } from "@/components/ui/dialog";
import { TextAreaField } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";

// An operator's own certificate and key (PEM) for a verified domain, instead of the CA's.
export function CertificateDialog({ slug, domain, onClose }: { slug: string; domain: Domain; onClose: () => void }) {
  const upload = useUploadCertificate(slug);
  const [certificate, setCertificate] = useState("");
  const [privateKey, setPrivateKey] = useState("");
  const fields = isApiError(upload.error) ? upload.error.fields : {};

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    upload.mutate({ id: domain.id, certificate, privateKey }, { onSuccess: onClose });
  }

  return (
    <Dialog
      title={`Your own certificate for ${domain.displayHostname}`}
      description="Served instead of the certificate authority's until you remove it. Slipway does not renew it: upload the next one before it expires."
      onClose={onClose}
      dismissible={!upload.isPending}
    >
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        <FormError error={upload.error} fields={fields} shownFields={["certificate", "privateKey"]} />
        <TextAreaField
          id="certificate-chain"
          label="Certificate chain (PEM)"
          value={certificate}
          onChange={(e) => setCertificate(e.target.value)}
          error={fields.certificate}
          hint="The domain's certificate first, then the intermediates."
          placeholder="-----BEGIN CERTIFICATE-----"
          rows={5}
          spellCheck={false}
          className="font-mono text-xs"
          data-autofocus
        />
        <TextAreaField
          id="certificate-key"
          label="Private key (PEM)"
          value={privateKey}
          onChange={(e) => setPrivateKey(e.target.value)}
          error={fields.privateKey}
          hint="Unencrypted. It is stored sealed and never shown again."
          placeholder="-----BEGIN PRIVATE KEY-----"
          rows={4}
          spellCheck={false}
          autoComplete="off"
          className="font-mono text-xs"
        />
        <div className="flex flex-wrap justify-end gap-2 border-t border-zinc-200 pt-4">
          <Button variant="secondary" onClick={onClose} disabled={upload.isPending}>
            Cancel
          </Button>
          <Button type="submit" pending={upload.isPending}>
            Use this certificate
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

// Under a verified domain's certificate, for admins: upload one's own, or remove the uploaded one.
export function CertificateActions({ slug, domain }: { slug: string; domain: Domain }) {
  const [open, setOpen] = useState<"upload" | "remove" | null>(null);
  const remove = useRemoveCertificate(slug);
  const uploaded = domain.certificate?.source === "uploaded";
  return (
    <div className="flex flex-wrap gap-2">
      <Button variant="secondary" size="sm" onClick={() => setOpen("upload")} aria-haspopup="dialog">
        {uploaded ? "Replace the uploaded certificate" : "Use your own certificate"}
      </Button>
      {uploaded && (
        <Button variant="danger-secondary" size="sm" onClick={() => setOpen("remove")} aria-haspopup="dialog">
          Remove the uploaded certificate
        </Button>
      )}
      {open === "upload" && <CertificateDialog slug={slug} domain={domain} onClose={() => setOpen(null)} />}
      {open === "remove" && (
        <ConfirmDialog
          title={`Remove the uploaded certificate of ${domain.displayHostname}?`}
          confirmLabel="Remove certificate"
          pending={remove.isPending}
          error={remove.error}
          onClose={() => setOpen(null)}
          onConfirm={() => remove.mutate(domain.id, { onSuccess: () => setOpen(null) })}
        >
          HTTPS for this domain stops until the certificate authority issues one (within a few minutes, where this server requests
          certificates).
        </ConfirmDialog>
      )}
    </div>
  );
}
