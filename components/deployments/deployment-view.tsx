"use client";

import Link from "next/link";
import { can } from "@/lib/auth/roles";
import type { ReactNode } from "react";
import { formatBytes, shortId, shortSha } from "@/lib/ui/format";
import { isApiError } from "@/components/lib/api-fetch";
import { BuildLog } from "@/components/deployments/build-log";
import { BuildSettingsList } from "@/components/deployments/build-settings";
import { RuntimePanel } from "@/components/deployments/runtime-panel";
import { DeploymentActions } from "@/components/deployments/deployment-actions";
import { EventList } from "@/components/deployments/event-list";
import { ManifestTree } from "@/components/deployments/manifest-tree";
import { useDeployment, useRollout } from "@/components/deployments/queries";
import { StageTimeline } from "@/components/deployments/stage-timeline";
import { ENVIRONMENT_LABEL, isTerminal } from "@/components/deployments/status";
import { StatusBadge } from "@/components/deployments/status-badge";
import type { DeploymentDetail, Rollout } from "@/components/deployments/types";
import { RolloutSection } from "@/components/rollouts/rollout-panel";
import { useProject } from "@/components/projects/queries";
import { Alert } from "@/components/ui/alert";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { buttonClasses } from "@/components/ui/button";
import { ErrorGroups } from "@/components/logs/error-groups";
import { logsHref } from "@/components/logs/filters";
import { CopyButton } from "@/components/ui/copy-button";
import { Duration } from "@/components/ui/duration";
import { Fact } from "@/components/ui/fact";
import { appUrl, type AppsHost } from "@/components/projects/production-url";
import { PageHeader } from "@/components/ui/page-header";
import { Panel, SectionTitle } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/query-state";
import { RelativeTime } from "@/components/ui/relative-time";

export function DeploymentView({ slug, id, appsHost }: { slug: string; id: string; appsHost: AppsHost }) {
  const query = useDeployment(id);
  const project = useProject(slug);
  // Fetched only for statuses that can have a rollout (see mayHaveRollout).
  const rollout = useRollout(id, query.data?.deployment.status ?? "queued");
  if (query.isPending) return <Loading label="Loading deployment" rows={3} />;
  if (isApiError(query.error, "not_found") || isApiError(query.error, "invalid")) {
    return (
      <PageHeader
        title="Deployment not found"
        description={
          <>
            There is no deployment <span className="font-mono">{id}</span> in your teams&apos; projects. Check the
            address.
          </>
        }
        actions={
          <Link href={`/projects/${encodeURIComponent(slug)}`} className={buttonClasses("secondary")}>
            Back to the project
          </Link>
        }
      />
    );
  }
  if (query.isError) {
    return <LoadError title="The deployment could not be loaded." error={query.error} onRetry={() => query.refetch()} />;
  }

  const { deployment: d, stages, events, canCancel, canDeploy, canPromote, logLineCount } = query.data;
  const finished = isTerminal(d.status);
  const projectHref = `/projects/${encodeURIComponent(d.project.slug)}`;
  const deployTarget = project.data?.project ?? null;
  const currentRollout = rollout.data?.rollout ?? null;
  // An automatic rollback says why in the rollout's banner; the failure alert
  // would repeat it. Until the rollout is known the alert waits, so it never
  // shows and then vanishes.
  const failureShown =
    d.status === "failed" && !rollout.isLoading && currentRollout?.status !== "rolled_back";
  return (
    <>
      <Breadcrumb
        trail={[
          { href: "/projects", label: "Projects" },
          { href: projectHref, label: d.project.name },
        ]}
        current={`Deployment ${shortId(d.id)}`}
      />
      <PageHeader
        title={
          <>
            Deployment <span className="font-mono">{shortId(d.id)}</span>
          </>
        }
        description={
          <span className="line-clamp-2 [overflow-wrap:anywhere]" title={d.commitMessage ?? undefined}>
            {d.commitMessage?.split("\n")[0] || "No commit message"}
          </span>
        }
        actions={
          <>
            {project.data && can(project.data.role, "logs.read") && (
              <Link href={logsHref(d.project.slug, { deployment: d.id })} className={buttonClasses("secondary")}>
                Runtime logs
              </Link>
            )}
            <DeploymentActions
              deployment={d}
              project={deployTarget}
              canCancel={canCancel}
              canDeploy={canDeploy}
              canPromote={canPromote}
            />
          </>
        }
      />
      {failureShown && (
        <div className="mb-4" data-testid="failure">
          <Alert tone="error">
            <span className="font-medium">{d.failureStage ? `Failed at ${d.failureStage}` : "Failed"}:</span>{" "}
            <span className="[overflow-wrap:anywhere]">{d.failureReason ?? "The deployment failed without a reason."}</span>
          </Alert>
        </div>
      )}
      <DeploymentFacts detail={query.data} appsHost={appsHost} rollout={currentRollout} />
      <RolloutSection query={rollout} status={d.status} deploymentId={d.id} slug={d.project.slug} />
      <RuntimePanel deploymentId={d.id} />
      {project.data && can(project.data.role, "logs.read") && <ErrorGroups deploymentId={d.id} slug={d.project.slug} />}

      <div className="mt-8 grid gap-x-6 gap-y-8 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <Section id="stages-title" title="Stages">
          <Panel>
            <StageTimeline stages={stages} finished={finished} />
          </Panel>
        </Section>
        <Section id="settings-title" title="Build settings">
          <Panel>
            <BuildSettingsList settings={d.buildSettings} />
          </Panel>
        </Section>
      </div>
      <Section id="log-title" title="Build log" className="mt-8">
        <BuildLog key={d.id} deploymentId={d.id} lineCount={logLineCount} />
      </Section>
      <Section id="files-title" title="Files" className="mt-8">
        <ManifestTree deploymentId={d.id} bundle={d.bundle} finished={finished} />
      </Section>
      <Section id="activity-title" title="Activity" className="mt-8">
        <Panel>
          <EventList events={events} />
        </Panel>
      </Section>
    </>
  );
}

function Section({ id, title, className = "", children }: { id: string; title: string; className?: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className={`min-w-0 ${className}`}>
      <SectionTitle id={id}>{title}</SectionTitle>
      {children}
    </section>
  );
}

function DeploymentFacts({ detail, appsHost, rollout }: { detail: DeploymentDetail; appsHost: AppsHost; rollout: Rollout | null }) {
  const d = detail.deployment;
  // The rollout is polled every second while it runs, so its weight is the freshest.
  const canaryWeight = rollout && (rollout.status === "running" || rollout.status === "paused") ? rollout.weight : d.canaryWeight;
  // A published bundle is served at its own URL for as long as it is kept.
  const servable = d.bundle?.verified && (d.status === "live" || d.status === "superseded" || d.status === "canary");
  // The header shows the first line; a longer message is shown whole here.
  const body = (d.commitMessage?.trim().split("\n").length ?? 0) > 1;
  return (
    <Panel>
      <dl className="grid grid-cols-2 gap-x-6 gap-y-4 p-5 lg:grid-cols-4">
        <Fact term="Status">
          <span
            data-testid="deployment-status"
            data-status={d.status}
            data-canary-weight={d.status === "canary" ? (canaryWeight ?? undefined) : undefined}
          >
            <StatusBadge status={d.status} canaryWeight={canaryWeight} />
          </span>
        </Fact>
        <Fact term="Environment">{ENVIRONMENT_LABEL[d.environment]}</Fact>
        <Fact term="Branch">
          <span className="block truncate font-mono" title={d.branch || undefined}>
            {d.branch || "—"}
          </span>
        </Fact>
        <Fact term="Commit">
          {d.commitSha ? (
            <span className="flex items-center gap-1">
              <span className="font-mono" title={d.commitSha}>
                {shortSha(d.commitSha)}
              </span>
              <CopyButton value={d.commitSha} compact srLabel="Copy the commit SHA" />
            </span>
          ) : (
            "—"
          )}
        </Fact>
        <Fact term="Author">
          <span className="block truncate" title={d.author?.email}>
            {d.author?.name ?? (d.createdByKind === "system" ? "Slipway" : d.createdByKind === "token" ? "API token" : "—")}
          </span>
        </Fact>
        <Fact term="Created">
          <RelativeTime value={d.createdAt} />
        </Fact>
        <Fact term="Duration">
          <Duration start={d.startedAt} end={d.finishedAt} running={!isTerminal(d.status)} />
        </Fact>
        <Fact term="Bundle">
          {d.bundle ? (
            <span className="tabular-nums">
              {formatBytes(d.bundle.totalBytes)} · {d.bundle.fileCount.toLocaleString("en")}{" "}
              {d.bundle.fileCount === 1 ? "file" : "files"}
            </span>
          ) : (
            <span className="text-zinc-500">{isTerminal(d.status) ? "None" : "Not built yet"}</span>
          )}
        </Fact>
        {body && (
          <Fact term="Commit message" className="col-span-2 lg:col-span-4">
            <span className="block max-h-40 overflow-y-auto whitespace-pre-wrap [overflow-wrap:anywhere] text-zinc-700" data-testid="commit-message">
              {d.commitMessage}
            </span>
          </Fact>
        )}
        {servable && (
          <Fact term="URLs" className="col-span-2 lg:col-span-4">
            <span className="flex flex-col gap-1">
              {d.status === "live" && (
                <AppLink href={appUrl(d.routeName, appsHost)} label={d.environment === "production" ? "live" : "branch preview"} testId="route-url" />
              )}
              {/* Served by the router for as long as the deployment is kept, whatever is live. */}
              <AppLink href={appUrl(`${d.project.slug}-${d.id}`, appsHost)} label="permalink" testId="deployment-url" />
            </span>
          </Fact>
        )}
      </dl>
    </Panel>
  );
}

function AppLink({ href, label, testId }: { href: string; label: string; testId?: string }) {
  return (
    <span className="flex min-w-0 items-center gap-2">
      <a href={href} target="_blank" rel="noreferrer" data-testid={testId} className="truncate font-mono text-sky-700 hover:underline">
        {href.replace(/^https?:\/\//, "")}
      </a>
      <span className="shrink-0 text-xs text-zinc-500">{label}</span>
      <CopyButton value={href} compact srLabel={`Copy the ${label} URL`} />
    </span>
  );
}
