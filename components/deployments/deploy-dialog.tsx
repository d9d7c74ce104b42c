"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { SourceKind } from "@/lib/generated/prisma/enums";
import { isApiError } from "@/components/lib/api-fetch";
import { useCreateDeployment } from "@/components/deployments/queries";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectField, TextField } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";

export type DeployTarget = { slug: string; sourceKind: SourceKind; productionBranch: string };
type Environment = "production" | "preview";

type Props = {
  project: DeployTarget;
  initial?: { environment?: Environment; branch?: string };
  onClose: () => void;
};

export const deploymentHref = (slug: string, id: string) =>
  `/projects/${encodeURIComponent(slug)}/deployments/${encodeURIComponent(id)}`;

// Deploy with options: the environment, a branch, a commit (Git projects) or,
// for projects built from uploaded archives, the .tar.gz to build.
export function DeployDialog({ project, initial, onClose }: Props) {
  const router = useRouter();
  const deploy = useCreateDeployment(project.slug);
  const [environment, setEnvironment] = useState<Environment>(initial?.environment ?? "production");
  const [branch, setBranch] = useState(initial?.branch ?? project.productionBranch);
  const [ref, setRef] = useState("");
  const [archive, setArchive] = useState<File | null>(null);
  const [archiveMissing, setArchiveMissing] = useState(false);
  const isArchive = project.sourceKind === "archive";
  const isGit = project.sourceKind === "git";

  const error = deploy.error;
  const fields = isApiError(error) ? { ...error.fields } : {};
  if (isArchive && isApiError(error, "too_large") && !fields.archive) fields.archive = error.message;
  const archiveError = archiveMissing ? "Choose a .tar.gz archive of the app's source." : fields.archive ?? fields.body;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (isArchive && !archive) {
      setArchiveMissing(true);
      return;
    }
    deploy.mutate(
      {
        environment,
        branch: branch.trim() || undefined,
        ref: isGit ? ref.trim() || undefined : undefined,
        archive: isArchive && archive ? archive : undefined,
      },
      { onSuccess: (d) => router.push(deploymentHref(project.slug, d.id)) },
    );
  }

  return (
    <Dialog
      title="Deploy with options"
      description={
        isArchive
          ? "Upload an archive of the app's source; Slipway builds it and publishes the result."
          : "Pick where the deployment goes and what to build."
      }
      onClose={onClose}
      dismissible={!deploy.isPending}
    >
      <form onSubmit={onSubmit} noValidate className="space-y-4">
        <FormError
          error={error}
          fields={fields}
          shownFields={["environment", "branch", ...(isGit ? ["ref"] : []), ...(isArchive ? ["archive", "body"] : [])]}
        />
        <SelectField
          id="deploy-environment"
          label="Environment"
          value={environment}
          onChange={(e) => setEnvironment(e.target.value as Environment)}
          error={fields.environment}
          hint={environment === "production" ? "Replaces what the production URL serves." : "Gets its own preview URL; production is untouched."}
          data-autofocus
        >
          <option value="production">Production</option>
          <option value="preview">Preview</option>
        </SelectField>
        <TextField
          id="deploy-branch"
          label="Branch"
          value={branch}
          onChange={(e) => setBranch(e.target.value)}
          error={fields.branch}
          hint={isGit ? "Slipway builds the latest commit of this branch." : "Names the deployment; previews are served per branch."}
          spellCheck={false}
          autoComplete="off"
          className="font-mono"
        />
        {isGit && (
          <TextField
            id="deploy-ref"
            label="Commit SHA (optional)"
            value={ref}
            onChange={(e) => setRef(e.target.value)}
            error={fields.ref}
            hint="Build this commit of the branch instead of its latest. The full 40-character SHA is safest."
            spellCheck={false}
            autoComplete="off"
            className="font-mono"
          />
        )}
        {isArchive && (
          <TextField
            id="deploy-archive"
            label="Source archive (.tar.gz)"
            type="file"
            accept=".tar.gz,.tgz,application/gzip,application/x-gzip"
            onChange={(e) => {
              setArchive(e.target.files?.[0] ?? null);
              setArchiveMissing(false);
            }}
            error={archiveError}
            hint={
              <>
                A gzipped tarball of the app&apos;s root, as <code className="font-mono">tar -czf app.tar.gz .</code> makes
                it.
              </>
            }
            required
            className="file:mr-3 file:rounded file:border-0 file:bg-zinc-100 file:px-2.5 file:py-1 file:text-sm file:text-zinc-800"
          />
        )}
        <div className="flex flex-wrap justify-end gap-2 border-t border-zinc-200 pt-4">
          <Button variant="secondary" onClick={onClose} disabled={deploy.isPending}>
            Close
          </Button>
          <Button type="submit" pending={deploy.isPending}>
            {deploy.isPending && isArchive ? "Uploading…" : "Deploy"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
