"use client";

import { useState, type FormEvent } from "react";
import { Checkbox } from "@/components/env/fields";
import { isApiError } from "@/components/lib/api-fetch";
import { useUpdateProjectSettings } from "@/components/projects/queries";
import { SettingsSection } from "@/components/projects/settings/settings-section";
import type { Project } from "@/components/projects/types";
import { FormError } from "@/components/ui/form-error";

// HSTS: whether the project's HTTPS responses tell browsers to use HTTPS only.
export function HttpsSettingsForm({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const update = useUpdateProjectSettings(project.slug);
  const [hsts, setHsts] = useState(project.hsts);
  const fields = isApiError(update.error) ? update.error.fields : {};

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    update.mutate({ hsts }, { onSuccess: (saved) => setHsts(saved.hsts) });
  }

  return (
    <SettingsSection
      id="https-settings"
      title="HTTPS"
      description="Domains with a certificate are served over HTTPS, and their plain HTTP requests are redirected to it."
      canEdit={canEdit}
      onSubmit={onSubmit}
      pending={update.isPending}
      dirty={hsts !== project.hsts}
      saved={update.isSuccess}
      saveLabel="Save HTTPS settings"
    >
      <FormError error={update.error} fields={fields} shownFields={["hsts"]} />
      <Checkbox
        id="hsts"
        label="Strict Transport Security (HSTS)"
        checked={hsts}
        disabled={!canEdit}
        onChange={(e) => setHsts(e.target.checked)}
        hint="HTTPS responses carry Strict-Transport-Security: max-age=31536000, so browsers refuse plain HTTP to these names for a year. Turn it on once HTTPS works for every domain of the project: it cannot be taken back from browsers that saw it."
      />
    </SettingsSection>
  );
}
