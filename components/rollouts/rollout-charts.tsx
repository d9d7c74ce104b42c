"use client";

import dynamic from "next/dynamic";
import Link from "next/link";
import { useMemo, type ReactNode } from "react";
import type { Rollout, SeriesPoint } from "@/components/deployments/types";
import { logsHref } from "@/components/logs/filters";
import type { ChartLine } from "@/components/rollouts/rollout-line-chart";
import { chartRows, formatMs, formatPoints, hasTraffic, isActive, type ChartRow } from "@/lib/ui/rollout-view";

// Recharts is loaded only on pages that show a rollout, after the page itself.
const RolloutLineChart = dynamic(() => import("@/components/rollouts/rollout-line-chart").then((m) => m.RolloutLineChart), {
  ssr: false,
  loading: () => <ChartMessage>Loading the chart…</ChartMessage>,
});

const CANARY = "#d97706"; // amber-600, as the canary badge
const BASELINE = "#0284c7"; // sky-600
const LIMIT = "#dc2626"; // red-600

const percent = (v: number) => `${Number(v.toFixed(v < 1 ? 2 : 1))}%`;
const millis = (v: number) => formatMs(v);

// Error rate and P95 latency of the canary and the baseline over the rollout,
// each with the limit the canary must stay under and the stage starts marked.
// The boxes have a fixed height whatever the data, so nothing below them moves
// as the series fills in.
export function RolloutCharts({ rollout: r, series, nowMs, slug }: { rollout: Rollout; series: SeriesPoint[]; nowMs: number; slug: string }) {
  const { errorRateThreshold, latencyP95Threshold, latencyMinDeltaMs } = r.settings.autoRollback;
  const rows = useMemo(
    () => chartRows(series, r.stageBoundaries, { errorRateThreshold, latencyP95Threshold, latencyMinDeltaMs }),
    [series, r.stageBoundaries, errorRateThreshold, latencyP95Threshold, latencyMinDeltaMs],
  );
  const startMs = Date.parse(r.startedAt);
  const lastMs = rows.length ? rows[rows.length - 1].t : startMs;
  // While it runs the axis reaches now; once over, the finish.
  const endMs = r.finishedAt ? Date.parse(r.finishedAt) : isActive(r.status) ? Math.max(nowMs, lastMs) : lastMs;
  const boundaries = r.stageBoundaries.map((b) => ({ at: Date.parse(b.at), weight: b.weight }));
  const traffic = hasTraffic(series);
  const latest = latestValues(rows);

  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <ChartFigure
        testId="rollout-chart-errors"
        title="Error rate"
        limitLabel={`Limit: baseline + ${formatPoints(errorRateThreshold)}`}
        points={rows.length}
        traffic={traffic}
        waiting={isActive(r.status)}
        summary={`Latest error rate: canary ${fmt(latest.canaryErrorPct, percent)}, baseline ${fmt(latest.baselineErrorPct, percent)}, limit ${fmt(latest.errorLimitPct, percent)}.`}
      >
        <RolloutLineChart
          rows={rows}
          lines={ERROR_LINES}
          boundaries={boundaries}
          startMs={startMs}
          endMs={endMs}
          formatValue={percent}
          minYMax={Math.max(1, errorRateThreshold * 100 * 2)}
        />
      </ChartFigure>
      <ChartFigure
        testId="rollout-chart-latency"
        title="P95 latency"
        limitLabel={
          latencyMinDeltaMs > 0
            ? `Limit: ${latencyP95Threshold}× the baseline's P95, at least +${latencyMinDeltaMs} ms`
            : `Limit: ${latencyP95Threshold}× the baseline's P95`
        }
        points={rows.length}
        traffic={traffic}
        waiting={isActive(r.status)}
        summary={`Latest P95: canary ${formatMs(latest.canaryP95Ms)}, baseline ${formatMs(latest.baselineP95Ms)}, limit ${formatMs(latest.latencyLimitMs)}.`}
      >
        <RolloutLineChart
          rows={rows}
          lines={LATENCY_LINES}
          boundaries={boundaries}
          startMs={startMs}
          endMs={endMs}
          formatValue={millis}
          minYMax={10}
        />
      </ChartFigure>
      <ErrorSpikes slug={slug} canaryId={r.canaryDeploymentId} series={series} />
    </div>
  );
}

// The steps where the canary failed most, each a link to those failing
// requests in the Logs view (the chart itself is a picture: these are the
// way into it for everyone, keyboard and screen readers included).
function ErrorSpikes({ slug, canaryId, series }: { slug: string; canaryId: string; series: SeriesPoint[] }) {
  const stepMs = series.length > 1 ? Date.parse(series[1].t) - Date.parse(series[0].t) : 1000;
  const spikes = series
    .filter((p) => p.canary.errors > 0)
    .sort((a, b) => b.canary.errors - a.canary.errors)
    .slice(0, 5)
    .sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
  if (spikes.length === 0) return null;
  return (
    <p data-testid="rollout-error-spikes" className="text-xs text-zinc-600 lg:col-span-2">
      Canary errors:{" "}
      {spikes.map((p, i) => {
        const since = new Date(p.t);
        const until = new Date(since.getTime() + Math.max(1000, stepMs) - 1);
        return (
          <span key={p.t}>
            {i > 0 && ", "}
            <Link href={logsHref(slug, { deployment: canaryId, status: "5xx", since: since.toISOString(), until: until.toISOString() })} className="font-medium text-red-700 underline underline-offset-2">
              {clock.format(since)} ({p.canary.errors} failed)
            </Link>
          </span>
        );
      })}
    </p>
  );
}

const clock = new Intl.DateTimeFormat("en", { timeStyle: "medium" });

const ERROR_LINES: ChartLine[] = [
  { key: "canaryErrorPct", name: "Canary", color: CANARY },
  { key: "baselineErrorPct", name: "Baseline", color: BASELINE },
  { key: "errorLimitPct", name: "Limit", color: LIMIT, dashed: true },
];

const LATENCY_LINES: ChartLine[] = [
  { key: "canaryP95Ms", name: "Canary", color: CANARY },
  { key: "baselineP95Ms", name: "Baseline", color: BASELINE },
  { key: "latencyLimitMs", name: "Limit", color: LIMIT, dashed: true },
];

const fmt = (v: number | null, f: (v: number) => string) => (v === null ? "none yet" : f(v));

// The last value of each line (the newest step that has one).
function latestValues(rows: ChartRow[]) {
  const out: Record<Exclude<keyof ChartRow, "t">, number | null> = {
    canaryErrorPct: null,
    baselineErrorPct: null,
    errorLimitPct: null,
    canaryP95Ms: null,
    baselineP95Ms: null,
    latencyLimitMs: null,
  };
  for (const key of Object.keys(out) as Array<keyof typeof out>) {
    for (let i = rows.length - 1; i >= 0; i--) {
      const v = rows[i][key];
      if (v !== null) {
        out[key] = v;
        break;
      }
    }
  }
  return out;
}

type FigureProps = {
  testId: string;
  title: string;
  limitLabel: string;
  points: number;
  traffic: boolean;
  // Still running or paused: traffic may yet come.
  waiting: boolean;
  // The latest values in words, for screen readers (the chart itself is a picture).
  summary: string;
  children: ReactNode;
};

function ChartFigure({ testId, title, limitLabel, points, traffic, waiting, summary, children }: FigureProps) {
  return (
    <figure data-testid={testId} data-points={points} data-has-traffic={traffic} className="min-w-0 rounded-md border border-zinc-200 p-3">
      <figcaption className="mb-2 flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <span className="text-sm font-medium text-zinc-900">{title}</span>
        <span className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-zinc-600">
          <LegendItem color={CANARY}>Canary</LegendItem>
          <LegendItem color={BASELINE}>Baseline</LegendItem>
          <LegendItem color={LIMIT} dashed>
            {limitLabel}
          </LegendItem>
        </span>
        {traffic && <span className="sr-only">{summary}</span>}
      </figcaption>
      {/* Fixed height: the chart, its loading state and the empty state take the same room. */}
      <div className="h-56 w-full" aria-hidden={traffic ? "true" : undefined}>
        {traffic ? children : <ChartMessage>{waiting ? "Waiting for traffic…" : "No traffic reached either version."}</ChartMessage>}
      </div>
    </figure>
  );
}

function LegendItem({ color, dashed = false, children }: { color: string; dashed?: boolean; children: ReactNode }) {
  return (
    <span className="inline-flex items-center gap-1.5">
      <svg aria-hidden="true" width="16" height="4" className="shrink-0">
        <line x1="0" y1="2" x2="16" y2="2" stroke={color} strokeWidth="2" strokeDasharray={dashed ? "4 3" : undefined} />
      </svg>
      {children}
    </span>
  );
}

function ChartMessage({ children }: { children: ReactNode }) {
  return (
    <div className="flex h-full items-center justify-center rounded bg-zinc-50 text-sm text-zinc-500" role="status">
      {children}
    </div>
  );
}
