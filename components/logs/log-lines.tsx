"use client";

import Link from "next/link";
import type { LogLineView } from "@/lib/logs/list-logs";
import { formatBytes } from "@/lib/ui/format";

const statusTone = (status: number | null) =>
  status === null ? "text-zinc-500" : status >= 500 ? "text-red-700 font-semibold" : status >= 400 ? "text-amber-700" : "text-zinc-700";

// Time of day to the millisecond, in the viewer's zone; the full time on hover.
function timeOf(at: string): string {
  const d = new Date(at);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// One row per line: when, which deployment (its SHA), what. Request lines
// read like an access log; output lines show the text as written.
export function LogLines({ slug, lines }: { slug: string; lines: LogLineView[] }) {
  return (
    <ol className="divide-y divide-zinc-100 font-mono text-xs" aria-label="Log lines">
      {lines.map((l) => (
        <li key={l.id} className="grid grid-cols-[7.5rem_4.5rem_3.5rem_1fr] items-baseline gap-3 px-3 py-1.5" data-source={l.source} data-status={l.status ?? undefined}>
          <time dateTime={l.at} title={new Date(l.at).toString()} className="text-zinc-500">
            {timeOf(l.at)}
          </time>
          <Link href={`/projects/${encodeURIComponent(slug)}/deployments/${l.deploymentId}`} className="text-zinc-600 underline-offset-2 hover:underline" title={`Deployment ${l.deploymentId}`}>
            {l.sha.slice(0, 7)}
          </Link>
          <span className={l.source === "stderr" ? "text-red-700" : "text-zinc-500"}>{l.source === "request" ? "req" : l.source}</span>
          {l.source === "request" ? (
            <RequestLine slug={slug} line={l} />
          ) : (
            <span className={`whitespace-pre-wrap break-all ${l.source === "stderr" ? "text-red-800" : "text-zinc-900"}`}>
              {l.text}
              {l.traceId && <TraceLink slug={slug} traceId={l.traceId} />}
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}

// The trace the line belongs to: the request and what its function wrote meanwhile (trace-view.tsx).
function TraceLink({ slug, traceId }: { slug: string; traceId: string }) {
  return (
    <Link href={`/projects/${encodeURIComponent(slug)}/traces/${traceId}`} className="ml-2 text-sky-700 underline underline-offset-2" title={`Trace ${traceId}`}>
      trace
    </Link>
  );
}

function RequestLine({ slug, line }: { slug: string; line: LogLineView }) {
  const parts = [line.durationMs === null ? null : `${line.durationMs.toFixed(1)} ms`, line.bytes === null ? null : formatBytes(line.bytes), line.instance].filter(Boolean);
  return (
    <span className="break-all text-zinc-900">
      <span className="text-zinc-600">{line.method}</span> {line.path} <span className={statusTone(line.status)}>{line.status}</span>{" "}
      <span className="text-zinc-500">{parts.join(" · ")}</span>
      {line.arm && <span className={`ml-2 rounded px-1 ${line.arm === "canary" ? "bg-amber-100 text-amber-800" : "bg-zinc-100 text-zinc-600"}`}>{line.arm}</span>}
      {line.traceId && <TraceLink slug={slug} traceId={line.traceId} />}
    </span>
  );
}
