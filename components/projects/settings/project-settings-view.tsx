"use client";

import type { RolloutSettings } from "@/lib/rollouts/rollout-settings";
import { can } from "@/lib/auth/roles";
import { isApiError } from "@/components/lib/api-fetch";
import { ProjectNotFound } from "@/components/projects/project-view";
import { useProject } from "@/components/projects/queries";
import { BuildSettingsForm } from "@/components/projects/settings/build-settings-form";
import { CanarySettingsForm } from "@/components/projects/settings/canary-settings-form";
import { HttpsSettingsForm } from "@/components/projects/settings/https-settings-form";
import { NetworkSettingsForm } from "@/components/projects/settings/network-settings-form";
import { WebhookSection } from "@/components/projects/settings/webhook-section";
import { LogDrainsSection } from "@/components/projects/settings/log-drains-section";
import { Alert } from "@/components/ui/alert";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { PageHeader } from "@/components/ui/page-header";
import { LoadError, Loading } from "@/components/ui/query-state";

type Props = { slug: string; rolloutDefaults: RolloutSettings };

export function ProjectSettingsView({ slug, rolloutDefaults }: Props) {
  const query = useProject(slug);
  if (query.isPending) return <Loading label="Loading the project's settings" rows={4} />;
  if (isApiError(query.error, "not_found")) return <ProjectNotFound slug={slug} />;
  if (query.isError) {
    return <LoadError title="The project's settings could not be loaded." error={query.error} onRetry={() => query.refetch()} />;
  }
  const { project, role } = query.data;
  const canEdit = can(role, "project.update");
  return (
    <>
      <Breadcrumb
        trail={[
          { href: "/projects", label: "Projects" },
          { href: `/projects/${project.slug}`, label: project.name },
        ]}
        current="Settings"
      />
      <PageHeader title="Settings" description="How this project's deployments are built and rolled out." />
      {!canEdit && (
        <div className="mb-6">
          <Alert tone="info">
            You can see these settings but not change them: that takes the admin role in {project.team.name}, and
            yours is {role}. Ask an admin or owner of the team.
          </Alert>
        </div>
      )}
      <div className="space-y-10">
        <BuildSettingsForm project={project} canEdit={canEdit} />
        <CanarySettingsForm project={project} canEdit={canEdit} defaults={rolloutDefaults} />
        <NetworkSettingsForm project={project} canEdit={canEdit} />
        <HttpsSettingsForm project={project} canEdit={canEdit} />
        <WebhookSection project={project} canEdit={canEdit} />
        <LogDrainsSection slug={project.slug} canEdit={canEdit} />
      </div>
    </>
  );
}
