"use client";

import { elapsedMs, formatDuration } from "@/lib/ui/format";
import { useNow } from "@/components/ui/use-now";

// From start to end; with no end yet it ticks every second. "—" before it starts.
export function Duration({ start, end, running = end === null }: { start: string | null; end: string | null; running?: boolean }) {
  const now = useNow(start !== null && end === null && running);
  const ms = end === null && !running ? null : elapsedMs(start, end, now);
  if (ms === null) return <span className="text-zinc-500">—</span>;
  return (
    <span className="tabular-nums" suppressHydrationWarning>
      {formatDuration(ms)}
    </span>
  );
}
