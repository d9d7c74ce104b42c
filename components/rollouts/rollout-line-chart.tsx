"use client";

import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatOffset, type ChartRow } from "@/lib/ui/rollout-view";

export type ChartLine = {
  key: Exclude<keyof ChartRow, "t">;
  name: string;
  color: string;
  dashed?: boolean;
};

type Props = {
  rows: ChartRow[];
  lines: ChartLine[];
  // Where each stage began, labelled with its weight.
  boundaries: Array<{ at: number; weight: number }>;
  startMs: number;
  endMs: number;
  formatValue: (value: number) => string;
  // The y axis never shrinks below this (e.g. 0–5% for error rates), so a quiet
  // series does not fill the chart with noise.
  minYMax: number;
};

const clock = new Intl.DateTimeFormat("en", { timeStyle: "medium" });

// One line chart of the rollout view. Drawn without animation: it redraws every
// second with the new data, and moving lines would only distract. Its size comes
// from the parent, which has a fixed height.
export function RolloutLineChart({ rows, lines, boundaries, startMs, endMs, formatValue, minYMax }: Props) {
  return (
    <ResponsiveContainer width="100%" height="100%" minWidth={0}>
      <LineChart data={rows} margin={{ top: 18, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="#e4e4e7" strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={[startMs, Math.max(endMs, startMs + 1000)]}
          tickFormatter={(t: number) => formatOffset(t - startMs)}
          tick={{ fontSize: 11, fill: "#71717a" }}
          tickLine={false}
          axisLine={{ stroke: "#d4d4d8" }}
          minTickGap={24}
        />
        <YAxis
          width={64}
          domain={[0, (dataMax: number) => Math.max(minYMax, Number.isFinite(dataMax) ? dataMax * 1.1 : 0)]}
          tickFormatter={formatValue}
          tick={{ fontSize: 11, fill: "#71717a" }}
          tickLine={false}
          axisLine={false}
          allowDecimals
        />
        <Tooltip
          isAnimationActive={false}
          labelFormatter={(label) =>
            typeof label === "number" ? `${clock.format(new Date(label))} (+${formatOffset(label - startMs)})` : String(label ?? "")
          }
          formatter={(value) => (typeof value === "number" ? formatValue(value) : "—")}
          contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: "#e4e4e7" }}
        />
        {boundaries.map((b) => (
          <ReferenceLine
            key={`${b.at}-${b.weight}`}
            x={b.at}
            stroke="#a1a1aa"
            strokeDasharray="2 3"
            ifOverflow="extendDomain"
            label={{ value: `${b.weight}%`, position: "insideTopLeft", fontSize: 11, fill: "#52525b", offset: 4, dy: -16 }}
          />
        ))}
        {lines.map((l) => (
          <Line
            key={l.key}
            dataKey={l.key}
            name={l.name}
            type="linear"
            stroke={l.color}
            strokeWidth={l.dashed ? 1.5 : 2}
            strokeDasharray={l.dashed ? "6 4" : undefined}
            dot={false}
            activeDot={l.dashed ? false : { r: 3 }}
            isAnimationActive={false}
            connectNulls={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}
