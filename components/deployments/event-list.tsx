import { StatusBadge } from "@/components/deployments/status-badge";
import type { DeploymentEvent } from "@/components/deployments/types";
import { RelativeTime } from "@/components/ui/relative-time";

function actorOf(e: DeploymentEvent): string {
  if (e.actorKind === "system") return e.actorName ?? "Slipway";
  if (e.actorKind === "token") return e.actorName ?? "an API token";
  return e.actorName ?? "a team member";
}

// The deployment's operation log: every status change, who made it and why.
export function EventList({ events }: { events: DeploymentEvent[] }) {
  if (events.length === 0) return <p className="px-4 py-6 text-center text-sm text-zinc-500">No status changes yet.</p>;
  return (
    <ol role="list" aria-label="Status changes" className="divide-y divide-zinc-100">
      {events.map((e) => (
        <li
          key={e.id}
          data-testid="deployment-event"
          data-to-status={e.toStatus}
          className="flex flex-wrap items-start justify-between gap-x-4 gap-y-1 px-4 py-2.5 text-sm"
        >
          <div className="min-w-0 space-y-1">
            <p className="flex flex-wrap items-center gap-1.5">
              {e.fromStatus ? <StatusBadge status={e.fromStatus} /> : <span className="text-xs text-zinc-500">Created</span>}
              <span aria-hidden="true" className="text-zinc-400">
                →
              </span>
              <span className="sr-only">to</span>
              <StatusBadge status={e.toStatus} />
              <span className="text-zinc-600">by {actorOf(e)}</span>
            </p>
            {e.reason && <p className="text-xs [overflow-wrap:anywhere] text-zinc-600">{e.reason}</p>}
          </div>
          <span className="shrink-0 text-xs text-zinc-500">
            <RelativeTime value={e.createdAt} />
          </span>
        </li>
      ))}
    </ol>
  );
}
