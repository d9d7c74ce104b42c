"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ErrorList } from "@/lib/logs/list-errors";
import { logsHref } from "@/components/logs/filters";
import { apiFetch } from "@/components/lib/api-fetch";
import { SectionTitle } from "@/components/ui/panel";
import { LoadError } from "@/components/ui/query-state";
import { RelativeTime } from "@/components/ui/relative-time";

// Refreshed while the page is open: errors keep coming while it runs.
const REFRESH_MS = 5000;

// The deployment's errors, grouped by message and stack: how often, since
// when, the stack of the first, and a way to the log lines around them.
export function ErrorGroups({ deploymentId, slug }: { deploymentId: string; slug: string }) {
  const query = useQuery({
    queryKey: ["deployments", deploymentId, "errors"],
    queryFn: () => apiFetch<ErrorList>(`/api/deployments/${encodeURIComponent(deploymentId)}/errors`),
    refetchInterval: REFRESH_MS,
  });
  return (
    <section id="errors" aria-labelledby="errors-title" className="mt-8 scroll-mt-4">
      <SectionTitle id="errors-title">Errors</SectionTitle>
      {query.isError ? (
        <LoadError title="The errors could not be loaded." error={query.error} onRetry={() => query.refetch()} />
      ) : !query.data ? (
        <p className="text-sm text-zinc-500">Loading errors…</p>
      ) : query.data.errors.length === 0 ? (
        <p className="text-sm text-zinc-600">No errors recorded: no function threw, and no server or function host exited unexpectedly.</p>
      ) : (
        <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white shadow-sm" aria-label="Error groups">
          {query.data.errors.map((e) => (
            <li key={e.id} className="p-4" data-testid="error-group">
              <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
                <p className="min-w-0 font-mono text-sm font-medium text-red-800 [overflow-wrap:anywhere]">{e.message}</p>
                <p className="shrink-0 text-xs text-zinc-600">
                  <span className="font-semibold text-zinc-900" data-testid="error-count">
                    {e.count.toLocaleString("en")} {e.count === 1 ? "time" : "times"}
                  </span>
                  , first <RelativeTime value={e.firstSeen} />, last <RelativeTime value={e.lastSeen} />
                </p>
              </div>
              {e.stack && (
                <details className="mt-2">
                  <summary className="cursor-pointer text-xs text-zinc-600">Stack trace</summary>
                  <pre className="mt-1 overflow-x-auto whitespace-pre-wrap break-all rounded bg-zinc-50 p-2 font-mono text-xs text-zinc-800">{e.stack}</pre>
                </details>
              )}
              <Link
                href={logsHref(slug, { deployment: deploymentId, source: "stderr", text: searchText(e.message), since: new Date(new Date(e.firstSeen).getTime() - 1000).toISOString() })}
                className="mt-2 inline-block text-xs font-medium text-zinc-700 underline underline-offset-2"
              >
                See its log lines
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// A part of the message that every occurrence shares (numbers vary), short enough for the text filter.
function searchText(message: string): string {
  const words = message.replace(/^\[[^\]]+\]\s*/, "").split(/\d/)[0].trim();
  return (words || message).slice(0, 120);
}
