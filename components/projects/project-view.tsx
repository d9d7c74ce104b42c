"use client";

import Link from "next/link";
import { Suspense } from "react";
import { can } from "@/lib/auth/roles";
import { DeployActions } from "@/components/deployments/deploy-actions";
import { CertificateWarnings } from "@/components/domains/certificate-warnings";
import { useCreateDeployment } from "@/components/deployments/queries";
import { isApiError } from "@/components/lib/api-fetch";
import { BranchList } from "@/components/projects/branch-list";
import { DeploymentList } from "@/components/projects/deployment-list";
import { productionUrl, type AppsHost } from "@/components/projects/production-url";
import { useProject } from "@/components/projects/queries";
import { describeSource } from "@/components/projects/source";
import type { Project } from "@/components/projects/types";
import { Alert } from "@/components/ui/alert";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { buttonClasses } from "@/components/ui/button";
import { Fact } from "@/components/ui/fact";
import { PageHeader } from "@/components/ui/page-header";
import { Panel, SectionTitle } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/query-state";

export function ProjectView({ slug, appsHost }: { slug: string; appsHost: AppsHost }) {
  const query = useProject(slug);
  const deploy = useCreateDeployment(slug);
  if (query.isPending) return <Loading label="Loading project" rows={2} />;
  if (isApiError(query.error, "not_found")) return <ProjectNotFound slug={slug} />;
  if (query.isError) {
    return <LoadError title="The project could not be loaded." error={query.error} onRetry={() => query.refetch()} />;
  }
  const { project, role } = query.data;
  return (
    <>
      <Breadcrumb trail={[{ href: "/projects", label: "Projects" }]} current={project.name} />
      <PageHeader
        title={project.name}
        description={<span className="font-mono">{project.slug}</span>}
        actions={
          <>
            {can(role, "env.read") && (
              <Link href={`/projects/${project.slug}/env`} className={buttonClasses("secondary")}>
                Variables
              </Link>
            )}
            {can(role, "logs.read") && (
              <Link href={`/projects/${project.slug}/logs`} className={buttonClasses("secondary")}>
                Logs
              </Link>
            )}
            <Link href={`/projects/${project.slug}/domains`} className={buttonClasses("secondary")}>
              Domains
            </Link>
            <Link href={`/projects/${project.slug}/settings`} className={buttonClasses("secondary")}>
              Settings
            </Link>
            {can(role, "deployment.create") && <DeployActions project={project} deploy={deploy} />}
          </>
        }
      />
      {deploy.error && (
        <div className="mb-4">
          <Alert tone="error">The deployment could not be started: {deploy.error.message}</Alert>
        </div>
      )}
      <CertificateWarnings slug={project.slug} />
      <ProjectFacts project={project} url={productionUrl(project.slug, appsHost)} />
      <section aria-labelledby="branches-title" className="mt-8">
        <SectionTitle id="branches-title">Branches</SectionTitle>
        <BranchList slug={project.slug} appsHost={appsHost} />
      </section>
      <section aria-labelledby="deployments-title" className="mt-8">
        <SectionTitle id="deployments-title">Deployments</SectionTitle>
        {/* The history's filters come from the URL's query string. */}
        <Suspense fallback={<Loading label="Loading deployments" />}>
          <DeploymentList slug={project.slug} teamId={project.teamId} canPromote={can(role, "deployment.promote")} />
        </Suspense>
      </section>
    </>
  );
}

export function ProjectNotFound({ slug }: { slug: string }) {
  return (
    <PageHeader
      title="Project not found"
      description={
        <>
          There is no project <span className="font-mono">{slug}</span> in your teams. Check the address, or ask to
          be added to the project&apos;s team.
        </>
      }
      actions={
        <Link href="/projects" className={buttonClasses("secondary")}>
          Back to projects
        </Link>
      }
    />
  );
}

function ProjectFacts({ project, url }: { project: Project; url: string }) {
  return (
    <Panel>
      <dl className="grid gap-x-6 gap-y-4 p-5 sm:grid-cols-2 lg:grid-cols-[minmax(0,2fr)_minmax(0,1.5fr)_minmax(0,1fr)_minmax(0,1fr)]">
        <Fact term="Production URL">
          <span className="font-mono [overflow-wrap:anywhere]">{url}</span>
        </Fact>
        <Fact term="Source">
          <span className="[overflow-wrap:anywhere]">{describeSource(project)}</span>
        </Fact>
        <Fact term="Output directory">
          <span className="font-mono">{project.outputDirectory}</span>
        </Fact>
        <Fact term="Team">{project.team.name}</Fact>
      </dl>
    </Panel>
  );
}
