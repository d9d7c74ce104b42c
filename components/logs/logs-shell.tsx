"use client";

import type { ReactNode } from "react";
import { can } from "@/lib/auth/roles";
import { isApiError } from "@/components/lib/api-fetch";
import { ProjectNotFound } from "@/components/projects/project-view";
import { useProject } from "@/components/projects/queries";
import { Alert } from "@/components/ui/alert";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { PageHeader } from "@/components/ui/page-header";
import { LoadError, Loading } from "@/components/ui/query-state";

// A page of a project's runtime logs (the Logs view, a trace): the project
// loaded, the breadcrumb (`crumbs` after the project's) and header, and
// `children` for those whose role may read logs (developers and up).
export function LogsShell({
  slug,
  crumbs = [],
  current,
  title,
  description,
  children,
}: {
  slug: string;
  crumbs?: { href: string; label: string }[];
  current: string;
  title: string;
  description: string;
  children: (slug: string) => ReactNode;
}) {
  const project = useProject(slug);
  if (project.isPending) return <Loading label="Loading project" />;
  if (isApiError(project.error, "not_found")) return <ProjectNotFound slug={slug} />;
  if (project.isError) return <LoadError title="The project could not be loaded." error={project.error} onRetry={() => project.refetch()} />;
  const { project: p, role } = project.data;
  return (
    <>
      <Breadcrumb trail={[{ href: "/projects", label: "Projects" }, { href: `/projects/${p.slug}`, label: p.name }, ...crumbs]} current={current} />
      <PageHeader title={title} description={description} />
      {can(role, "logs.read") ? children(p.slug) : <Alert tone="info">Only developers, admins and owners can read runtime logs. Ask one of them for access.</Alert>}
    </>
  );
}
