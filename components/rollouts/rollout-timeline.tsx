"use client";

import type { Rollout, RolloutAnalysis, SeriesPoint, Verdict } from "@/components/deployments/types";
import { formatDuration } from "@/lib/ui/format";
import {
  currentWindow,
  formatMs,
  formatRate,
  stageViews,
  totalsSince,
  type StageState,
  type StageView,
  type Totals,
} from "@/lib/ui/rollout-view";

const STATE_LABEL: Record<StageState, string> = {
  done: "Passed",
  current: "Observing",
  pending: "Waiting",
  failed: "Rolled back here",
  stopped: "Aborted here",
  skipped: "Skipped",
};

const STATE_TONE: Record<StageState, string> = {
  done: "border-zinc-200 bg-white",
  current: "border-amber-300 bg-amber-50/40 ring-1 ring-amber-200",
  pending: "border-dashed border-zinc-300 bg-white",
  failed: "border-red-300 bg-red-50/40",
  stopped: "border-zinc-300 bg-zinc-50",
  skipped: "border-dashed border-zinc-200 bg-zinc-50",
};

const VERDICT_LABEL: Record<Verdict, string> = { pass: "Pass", fail: "Fail", inconclusive: "Inconclusive" };
const VERDICT_TONE: Record<Verdict, string> = {
  pass: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  fail: "bg-red-50 text-red-800 ring-red-200",
  inconclusive: "bg-zinc-100 text-zinc-700 ring-zinc-200",
};

// The stages in order with their weights, where the rollout is, how long the
// current window still runs, and every verdict with the numbers behind it.
export function RolloutTimeline({ rollout: r, series, nowMs }: { rollout: Rollout; series: SeriesPoint[]; nowMs: number }) {
  const views = stageViews(r);
  return (
    <ol aria-label="Rollout stages" className="grid grid-cols-[repeat(auto-fill,minmax(12rem,1fr))] gap-3">
      {views.map((v) => (
        <StageCard key={v.index} view={v} rollout={r} series={series} nowMs={nowMs} count={views.length} />
      ))}
    </ol>
  );
}

type CardProps = { view: StageView<RolloutAnalysis>; rollout: Rollout; series: SeriesPoint[]; nowMs: number; count: number };

// Every card has the same layout and (from the sm breakpoint, where they sit side
// by side) a body of the same minimum height, whatever its state, so a verdict
// landing or a stage starting moves nothing on the page;
// earlier (inconclusive) windows of a stage fold away under the body.
function StageCard({ view: v, rollout: r, series, nowMs, count }: CardProps) {
  const current = v.state === "current";
  const shown = current ? undefined : v.analyses.at(-1);
  const earlier = current ? v.analyses : v.analyses.slice(0, -1);
  // A stage a promote ended or jumped to was never judged: it did not "pass".
  const promoted = v.state === "done" && !v.analyses.some((a) => a.verdict === "pass");
  const last = v.index === count - 1;
  const label =
    current && r.status === "paused" ? "Paused" : promoted ? (last ? "Promoted" : "Passed over") : STATE_LABEL[v.state];
  const muted = v.state === "pending" || v.state === "skipped";
  return (
    <li
      data-testid="rollout-stage"
      data-stage-index={v.index}
      data-state={v.state}
      data-weight={v.weight}
      data-verdict={v.analyses.at(-1)?.verdict}
      aria-current={current ? "step" : undefined}
      className={`flex min-w-0 flex-col rounded-md border p-3 ${STATE_TONE[v.state]}`}
    >
      <div className="flex items-baseline justify-between gap-2">
        <p className={`text-lg font-semibold tabular-nums ${muted ? "text-zinc-500" : "text-zinc-900"}`}>
          {v.weight}%<span className="sr-only"> of traffic, stage {v.index + 1} of {count}:</span>
        </p>
        <p className={`text-xs font-medium ${v.state === "failed" ? "text-red-700" : muted ? "text-zinc-500" : "text-zinc-600"}`}>
          {label}
        </p>
      </div>
      <div className="mt-1.5 text-xs text-zinc-600 sm:min-h-[9rem]">
        {current ? (
          <CurrentStage rollout={r} series={series} nowMs={nowMs} />
        ) : shown ? (
          <VerdictBlock analysis={shown} />
        ) : v.state === "done" ? (
          <p>{last ? "Serves all traffic since the promote; not judged." : "Not judged: promoted before its window ended."}</p>
        ) : v.state === "pending" ? (
          <p className="text-zinc-500">Starts when the stage before it passes.</p>
        ) : v.state === "skipped" ? (
          <p className="text-zinc-500">Not reached.</p>
        ) : (
          <p>Ended here before a verdict.</p>
        )}
      </div>
      {earlier.length > 0 && (
        <details className="mt-2 text-xs text-zinc-600">
          <summary className="cursor-pointer rounded select-none hover:text-zinc-900">
            {earlier.length === 1 ? "1 earlier window" : `${earlier.length} earlier windows`}
          </summary>
          <ul className="mt-2 space-y-3">
            {earlier.map((a) => (
              <li key={`${a.windowStart}-${a.createdAt}`}>
                <VerdictBlock analysis={a} />
              </li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}

// The clock of the current window and the traffic of both arms so far in the stage.
function CurrentStage({ rollout: r, series, nowMs }: { rollout: Rollout; series: SeriesPoint[]; nowMs: number }) {
  const win = currentWindow(r, nowMs);
  const sinceMs = Date.parse(r.stageStartedAt);
  const so = totalsSince(series, Number.isNaN(sinceMs) ? 0 : sinceMs);
  return (
    <div>
      <p data-testid="rollout-window" className="font-medium text-zinc-800 tabular-nums" suppressHydrationWarning>
        {r.status === "paused"
          ? "Paused: traffic stays at this weight."
          : win && win.leftMs > 0
            ? `${formatDuration(win.leftMs)} left in the window`
            : "Window over; judging…"}
      </p>
      <NumbersTable
        caption="Canary and baseline so far in this stage"
        rows={[
          ["Requests", count(so.canary.requests), count(so.baseline.requests)],
          ["Error rate", rate(so.canary), rate(so.baseline)],
        ]}
      />
      <p className="mt-1 text-zinc-500">
        {r.stages[r.stageIndex] === 100
          ? "So far. At 100% the baseline gets no traffic: its previous stage counts."
          : "So far in this stage; judged as it goes."}
      </p>
    </div>
  );
}

const count = (n: number) => n.toLocaleString("en");
const rate = (t: Totals) => (t.requests > 0 ? formatRate(t.errors / t.requests) : "—");

function NumbersTable({ caption, rows }: { caption: string; rows: Array<[string, string, string]> }) {
  return (
    <table className="mt-1.5 w-full table-fixed tabular-nums">
      <caption className="sr-only">{caption}</caption>
      <thead className="text-zinc-500">
        <tr>
          <th scope="col" className="w-[34%] text-left font-normal">
            <span className="sr-only">Measure</span>
          </th>
          <th scope="col" className="text-right font-medium">Canary</th>
          <th scope="col" className="text-right font-medium">Baseline</th>
        </tr>
      </thead>
      <tbody className="text-zinc-800">
        {rows.map(([name, canary, baseline]) => (
          <tr key={name}>
            <th scope="row" className="text-left font-normal text-zinc-500">{name}</th>
            <td className="text-right">{canary}</td>
            <td className="text-right">{baseline}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// One verdict and its numbers: requests, error rate and P95 of both arms over its window.
function VerdictBlock({ analysis: a }: { analysis: RolloutAnalysis }) {
  return (
    <div data-testid="rollout-verdict" data-verdict={a.verdict}>
      <p className="flex items-center justify-between gap-2">
        <span className={`rounded-full px-2 py-0.5 font-medium ring-1 ring-inset ${VERDICT_TONE[a.verdict]}`}>
          {VERDICT_LABEL[a.verdict]}
        </span>
        <span className="text-zinc-500 tabular-nums" title={`${a.windowStart} – ${a.windowEnd}`}>
          {formatDuration(Math.max(0, Date.parse(a.windowEnd) - Date.parse(a.windowStart)))} window
        </span>
      </p>
      <NumbersTable
        caption="Canary and baseline over the window"
        rows={[
          ["Requests", count(a.canaryRequests), count(a.baselineRequests)],
          ["Error rate", rate({ requests: a.canaryRequests, errors: a.canaryErrors }), rate({ requests: a.baselineRequests, errors: a.baselineErrors })],
          ["P95", formatMs(a.canaryP95Ms), formatMs(a.baselineP95Ms)],
        ]}
      />
      {a.reason && (
        <p className="mt-1 line-clamp-2 [overflow-wrap:anywhere]" title={a.reason}>
          {a.reason}
        </p>
      )}
      {a.notes.length > 0 && (
        <ul data-testid="rollout-verdict-notes" className="mt-1 list-disc space-y-0.5 pl-4 text-zinc-700 [overflow-wrap:anywhere]">
          {a.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
