"use client";

import type { StageStatus } from "@/lib/generated/prisma/enums";
import { STAGE_NAMES, type DeploymentStage, type StageName } from "@/components/deployments/types";
import { Duration } from "@/components/ui/duration";

type Shown = StageStatus | "pending" | "not_run";

const STAGE_LABEL: Record<StageName, string> = {
  source: "Source",
  install: "Install",
  build: "Build",
  migrate: "Migrate",
  bundle: "Bundle",
  upload: "Upload",
  publish: "Publish",
};

const STATUS_LABEL: Record<Shown, string> = {
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  skipped: "Skipped",
  canceled: "Canceled",
  pending: "Waiting",
  not_run: "Not run",
};

// The seven build stages in order, whether or not they have started yet; a
// stage the server reports under another name is listed after them.
export function StageTimeline({ stages, finished }: { stages: DeploymentStage[]; finished: boolean }) {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const extra = stages.filter((s) => !(STAGE_NAMES as readonly string[]).includes(s.name)).sort((a, b) => a.position - b.position);
  const rows = [...STAGE_NAMES.map((name) => ({ name, stage: byName.get(name) ?? null })), ...extra.map((s) => ({ name: s.name, stage: s }))];
  return (
    <ol role="list" aria-label="Build stages" className="divide-y divide-zinc-100">
      {rows.map(({ name, stage }) => {
        // A finished deployment has no running stage, whatever the last poll said.
        const status: Shown = stage ? (finished && stage.status === "running" ? "canceled" : stage.status) : finished ? "not_run" : "pending";
        return (
          <li
            key={name}
            data-testid="stage"
            data-stage={name}
            data-status={status}
            className="grid grid-cols-[1.25rem_minmax(0,1fr)_4.5rem] items-start gap-x-3 px-4 py-2.5"
          >
            <StageIcon status={status} />
            <div className="min-w-0">
              <p className={`text-sm font-medium ${status === "pending" || status === "not_run" ? "text-zinc-500" : "text-zinc-900"}`}>
                {STAGE_LABEL[name] ?? name}
                <span className="sr-only">: {STATUS_LABEL[status]}</span>
              </p>
              <p className="truncate text-xs text-zinc-500" title={stage?.detail ?? undefined}>
                {/* A blank line when there is no detail keeps every row the same height. */}
                {stage?.detail || "\u00a0"}
              </p>
            </div>
            <p className="pt-0.5 text-right text-xs text-zinc-600">
              {stage ? <Duration start={stage.startedAt} end={stage.finishedAt} running={stage.status === "running" && !finished} /> : <span className="text-zinc-400">—</span>}
            </p>
          </li>
        );
      })}
    </ol>
  );
}

function StageIcon({ status }: { status: Shown }) {
  const common = "mt-0.5 size-4";
  switch (status) {
    case "succeeded":
      return (
        <svg aria-hidden="true" viewBox="0 0 16 16" className={`${common} text-emerald-600`}>
          <circle cx="8" cy="8" r="7" fill="currentColor" />
          <path d="M5 8.2l2 2 4-4.2" fill="none" stroke="white" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      );
    case "failed":
      return (
        <svg aria-hidden="true" viewBox="0 0 16 16" className={`${common} text-red-600`}>
          <circle cx="8" cy="8" r="7" fill="currentColor" />
          <path d="M5.5 5.5l5 5m0-5l-5 5" stroke="white" strokeWidth="1.6" strokeLinecap="round" />
        </svg>
      );
    case "running":
      return (
        <span aria-hidden="true" className={`${common} inline-block animate-spin rounded-full border-2 border-sky-600 border-r-transparent`} />
      );
    case "skipped":
    case "canceled":
    case "not_run":
      return (
        <svg aria-hidden="true" viewBox="0 0 16 16" className={`${common} text-zinc-400`}>
          <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path d={status === "canceled" ? "M4.5 11.5l7-7" : "M5 8h6"} stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
        </svg>
      );
    default:
      return (
        <svg aria-hidden="true" viewBox="0 0 16 16" className={`${common} text-zinc-300`}>
          <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" strokeWidth="1.5" strokeDasharray="2 2" />
        </svg>
      );
  }
}
