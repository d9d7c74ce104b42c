"use client";

import { StatusBadge } from "@/components/deployments/status-badge";
import { useDeployments } from "@/components/projects/queries";
import type { Deployment } from "@/components/projects/types";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { LoadError, Loading } from "@/components/ui/query-state";
import { RelativeTime } from "@/components/ui/relative-time";

const ENVIRONMENT = { production: "Production", preview: "Preview", development: "Development" } as const;

export function DeploymentList({ slug }: { slug: string }) {
  const query = useDeployments(slug);
  if (query.isPending) return <Loading label="Loading deployments" />;
  if (query.isError) {
    return <LoadError title="Deployments could not be loaded." error={query.error} onRetry={() => query.refetch()} />;
  }
  const deployments = query.data.pages.flatMap((p) => p.deployments);
  if (deployments.length === 0) {
    return <EmptyState title="No deployments yet. Deploys arrive here when you click Deploy or push." />;
  }
  return (
    <div className="space-y-3">
      <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white shadow-sm">
        <table className="w-full min-w-[36rem] text-left text-sm">
          <thead className="border-b border-zinc-200 bg-zinc-50 text-xs font-medium text-zinc-500">
            <tr>
              <th scope="col" className="px-4 py-2.5 font-medium">Status</th>
              <th scope="col" className="px-4 py-2.5 font-medium">Environment</th>
              <th scope="col" className="px-4 py-2.5 font-medium">Branch</th>
              <th scope="col" className="px-4 py-2.5 font-medium">Commit</th>
              <th scope="col" className="px-4 py-2.5 font-medium">Created</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200">
            {deployments.map((d) => (
              <DeploymentRow key={d.id} deployment={d} />
            ))}
          </tbody>
        </table>
      </div>
      {query.hasNextPage && (
        <Button variant="secondary" pending={query.isFetchingNextPage} onClick={() => query.fetchNextPage()}>
          Show older deployments
        </Button>
      )}
    </div>
  );
}

function DeploymentRow({ deployment: d }: { deployment: Deployment }) {
  return (
    <tr>
      <td className="px-4 py-3">
        <StatusBadge status={d.status} />
      </td>
      <td className="px-4 py-3 text-zinc-700">{ENVIRONMENT[d.environment]}</td>
      <td className="px-4 py-3 font-mono text-xs text-zinc-700">{d.branch ?? "—"}</td>
      <td className="px-4 py-3 font-mono text-xs text-zinc-700">{d.commitSha ? d.commitSha.slice(0, 7) : "—"}</td>
      <td className="px-4 py-3 text-zinc-600">
        <RelativeTime value={d.createdAt} />
      </td>
    </tr>
  );
}
