"use client";

import Link from "next/link";
import { useState } from "react";
import { shortSha } from "@/lib/ui/format";
import { deploymentHref } from "@/components/deployments/deploy-dialog";
import { StatusBadge } from "@/components/deployments/status-badge";
import { appUrl, type AppsHost } from "@/components/projects/production-url";
import { useBranches } from "@/components/projects/queries";
import type { Branch } from "@/components/projects/types";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { EmptyState } from "@/components/ui/empty-state";
import { Panel } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/query-state";
import { RelativeTime } from "@/components/ui/relative-time";

const COLLAPSED = 6;

// New branches join at the end and known ones keep their place while the page
// is open, so a deploy on one branch does not reshuffle the list under the reader.
function keepOrder(known: string[], names: string[]): string[] {
  const still = known.filter((n) => names.includes(n));
  return [...still, ...names.filter((n) => !still.includes(n))];
}

// The project's active branches (served, or deployed in the last 30 days),
// production first, each with its latest deployment and its URL.
export function BranchList({ slug, appsHost }: { slug: string; appsHost: AppsHost }) {
  const query = useBranches(slug);
  const [order, setOrder] = useState<string[]>([]);
  const [expanded, setExpanded] = useState(false);
  const names = query.data?.branches.map((b) => b.name) ?? [];
  const next = keepOrder(order, names);
  if (next.join("\n") !== order.join("\n")) setOrder(next);

  if (query.isPending) return <Loading label="Loading branches" rows={2} />;
  if (query.isError) return <LoadError title="Branches could not be loaded." error={query.error} onRetry={() => query.refetch()} />;
  if (query.data.branches.length === 0) {
    return (
      <EmptyState title="No active branches yet.">
        Deploy the production branch, or a branch from <span className="font-medium">Deploy options…</span>: each branch
        gets its own preview URL.
      </EmptyState>
    );
  }
  const byName = new Map(query.data.branches.map((b) => [b.name, b]));
  const branches = next.map((n) => byName.get(n)!);
  const shown = expanded ? branches : branches.slice(0, COLLAPSED);
  return (
    <div className="space-y-2">
      <Panel>
        <ul className="divide-y divide-zinc-200" data-testid="branch-list">
          {shown.map((b) => (
            <BranchRow key={b.name} slug={slug} branch={b} appsHost={appsHost} />
          ))}
        </ul>
      </Panel>
      {branches.length > COLLAPSED && (
        <Button variant="ghost" size="sm" aria-expanded={expanded} onClick={() => setExpanded((e) => !e)}>
          {expanded ? "Show fewer branches" : `Show all ${branches.length} branches`}
        </Button>
      )}
      {query.data.truncated && <p className="text-xs text-zinc-500">Only the most recently deployed branches are listed.</p>}
    </div>
  );
}

function BranchRow({ slug, branch: b, appsHost }: { slug: string; branch: Branch; appsHost: AppsHost }) {
  const d = b.latestDeployment;
  const url = b.routeName ? appUrl(b.routeName, appsHost) : null;
  const history = `/projects/${encodeURIComponent(slug)}?branch=${encodeURIComponent(b.name)}`;
  return (
    <li
      data-testid="branch-row"
      data-branch={b.name}
      className="grid items-center gap-x-4 gap-y-1.5 px-4 py-3 text-sm sm:grid-cols-[minmax(0,10rem)_minmax(0,1fr)_minmax(0,1fr)_auto]"
    >
      <div className="flex min-w-0 items-center gap-2">
        <Link href={history} scroll={false} className="truncate font-mono text-xs font-medium text-zinc-900 hover:underline" title={`${b.name}: show its deployments`}>
          {b.name}
        </Link>
        {b.production && <span className="shrink-0 rounded bg-accent-50 px-1.5 py-0.5 text-xs font-medium text-accent-700">Production</span>}
      </div>
      <div className="flex min-w-0 items-center gap-2">
        <StatusBadge status={d.status} canaryWeight={d.canaryWeight} />
        <Link href={deploymentHref(slug, d.id)} className="min-w-0 truncate text-zinc-800 hover:text-accent-700 hover:underline" title={d.commitMessage ?? undefined}>
          <span className="font-mono text-xs text-zinc-500">{shortSha(d.commitSha)}</span> {d.commitMessage?.split("\n")[0] || "Deployment"}
        </Link>
      </div>
      {/* On a phone the URL and the time share one line. */}
      <div className="flex min-w-0 items-center justify-between gap-3 text-xs text-zinc-500 sm:contents">
        {url ? (
          <span className="flex min-w-0 items-center gap-1">
            <a href={url} target="_blank" rel="noreferrer" title={url} data-testid="branch-url" className="truncate font-mono text-sky-700 hover:underline">
              {url.replace(/^https?:\/\//, "")}
            </a>
            <CopyButton value={url} compact srLabel={`Copy the URL of ${b.name}`} />
          </span>
        ) : (
          <span className="min-w-0 truncate">Not served: nothing of this branch is live</span>
        )}
        <span className="shrink-0 text-right whitespace-nowrap sm:text-xs sm:text-zinc-500">
          <RelativeTime value={d.createdAt} />
          {d.author ? ` · ${d.author.name}` : ""}
        </span>
      </div>
    </li>
  );
}
