"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { can } from "@/lib/auth/roles";
import { isApiError } from "@/components/lib/api-fetch";
import { useMe } from "@/components/me/queries";
import { productionUrl, type AppsHost } from "@/components/projects/production-url";
import { useCreateProject } from "@/components/projects/queries";
import { slugFromName } from "@/lib/projects/slug-from-name";
import { SourceFields, type SourceValues } from "@/components/projects/source-fields";
import type { CreateProjectBody } from "@/components/projects/types";
import { Alert } from "@/components/ui/alert";
import { FormError } from "@/components/ui/form-error";
import { Button, buttonClasses } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/query-state";

export function CreateProjectForm({ appsHost }: { appsHost: AppsHost }) {
  const me = useMe();
  if (me.isPending) return <Loading label="Loading your teams" rows={4} />;
  if (me.isError) return <LoadError title="Your teams could not be loaded." error={me.error} onRetry={() => me.refetch()} />;
  const teams = me.data.teams.filter((t) => can(t.role, "project.create"));
  if (teams.length === 0) {
    return (
      <Alert tone="info">
        Creating a project needs the developer role in a team. Ask an admin of your team to change your role on the{" "}
        <Link href="/team" className="font-medium text-accent-700 underline">
          Team
        </Link>{" "}
        page.
      </Alert>
    );
  }
  return <Form teams={teams} appsHost={appsHost} />;
}

function shownFields(teamSelect: boolean, kind: SourceValues["sourceKind"]): string[] {
  const source = kind === "git" ? ["gitUrl", "productionBranch"] : kind === "directory" ? ["sourcePath"] : [];
  return [...(teamSelect ? ["teamId"] : []), "name", "slug", "sourceKind", ...source, "outputDirectory"];
}

function Form({ teams, appsHost }: { teams: { id: string; name: string }[]; appsHost: AppsHost }) {
  const router = useRouter();
  const create = useCreateProject();
  const [teamId, setTeamId] = useState(teams[0].id);
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const [source, setSource] = useState<SourceValues>({
    sourceKind: "git",
    gitUrl: "",
    productionBranch: "main",
    sourcePath: "examples/vite-demo",
  });
  const [outputDirectory, setOutputDirectory] = useState("dist");

  const effectiveSlug = slugEdited ? slug : slugFromName(name);
  const error = create.error;
  const fields = isApiError(error) ? { ...error.fields } : {};
  // A taken slug comes back as a conflict without field details; it belongs to the slug field.
  if (isApiError(error, "conflict") && !fields.slug) fields.slug = error.message;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const body: CreateProjectBody = { teamId, name, slug: effectiveSlug || undefined, sourceKind: source.sourceKind, outputDirectory };
    if (source.sourceKind === "git") Object.assign(body, { gitUrl: source.gitUrl, productionBranch: source.productionBranch });
    if (source.sourceKind === "directory") body.sourcePath = source.sourcePath;
    create.mutate(body, { onSuccess: (project) => router.push(`/projects/${project.slug}`) });
  }

  return (
    <Panel className="p-5 sm:p-6">
      <form onSubmit={onSubmit} noValidate className="space-y-5">
        <FormError error={error} fields={fields} shownFields={shownFields(teams.length > 1, source.sourceKind)} />
        {teams.length > 1 && (
          <SelectField id="team" label="Team" value={teamId} onChange={(e) => setTeamId(e.target.value)} error={fields.teamId}>
            {teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </SelectField>
        )}
        <TextField
          id="name"
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fields.name}
          required
          maxLength={80}
          autoComplete="off"
          autoFocus
        />
        <TextField
          id="slug"
          label="Slug"
          value={effectiveSlug}
          onChange={(e) => {
            setSlugEdited(true);
            setSlug(e.target.value.toLowerCase());
          }}
          error={fields.slug}
          hint={
            <>
              Production URL: <span className="font-mono">{productionUrl(effectiveSlug || "<slug>", appsHost)}</span>
            </>
          }
          maxLength={32}
          autoComplete="off"
          spellCheck={false}
          className="font-mono"
        />
        <SourceFields value={source} onChange={setSource} errors={fields} />
        <TextField
          id="outputDirectory"
          label="Output directory"
          value={outputDirectory}
          onChange={(e) => setOutputDirectory(e.target.value)}
          error={fields.outputDirectory}
          hint="Where the build writes the files to serve, relative to the app's root."
          spellCheck={false}
          className="font-mono"
        />
        <div className="flex flex-wrap items-center gap-3 border-t border-zinc-200 pt-5">
          <Button type="submit" pending={create.isPending}>
            Create project
          </Button>
          <Link href="/projects" className={buttonClasses("ghost")}>
            Cancel
          </Link>
        </div>
      </form>
    </Panel>
  );
}
