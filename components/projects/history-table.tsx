"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import type { MouseEvent } from "react";
import { shortId, shortSha } from "@/lib/ui/format";
import { deploymentHref } from "@/components/deployments/deploy-dialog";
import { StatusBadge } from "@/components/deployments/status-badge";
import { ENVIRONMENT_LABEL, isTerminal, offersPromote } from "@/components/deployments/status";
import type { Deployment } from "@/components/projects/types";
import { Button } from "@/components/ui/button";
import { Duration } from "@/components/ui/duration";
import { RelativeTime } from "@/components/ui/relative-time";

const TH = "px-3 py-2.5 font-medium first:pl-4 last:pr-4";
// Below the sm breakpoint each row becomes a two-line card: the commit, then the rest.
const TD = "px-3 py-3 first:pl-4 last:pr-4 max-sm:p-0 max-sm:first:pl-0 max-sm:last:pr-0";

type TableProps = {
  slug: string;
  deployments: Deployment[];
  canPromote: boolean;
  onPromote: (id: string) => void;
  // A new set of filters is loading: the rows shown are the previous ones.
  stale: boolean;
};

// The history's rows. Fixed column widths and one-line cells: a row keeps its
// size when its status, duration or canary weight changes.
export function HistoryTable({ slug, deployments, canPromote, onPromote, stale }: TableProps) {
  return (
    <div
      aria-busy={stale || undefined}
      className={`overflow-x-auto rounded-lg border border-zinc-200 bg-white shadow-sm transition-opacity ${stale ? "opacity-60" : ""}`}
    >
      {/* Fixed column widths: live status and duration changes never move the columns. */}
      <table className={`w-full table-fixed text-left text-sm ${canPromote ? "sm:min-w-[60rem]" : "sm:min-w-[54rem]"} max-sm:block`}>
        <colgroup>
          <col className="w-[7.5rem]" />
          <col className="w-[6.5rem]" />
          <col className="w-[8.5rem]" />
          <col />
          <col className="w-[9rem]" />
          <col className="w-[7.5rem]" />
          <col className="w-[6rem]" />
          {canPromote && <col className="w-[6rem]" />}
        </colgroup>
        <thead className="border-b border-zinc-200 bg-zinc-50 text-xs text-zinc-500 max-sm:hidden">
          <tr>
            <th scope="col" className={TH}>Status</th>
            <th scope="col" className={TH}>Environment</th>
            <th scope="col" className={TH}>Branch</th>
            <th scope="col" className={TH}>Commit</th>
            <th scope="col" className={TH}>Author</th>
            <th scope="col" className={TH}>Created</th>
            <th scope="col" className={`${TH} text-right`}>Duration</th>
            {canPromote && (
              <th scope="col" className={TH}>
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 max-sm:block">
          {deployments.map((d) => (
            <DeploymentRow
              key={d.id}
              slug={slug}
              deployment={d}
              actions={canPromote}
              onPromote={offersPromote(d.status) ? () => onPromote(d.id) : undefined}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

// The whole row opens the deployment on click; keyboard and screen reader users
// (and middle-click) use the real link in the commit cell.
type RowProps = {
  slug: string;
  deployment: Deployment;
  // Whether the table has the actions column; onPromote when this row offers Promote.
  actions: boolean;
  onPromote?: () => void;
};

function DeploymentRow({ slug, deployment: d, actions, onPromote }: RowProps) {
  const router = useRouter();
  const href = deploymentHref(slug, d.id);

  function onClick(e: MouseEvent<HTMLTableRowElement>) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if ((e.target as HTMLElement).closest("a, button, input, select, textarea")) return;
    // Selecting text in a row is not a click on it.
    if (window.getSelection()?.toString()) return;
    router.push(href);
  }

  const sha = d.commitSha ? shortSha(d.commitSha) : null;
  return (
    <tr
      onClick={onClick}
      data-testid="deployment-row"
      data-deployment-id={d.id}
      data-status={d.status}
      data-canary-weight={d.status === "canary" ? (d.canaryWeight ?? undefined) : undefined}
      className="cursor-pointer hover:bg-zinc-50 max-sm:flex max-sm:flex-wrap max-sm:items-center max-sm:gap-x-3 max-sm:gap-y-1.5 max-sm:px-4 max-sm:py-3 max-sm:text-xs"
    >
      <td className={TD}>
        <span className="inline-flex flex-wrap items-center gap-1">
          <StatusBadge status={d.status} canaryWeight={d.canaryWeight} />
          {d.runtimeState === "running" && (
            <span data-testid="runtime-running" title="Its server instances are running" className="text-xs font-medium text-emerald-700">
              running
            </span>
          )}
        </span>
      </td>
      <td className={`${TD} truncate text-zinc-700`}>{ENVIRONMENT_LABEL[d.environment]}</td>
      <td className={`${TD} truncate font-mono text-xs text-zinc-700 max-sm:max-w-[10rem]`} title={d.branch || undefined}>
        {d.branch || "—"}
      </td>
      <td className={`${TD} max-sm:order-first max-sm:w-full`}>
        <Link
          href={href}
          className="block truncate font-medium text-zinc-900 hover:text-accent-700 hover:underline"
          title={d.commitMessage ?? undefined}
        >
          {d.commitMessage?.split("\n")[0] || `Deployment ${shortId(d.id)}`}
        </Link>
        <span className="block truncate font-mono text-xs text-zinc-500" title={d.commitSha || undefined}>
          {sha ?? "—"}
        </span>
      </td>
      <td className={`${TD} truncate text-zinc-700 max-sm:max-w-[10rem]`} title={d.author?.email}>
        {d.author?.name ?? <span className="text-zinc-500">{d.createdByKind === "system" ? "Slipway" : "API token"}</span>}
      </td>
      <td className={`${TD} truncate text-zinc-600`}>
        <RelativeTime value={d.createdAt} />
      </td>
      <td className={`${TD} text-right text-zinc-600 max-sm:text-left`}>
        <Duration start={d.startedAt} end={d.finishedAt} running={!isTerminal(d.status)} />
      </td>
      {actions && (
        <td className={`${TD} text-right max-sm:ml-auto`}>
          {onPromote && (
            <Button variant="secondary" size="sm" onClick={onPromote} aria-haspopup="dialog" data-testid="row-promote">
              Promote<span className="sr-only"> deployment {shortId(d.id)}</span>
            </Button>
          )}
        </td>
      )}
    </tr>
  );
}
