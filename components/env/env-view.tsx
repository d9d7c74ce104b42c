"use client";

import { can } from "@/lib/auth/roles";
import type { Role } from "@/lib/generated/prisma/enums";
import { EnvHeader } from "@/components/env/env-header";
import { VariablesEditor } from "@/components/env/variables-editor";
import { useEnvVars } from "@/components/env/queries";
import { isApiError } from "@/components/lib/api-fetch";
import { ProjectNotFound } from "@/components/projects/project-view";
import { useProject } from "@/components/projects/queries";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { EmptyState } from "@/components/ui/empty-state";
import { LoadError, Loading } from "@/components/ui/query-state";

// The variables page: the project (for its name and the viewer's role), then
// its variables. A viewer's request is refused by the API; the page says why.
export function EnvView({ slug }: { slug: string }) {
  const project = useProject(slug);
  const env = useEnvVars(slug);
  if (project.isPending) return <Loading label="Loading the project's variables" rows={4} />;
  if (isApiError(project.error, "not_found")) return <ProjectNotFound slug={slug} />;
  if (project.isError) {
    return <LoadError title="The project could not be loaded." error={project.error} onRetry={() => project.refetch()} />;
  }
  const { project: p, role } = project.data;
  return (
    <>
      <Breadcrumb
        trail={[
          { href: "/projects", label: "Projects" },
          { href: `/projects/${p.slug}`, label: p.name },
        ]}
        current="Variables"
      />
      {env.isPending ? (
        <>
          <EnvHeader />
          <Loading label="Loading variables" rows={4} />
        </>
      ) : isApiError(env.error, "forbidden") ? (
        <>
          <EnvHeader />
          <NoAccess role={role} team={p.team.name} />
        </>
      ) : env.isError ? (
        <>
          <EnvHeader />
          <LoadError title="The variables could not be loaded." error={env.error} onRetry={() => env.refetch()} />
        </>
      ) : (
        <VariablesEditor slug={p.slug} list={env.data} canWriteProduction={can(role, "env.writeProduction")} role={role} />
      )}
    </>
  );
}

function NoAccess({ role, team }: { role: Role; team: string }) {
  return (
    <EmptyState title="You need the developer role to see variables">
      Variables can hold secrets, so reading them takes the developer role or above in {team}; yours is {role}. Ask an admin
      or owner of the team.
    </EmptyState>
  );
}
