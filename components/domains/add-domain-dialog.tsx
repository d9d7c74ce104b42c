"use client";

import { useState, type FormEvent } from "react";
import { useAddDomain } from "@/components/domains/queries";
import { isApiError } from "@/components/lib/api-fetch";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectField, TextField } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";

type Target = "production" | "branch";
type Props = { slug: string; productionBranch: string; onClose: () => void };

// A host name and what it serves: production, or one branch's preview.
export function AddDomainDialog({ slug, productionBranch, onClose }: Props) {
  const add = useAddDomain(slug);
  const [hostname, setHostname] = useState("");
  const [target, setTarget] = useState<Target>("production");
  const [branch, setBranch] = useState("");
  const fields = isApiError(add.error) ? add.error.fields : {};

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    add.mutate({ hostname, branch: target === "branch" ? branch : null }, { onSuccess: onClose });
  }

  return (
    <Dialog
      title="Add a domain"
      description="Slipway shows the DNS record that proves the domain is yours; it is served once verified."
      onClose={onClose}
      dismissible={!add.isPending}
    >
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        <FormError error={add.error} fields={fields} shownFields={["hostname", "branch"]} />
        <TextField
          id="domain-hostname"
          label="Domain"
          value={hostname}
          onChange={(e) => setHostname(e.target.value)}
          error={fields.hostname}
          hint="A host name you own, without https://, like shop.example.com."
          placeholder="shop.example.com"
          spellCheck={false}
          autoComplete="off"
          autoCapitalize="none"
          inputMode="url"
          required
          className="font-mono"
          data-autofocus
        />
        <SelectField
          id="domain-target"
          label="Serves"
          value={target}
          onChange={(e) => setTarget(e.target.value as Target)}
          hint={target === "production" ? `Whatever is live in production (branch ${productionBranch}).` : "The latest deployment of one preview branch."}
        >
          <option value="production">Production</option>
          <option value="branch">A branch preview</option>
        </SelectField>
        {target === "branch" && (
          <TextField
            id="domain-branch"
            label="Branch"
            value={branch}
            onChange={(e) => setBranch(e.target.value)}
            error={fields.branch}
            placeholder="feature-x"
            spellCheck={false}
            autoComplete="off"
            autoCapitalize="none"
            required
            className="font-mono"
          />
        )}
        <div className="flex flex-wrap justify-end gap-2 border-t border-zinc-200 pt-4">
          <Button variant="secondary" onClick={onClose} disabled={add.isPending}>
            Cancel
          </Button>
          <Button type="submit" pending={add.isPending}>
            Add domain
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
