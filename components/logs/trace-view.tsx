"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { LogLineView } from "@/lib/logs/list-logs";
import type { TraceView as Trace } from "@/lib/logs/get-trace";
import { logsHref } from "@/components/logs/filters";
import { LogsShell } from "@/components/logs/logs-shell";
import { apiFetch, isApiError } from "@/components/lib/api-fetch";
import { projectKeys } from "@/components/projects/queries";
import { EmptyState } from "@/components/ui/empty-state";
import { Fact } from "@/components/ui/fact";
import { Panel, SectionTitle } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/query-state";
import { formatBytes } from "@/lib/ui/format";

// A trace's lines may still be on their way (written in batches): a trace
// this young is asked for again, then left alone.
const YOUNG_MS = 10_000;

// One trace of a project, opened from a request's log line: the router's
// span for each request (when it began, how long until the response began,
// status, deployment and SHA) on a timeline, with what the function printed
// while it handled the request placed where it was written.
export function TraceView({ slug, traceId }: { slug: string; traceId: string }) {
  return (
    <LogsShell
      slug={slug}
      crumbs={[{ href: logsHref(slug, {}), label: "Logs" }]}
      current={`Trace ${traceId.slice(0, 8)}`}
      title="Trace"
      description={`Trace ${traceId}: the router's requests and what the code wrote while it handled them.`}
    >
      {(projectSlug) => <TraceBody slug={projectSlug} traceId={traceId} />}
    </LogsShell>
  );
}

function TraceBody({ slug, traceId }: { slug: string; traceId: string }) {
  const query = useQuery({
    queryKey: [...projectKeys.detail(slug), "traces", traceId],
    queryFn: ({ signal }) => apiFetch<Trace>(`/api/projects/${encodeURIComponent(slug)}/traces/${encodeURIComponent(traceId)}`, { signal }),
    refetchInterval: (q) => (q.state.data && Date.now() - new Date(q.state.data.endedAt).getTime() < YOUNG_MS ? 1000 : false),
    retry: (count, error) => !isApiError(error, "not_found") && !isApiError(error, "invalid") && count < 2,
  });
  if (query.isPending) return <Loading label="Loading the trace" rows={4} />;
  if (isApiError(query.error, "not_found") || isApiError(query.error, "invalid")) {
    return (
      <EmptyState title="No lines for this trace">
        {query.error.message} Its lines may be past the log retention, or the trace may belong to another project.
      </EmptyState>
    );
  }
  if (query.isError) return <LoadError title="The trace could not be loaded." error={query.error} onRetry={() => query.refetch()} />;
  const trace = query.data;
  // From the lines themselves, to the fraction of a millisecond (startedAt is an ISO time, whole milliseconds).
  const start = Math.min(...trace.lines.map((l) => offsetOf(l, 0)));
  const span = Math.max(new Date(trace.endedAt).getTime() - start, 1);
  const requests = trace.lines.filter((l) => l.source === "request");
  const failed = requests.find((r) => (r.status ?? 0) >= 500);
  return (
    <>
      <Panel className="mb-6 p-4">
        <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <Fact term="Began">
            <time dateTime={trace.startedAt}>{new Date(trace.startedAt).toLocaleString()}</time>
          </Fact>
          <Fact term="Requests">
            {requests.length}
            {failed && <span className="ml-2 font-semibold text-red-700">{failed.status}</span>}
          </Fact>
          <Fact term="Deployment">
            {[...new Map(trace.lines.map((l) => [l.deploymentId, l.sha])).entries()].map(([id, sha]) => (
              <Link key={id} href={`/projects/${encodeURIComponent(slug)}/deployments/${id}`} className="mr-2 font-mono underline underline-offset-2" title={`Deployment ${id}`}>
                {sha.slice(0, 7)}
              </Link>
            ))}
          </Fact>
          <Fact term="Trace id">
            <span className="font-mono text-xs break-all">{trace.traceId}</span>
            {trace.traceUrl && (
              <a href={trace.traceUrl} target="_blank" rel="noreferrer" className="ml-2 text-sky-700 underline underline-offset-2">
                Open in your tracing UI
              </a>
            )}
          </Fact>
        </dl>
      </Panel>
      <section aria-labelledby="trace-timeline" className="mb-6">
        <SectionTitle id="trace-timeline">Timeline</SectionTitle>
        <Panel className="p-4">
          <ol className="space-y-2" aria-label="Spans">
            {requests.map((r) => (
              <RequestSpan key={r.id} line={r} start={start} span={span} output={trace.lines.filter((l) => l.source !== "request")} />
            ))}
          </ol>
          {requests.length === 0 && <p className="text-sm text-zinc-600">Only output lines: the request itself was not logged (its line may still be on its way).</p>}
        </Panel>
      </section>
      <section aria-labelledby="trace-lines">
        <SectionTitle id="trace-lines">Lines</SectionTitle>
        <Panel>
          <ol className="divide-y divide-zinc-100 font-mono text-xs" aria-label="Trace lines">
            {trace.lines.map((l) => (
              <li key={l.id} className="grid grid-cols-[5.5rem_3.5rem_1fr] items-baseline gap-3 px-3 py-1.5" data-source={l.source}>
                <span className="text-right text-zinc-500" title={new Date(l.at).toString()}>
                  +{offsetOf(l, start).toFixed(1)} ms
                </span>
                <span className={l.source === "stderr" ? "text-red-700" : "text-zinc-500"}>{l.source === "request" ? "req" : l.source}</span>
                {l.source === "request" ? (
                  <span className="text-zinc-900">
                    {l.method} {l.path} <span className={(l.status ?? 0) >= 500 ? "font-semibold text-red-700" : "text-zinc-700"}>{l.status}</span>{" "}
                    <span className="text-zinc-500">{[l.durationMs === null ? null : `${l.durationMs.toFixed(1)} ms`, l.bytes === null ? null : formatBytes(l.bytes), l.arm, l.instance].filter(Boolean).join(" · ")}</span>
                  </span>
                ) : (
                  <span className={`break-all whitespace-pre-wrap ${l.source === "stderr" ? "text-red-800" : "text-zinc-900"}`}>{l.text}</span>
                )}
              </li>
            ))}
          </ol>
          {trace.truncated && <p className="border-t border-zinc-100 px-3 py-2 text-sm text-zinc-600">The first {trace.lines.length} lines are shown.</p>}
        </Panel>
      </section>
    </>
  );
}

// Request lines are stamped when the response began; they began `durationMs` earlier.
const beganAt = (l: LogLineView) => new Date(l.at).getTime() - (l.durationMs ?? 0);
const offsetOf = (l: LogLineView, start: number) => (l.source === "request" ? beganAt(l) : new Date(l.at).getTime()) - start;

// A request's bar across the trace's time, and a tick for each output line.
function RequestSpan({ line, start, span, output }: { line: LogLineView; start: number; span: number; output: LogLineView[] }) {
  const left = ((beganAt(line) - start) / span) * 100;
  const width = Math.max(((line.durationMs ?? 0) / span) * 100, 0.5);
  const failed = (line.status ?? 0) >= 500;
  return (
    <li className="text-xs">
      <div className="mb-1 flex justify-between gap-3 text-zinc-700">
        <span className="font-mono">
          router · {line.method} {line.path} · <span className={failed ? "font-semibold text-red-700" : ""}>{line.status}</span>
        </span>
        <span className="text-zinc-500">{line.durationMs?.toFixed(1)} ms to the response</span>
      </div>
      <div className="relative h-4 rounded bg-zinc-100" role="img" aria-label={`${line.method} ${line.path}: ${line.status} after ${line.durationMs?.toFixed(1)} ms, ${output.length} output lines`}>
        <div className={`absolute inset-y-0 rounded ${failed ? "bg-red-500" : "bg-sky-500"}`} style={{ left: `${left}%`, width: `${width}%` }} />
        {output.map((o) => (
          <div
            key={o.id}
            className={`absolute inset-y-0 w-0.5 ${o.source === "stderr" ? "bg-red-900" : "bg-zinc-700"}`}
            style={{ left: `${Math.min((offsetOf(o, start) / span) * 100, 99.5)}%` }}
            title={o.text.split("\n")[0]}
          />
        ))}
      </div>
    </li>
  );
}
