"use client";

import Link from "next/link";
import { can } from "@/lib/auth/roles";
import { StatusBadge } from "@/components/deployments/status-badge";
import { useMe } from "@/components/me/queries";
import { useProjects } from "@/components/projects/queries";
import { describeSource } from "@/components/projects/source";
import type { ProjectListItem } from "@/components/projects/types";
import { buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { LoadError, Loading } from "@/components/ui/query-state";
import { RelativeTime } from "@/components/ui/relative-time";

export function ProjectsView() {
  const me = useMe();
  const projects = useProjects();
  const canCreate = me.data?.teams.some((t) => can(t.role, "project.create")) ?? false;

  return (
    <>
      <PageHeader
        title="Projects"
        description="Every app your teams deploy with Slipway."
        actions={
          canCreate && (
            <Link href="/projects/new" className={buttonClasses("primary")}>
              New project
            </Link>
          )
        }
      />
      {projects.isPending ? (
        <Loading label="Loading projects" />
      ) : projects.isError ? (
        <LoadError title="Projects could not be loaded." error={projects.error} onRetry={() => projects.refetch()} />
      ) : projects.data.length === 0 ? (
        <EmptyState
          title="No projects yet"
          action={
            canCreate && (
              <Link href="/projects/new" className={buttonClasses("secondary")}>
                Create your first project
              </Link>
            )
          }
        >
          {canCreate
            ? "A project points Slipway at your app's source: a Git repository, uploaded archives or an example app. Slipway builds it and serves it at its own URL."
            : "Your role lets you view projects but not create them. Ask a team admin for the developer role to create one."}
        </EmptyState>
      ) : (
        <ul className="divide-y divide-zinc-200 overflow-hidden rounded-lg border border-zinc-200 bg-white shadow-sm">
          {projects.data.map((p) => (
            <ProjectRow key={p.id} project={p} />
          ))}
        </ul>
      )}
    </>
  );
}

function ProjectRow({ project: p }: { project: ProjectListItem }) {
  return (
    <li className="grid gap-x-6 gap-y-2 px-4 py-3.5 sm:grid-cols-[minmax(0,2fr)_minmax(0,2fr)_minmax(0,1.4fr)] sm:items-center">
      <div className="min-w-0">
        <Link href={`/projects/${p.slug}`} className="font-medium text-zinc-900 hover:text-accent-700 hover:underline">
          {p.name}
        </Link>
        <p className="truncate font-mono text-xs text-zinc-500">{p.slug}</p>
      </div>
      <div className="min-w-0 text-sm">
        <p className="truncate text-zinc-700" title={describeSource(p)}>
          {describeSource(p)}
        </p>
        <p className="truncate text-xs text-zinc-500">Team {p.team.name}</p>
      </div>
      <div className="text-sm text-zinc-600 sm:text-right">
        {p.latestDeployment ? (
          <span className="inline-flex flex-wrap items-center gap-2 sm:justify-end">
            <StatusBadge status={p.latestDeployment.status} />
            <span className="text-xs text-zinc-500">
              <RelativeTime value={p.latestDeployment.createdAt} />
            </span>
          </span>
        ) : (
          <span className="text-zinc-500">No deployments yet</span>
        )}
      </div>
    </li>
  );
}
