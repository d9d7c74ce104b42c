"use client";

import { useState } from "react";
import { PromoteDialog } from "@/components/deployments/promote-dialog";
import { isApiError } from "@/components/lib/api-fetch";
import { HistoryFilterBar } from "@/components/projects/history-filter-bar";
import { useHistoryFilters } from "@/components/projects/history-params";
import { HistoryTable } from "@/components/projects/history-table";
import { useDeploymentHistory } from "@/components/projects/queries";
import type { Deployment } from "@/components/projects/types";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { LoadError, Loading } from "@/components/ui/query-state";

type Props = { slug: string; teamId: string; canPromote: boolean };

// Rows are ordered by (createdAt, id), newest first; the API pages by the same key.
type Key = { createdAt: string; id: string };
const newer = (d: Key, than: Key) => d.createdAt > than.createdAt || (d.createdAt === than.createdAt && d.id > than.id);

// The project's deployment history: filters (kept in the URL), the rows,
// "Load more". It polls; rows change in place. Deployments that arrive after
// the list was shown wait above it behind "N new deployments" rather than
// pushing the rows down under the reader's eyes. canPromote: the viewer's role
// allows promoting (rows then offer it where it applies).
export function DeploymentList({ slug, teamId, canPromote }: Props) {
  const { filters, query: filterQuery, set, clear } = useHistoryFilters();
  const query = useDeploymentHistory(slug, filterQuery);
  const active = filterQuery !== "";
  // The dialog lives outside the table: inside a row, its clicks would bubble to the row and open the deployment.
  const [promoting, setPromoting] = useState<string | null>(null);
  // The newest row shown so far under these filters (null: none yet, "none": the first answer was empty).
  const [shown, setShown] = useState<{ query: string; newest: Key | "none" } | null>(null);

  const rows: Deployment[] = query.data?.pages.flatMap((p) => p.deployments) ?? [];
  const fresh = query.data !== undefined && !query.isPlaceholderData;
  if (fresh && shown?.query !== filterQuery) setShown({ query: filterQuery, newest: rows[0] ?? "none" });
  const cutoff = shown?.query === filterQuery ? shown.newest : "none";
  const visible = cutoff === "none" ? rows : rows.filter((d) => !newer(d, cutoff));
  const waiting = rows.length - visible.length;

  let body;
  if (query.isPending) body = <Loading label="Loading deployments" />;
  else if (query.isError && !query.data) {
    body = isApiError(query.error, "invalid") ? (
      <div className="space-y-3">
        <LoadError title="These filters cannot be used." error={query.error} />
        <Button variant="secondary" onClick={clear}>
          Clear filters
        </Button>
      </div>
    ) : (
      <LoadError title="Deployments could not be loaded." error={query.error} onRetry={() => query.refetch()} />
    );
  } else if (visible.length === 0 && !active) {
    body = <EmptyState title="No deployments yet. Deploys arrive here when you click Deploy or push." />;
  } else if (visible.length === 0) {
    body = (
      <EmptyState
        title="No deployments match these filters."
        action={
          <Button variant="secondary" onClick={clear}>
            Clear filters
          </Button>
        }
      >
        Try another branch, status or author, or search for a different SHA or message.
      </EmptyState>
    );
  } else {
    body = <HistoryTable slug={slug} deployments={visible} canPromote={canPromote} onPromote={setPromoting} stale={query.isPlaceholderData} />;
  }

  return (
    <div className="space-y-3">
      <HistoryFilterBar slug={slug} teamId={teamId} filters={filters} onChange={set} onClear={clear} active={active} />
      {/* One line of fixed height: what is shown, and the new arrivals waiting. */}
      <div className="flex h-8 items-center justify-between gap-3 text-sm text-zinc-600">
        <p aria-live="polite" data-testid="history-count">
          {query.isPending || query.isPlaceholderData
            ? "Loading…"
            : query.isError && !query.data
              ? ""
              : countLabel(visible.length, query.hasNextPage, active)}
        </p>
        {waiting > 0 && (
          <Button variant="secondary" size="sm" onClick={() => setShown({ query: filterQuery, newest: rows[0] })} data-testid="history-new">
            Show {waiting} new {waiting === 1 ? "deployment" : "deployments"}
          </Button>
        )}
      </div>
      {body}
      {query.hasNextPage && visible.length > 0 && (
        <Button variant="secondary" pending={query.isFetchingNextPage} onClick={() => query.fetchNextPage()}>
          Load more
        </Button>
      )}
      {promoting && <PromoteDialog deploymentId={promoting} onClose={() => setPromoting(null)} />}
    </div>
  );
}

// "12 deployments", "50+ deployments match", "1 deployment matches".
function countLabel(n: number, more: boolean, filtered: boolean) {
  const one = n === 1 && !more;
  return `${n.toLocaleString("en")}${more ? "+" : ""} ${one ? "deployment" : "deployments"}${filtered ? (one ? " matches" : " match") : ""}`;
}
