"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import type { DeploymentStatus } from "@/lib/generated/prisma/enums";
import type { Rollout, RolloutStatus, RolloutView } from "@/components/deployments/types";
import { RolloutBanner } from "@/components/rollouts/rollout-banner";
import { RolloutCharts } from "@/components/rollouts/rollout-charts";
import { RolloutControls } from "@/components/rollouts/rollout-controls";
import { RolloutSettingsList } from "@/components/rollouts/rollout-settings";
import { RolloutTimeline } from "@/components/rollouts/rollout-timeline";
import { Panel, SectionTitle } from "@/components/ui/panel";
import { LoadError } from "@/components/ui/query-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { useNow } from "@/components/ui/use-now";
import { isActive } from "@/lib/ui/rollout-view";

const STATUS_LABEL: Record<RolloutStatus, string> = {
  running: "Rolling out",
  paused: "Paused",
  succeeded: "Succeeded",
  rolled_back: "Rolled back",
  aborted: "Aborted",
};

const STATUS_TONE: Record<RolloutStatus, string> = {
  running: "bg-amber-50 text-amber-800 ring-amber-200",
  paused: "bg-amber-50 text-amber-900 ring-amber-300",
  succeeded: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  rolled_back: "bg-red-50 text-red-800 ring-red-200",
  aborted: "bg-zinc-100 text-zinc-700 ring-zinc-200",
};

type Props = {
  query: UseQueryResult<RolloutView>;
  // The deployment's status: a canary always has a rollout, so only then is a
  // loading or failed request worth showing (other deployments usually have none).
  status: DeploymentStatus;
  deploymentId: string;
  slug: string;
};

// The deployment page's Rollout section, shown when the deployment has a rollout.
export function RolloutSection({ query, status, deploymentId, slug }: Props) {
  const expected = status === "canary";
  // A failed refresh keeps the last data on screen, with a note.
  if (query.data) {
    const { rollout, series, canControl } = query.data;
    if (!rollout) return null;
    return (
      <Frame>
        <Panel>
          <RolloutPanel
            rollout={rollout}
            series={series}
            canControl={canControl}
            deploymentId={deploymentId}
            slug={slug}
            staleError={query.isError ? query.error : null}
          />
        </Panel>
      </Frame>
    );
  }
  if (query.isError) {
    return expected ? (
      <Frame>
        <LoadError title="The rollout could not be loaded." error={query.error} onRetry={() => query.refetch()} />
      </Frame>
    ) : null;
  }
  if (!expected || !query.isFetching) return null;
  return (
    <Frame>
      <Panel>
        <div role="status" className="h-[44rem] animate-pulse rounded-lg bg-zinc-100/70">
          <span className="sr-only">Loading the rollout</span>
        </div>
      </Panel>
    </Frame>
  );
}

function Frame({ children }: { children: ReactNode }) {
  return (
    <section aria-labelledby="rollout-title" className="mt-8 min-w-0">
      <SectionTitle id="rollout-title">Rollout</SectionTitle>
      {children}
    </section>
  );
}

type PanelProps = {
  rollout: Rollout;
  series: RolloutView["series"];
  canControl: boolean;
  deploymentId: string;
  slug: string;
  staleError: Error | null;
};

export function RolloutPanel({ rollout: r, series, canControl, deploymentId, slug, staleError }: PanelProps) {
  const active = isActive(r.status);
  const nowMs = useNow(active);
  return (
    <div data-testid="rollout-panel" data-rollout-id={r.id} className="space-y-5 p-5">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="flex min-w-0 items-center gap-4">
          <div>
            <p
              data-testid="rollout-weight"
              data-weight={r.weight}
              className="text-4xl leading-none font-semibold tracking-tight text-zinc-900 tabular-nums"
            >
              {r.weight}%
            </p>
            <p className="mt-1 text-xs text-zinc-500">of traffic on this deployment</p>
          </div>
          <div className="min-w-0 space-y-1">
            <span
              data-testid="rollout-status"
              data-status={r.status}
              className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS_TONE[r.status]}`}
            >
              {STATUS_LABEL[r.status]}
            </span>
            <p className="text-xs text-zinc-600">
              {active ? (
                <>
                  Stage {r.stageIndex + 1} of {r.stages.length}, started <RelativeTime value={r.startedAt} />
                </>
              ) : (
                <>
                  Started <RelativeTime value={r.startedAt} />
                  {r.finishedAt && (
                    <>
                      , ended <RelativeTime value={r.finishedAt} />
                    </>
                  )}
                </>
              )}
            </p>
            {staleError && (
              <p className="text-xs text-red-700" role="status">
                Not refreshed: {staleError.message}
              </p>
            )}
          </div>
        </div>
        {canControl && active && <RolloutControls deploymentId={deploymentId} rollout={r} />}
      </div>
      <RolloutBanner rollout={r} slug={slug} />
      <RolloutTimeline rollout={r} series={series} nowMs={nowMs} />
      <RolloutCharts rollout={r} series={series} nowMs={nowMs} slug={slug} />
      <div className="border-t border-zinc-100 pt-4">
        <RolloutSettingsList settings={r.settings} from={r.settingsFrom} />
      </div>
    </div>
  );
}
