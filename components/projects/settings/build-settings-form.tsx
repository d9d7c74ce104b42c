"use client";

import { useState, type FormEvent } from "react";
import { isApiError } from "@/components/lib/api-fetch";
import { useUpdateProjectSettings } from "@/components/projects/queries";
import { SettingsSection } from "@/components/projects/settings/settings-section";
import type { Project } from "@/components/projects/types";
import { TextField } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";

type Values = { installCommand: string; buildCommand: string; outputDirectory: string; productionBranch: string };
const FIELDS = ["installCommand", "buildCommand", "outputDirectory", "productionBranch"] as const;

const valuesOf = (p: Project): Values => ({
  installCommand: p.installCommand ?? "",
  buildCommand: p.buildCommand ?? "",
  outputDirectory: p.outputDirectory,
  productionBranch: p.productionBranch,
});

// The server trims every value; so does the comparison.
const sameValues = (a: Values, b: Values) => FIELDS.every((f) => a[f].trim() === b[f].trim());

export function BuildSettingsForm({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const update = useUpdateProjectSettings(project.slug);
  const [values, setValues] = useState(() => valuesOf(project));
  const set = (patch: Partial<Values>) => setValues((v) => ({ ...v, ...patch }));
  const fields = isApiError(update.error) ? update.error.fields : {};

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    update.mutate(values, { onSuccess: (saved) => setValues(valuesOf({ ...project, ...saved })) });
  }

  const code = { spellCheck: false, autoComplete: "off", className: "font-mono" } as const;
  return (
    <SettingsSection
      id="build-settings"
      title="Build"
      description={
        <>
          How Slipway builds each deployment. An app&apos;s <span className="font-mono">slipway.json</span> wins over
          the commands and the output directory for the deployments built from it.
        </>
      }
      canEdit={canEdit}
      onSubmit={onSubmit}
      pending={update.isPending}
      dirty={!sameValues(values, valuesOf(project))}
      saved={update.isSuccess}
      saveLabel="Save build settings"
    >
      <FormError error={update.error} fields={fields} shownFields={[...FIELDS]} />
      <div className="grid gap-5 md:grid-cols-2">
        <TextField
          id="installCommand"
          label="Install command"
          value={values.installCommand}
          onChange={(e) => set({ installCommand: e.target.value })}
          error={fields.installCommand}
          placeholder="Default: npm ci or npm install"
          hint="Empty means the default: npm ci with a package-lock.json, npm install without."
          {...code}
        />
        <TextField
          id="buildCommand"
          label="Build command"
          value={values.buildCommand}
          onChange={(e) => set({ buildCommand: e.target.value })}
          error={fields.buildCommand}
          placeholder="Default: npm run build"
          hint="Empty means the default: npm run build, when package.json has a build script."
          {...code}
        />
        <TextField
          id="outputDirectory"
          label="Output directory"
          value={values.outputDirectory}
          onChange={(e) => set({ outputDirectory: e.target.value })}
          error={fields.outputDirectory}
          hint="Where the build writes the files to serve, relative to the app's root."
          {...code}
        />
        <TextField
          id="productionBranch"
          label="Production branch"
          value={values.productionBranch}
          onChange={(e) => set({ productionBranch: e.target.value })}
          error={fields.productionBranch}
          hint="Deploy builds this branch; its deployments go to production, other branches' to preview."
          {...code}
        />
      </div>
    </SettingsSection>
  );
}
