"use client";

import { useState } from "react";
import { can } from "@/lib/auth/roles";
import { AddDomainDialog } from "@/components/domains/add-domain-dialog";
import { DomainCard } from "@/components/domains/domain-card";
import { CertificateLine } from "@/components/domains/certificate-line";
import { useDomains } from "@/components/domains/queries";
import { RemoveDomainDialog } from "@/components/domains/remove-domain-dialog";
import type { Domain } from "@/components/domains/types";
import { isApiError } from "@/components/lib/api-fetch";
import { ProjectNotFound } from "@/components/projects/project-view";
import { useProject } from "@/components/projects/queries";
import { Alert } from "@/components/ui/alert";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { LoadError, Loading } from "@/components/ui/query-state";

// The domains page: the project (for its name and the viewer's role), then its
// custom domains. Admins add, verify and remove; everyone else reads.
export function DomainsView({ slug }: { slug: string }) {
  const project = useProject(slug);
  const domains = useDomains(slug);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Domain | null>(null);
  if (project.isPending) return <Loading label="Loading the project's domains" rows={3} />;
  if (isApiError(project.error, "not_found")) return <ProjectNotFound slug={slug} />;
  if (project.isError) {
    return <LoadError title="The project could not be loaded." error={project.error} onRetry={() => project.refetch()} />;
  }
  const { project: p, role } = project.data;
  const canManage = can(role, "domain.write");
  const addButton = canManage && (
    <Button onClick={() => setAdding(true)} aria-haspopup="dialog">
      Add domain
    </Button>
  );
  return (
    <>
      <Breadcrumb
        trail={[
          { href: "/projects", label: "Projects" },
          { href: `/projects/${p.slug}`, label: p.name },
        ]}
        current="Domains"
      />
      <PageHeader
        title="Domains"
        description="Serve this project on host names you own."
        actions={domains.data?.domains.length ? addButton : undefined}
      />
      {!canManage && (
        <div className="mb-6">
          <Alert tone="info">
            You can see this project&apos;s domains but not change them: that takes the admin role in {p.team.name}, and yours
            is {role}.
          </Alert>
        </div>
      )}
      {domains.data?.https.projectName && (
        <section aria-labelledby="project-name-title" className="mb-6">
          <h2 id="project-name-title" className="mb-2 text-sm font-medium text-zinc-900">
            The project&apos;s own name, <span className="font-mono">{domains.data.https.projectName.hostname}</span> (the wildcard certificate of the apps&apos; domain)
          </h2>
          <CertificateLine domain={{ displayHostname: domains.data.https.projectName.hostname, certificate: domains.data.https.projectName.certificate }} https={domains.data.https} />
        </section>
      )}
      {domains.isPending ? (
        <Loading label="Loading domains" rows={2} />
      ) : domains.isError ? (
        <LoadError title="The domains could not be loaded." error={domains.error} onRetry={() => domains.refetch()} />
      ) : domains.data.domains.length === 0 ? (
        <EmptyState title="No custom domains yet" action={addButton || undefined}>
          {canManage
            ? "Add a domain you own, like shop.example.com, to serve production or a branch preview on it."
            : "A team admin can add one to serve this project on a domain you own."}
        </EmptyState>
      ) : (
        <ul className="space-y-4" aria-label="Custom domains">
          {domains.data.domains.map((d) => (
            <li key={d.id}>
              <DomainCard slug={p.slug} domain={d} https={domains.data.https} canManage={canManage} onRemove={() => setRemoving(d)} />
            </li>
          ))}
        </ul>
      )}
      {adding && <AddDomainDialog slug={p.slug} productionBranch={p.productionBranch} onClose={() => setAdding(false)} />}
      {removing && <RemoveDomainDialog slug={p.slug} domain={removing} onClose={() => setRemoving(null)} />}
    </>
  );
}
