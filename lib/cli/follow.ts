import { setTimeout as sleep } from "node:timers/promises";
import type { ApiClient, DeploymentStatus, DeploymentView, LogLine, Stage } from "@/lib/cli/api-client";
import { ApiError, NetworkError } from "@/lib/cli/errors";
import { formatLogLine, formatStageEnd, formatStageStart, isStageMarker, paint } from "@/lib/cli/format";
import type { Io } from "@/lib/cli/io";

// Following a deployment: polls its stages and its build log, and prints one
// line when a stage starts, one when it ends, and the log in between, in the
// order they happened.
//
// The two come from different endpoints, so a stage line is held back until
// the log has caught up with its time (the worker logs a line right after
// each stage starts and ends), or for STALE_MS at most, then merged with the
// log lines by timestamp.

export const FINAL: readonly DeploymentStatus[] = ["live", "superseded", "canary", "failed", "canceled"];
const LOG_PAGE = 2000;
const STALE_MS = 2000;
const AFTER_DONE_GRACE_MS = 3000;
const GIVE_UP_AFTER_MS = 30_000;

type StageEvent = { kind: "start" | "end"; stage: Stage; at: number; seenAt: number };
type Printable = { kind: "stage"; event: StageEvent } | { kind: "log"; line: LogLine };

// Turns successive snapshots of the stage list into start/end events, each
// once, and releases them in time order against the log's progress.
export class StageTracker {
  private started = new Set<string>();
  private ended = new Set<string>();
  private pending: StageEvent[] = [];

  observe(stages: Stage[], now: number) {
    for (const stage of stages) {
      if (this.ended.has(stage.name)) continue;
      const startedAt = time(stage.startedAt) ?? now;
      if (stage.status === "running") {
        if (!this.started.has(stage.name)) {
          this.started.add(stage.name);
          this.pending.push({ kind: "start", stage, at: startedAt, seenAt: now });
        }
        continue;
      }
      this.ended.add(stage.name);
      // A skipped stage gets one line, not a start and a skip. A stage that
      // ran entirely between two polls still gets its start, to head its log.
      if (stage.status === "skipped") {
        this.pending = this.pending.filter((e) => !(e.kind === "start" && e.stage.name === stage.name));
      } else if (!this.started.has(stage.name)) {
        this.started.add(stage.name);
        this.pending.push({ kind: "start", stage, at: startedAt, seenAt: now });
      }
      this.pending.push({ kind: "end", stage, at: time(stage.finishedAt) ?? Math.max(startedAt, now), seenAt: now });
    }
    this.pending.sort((a, b) => a.at - b.at || (a.kind === b.kind ? 0 : a.kind === "end" ? -1 : 1));
  }

  get running(): boolean {
    return [...this.started].some((name) => !this.ended.has(name));
  }

  // Interleaves the new log lines with the stage events that are due: those at
  // or before the newest log line, those waiting longer than STALE_MS, or all
  // of them when `flush` is set.
  merge(lines: LogLine[], watermark: number | null, now: number, flush = false): Printable[] {
    const due = (e: StageEvent) => flush || (watermark !== null && e.at <= watermark) || now - e.seenAt >= STALE_MS;
    const out: Printable[] = [];
    const take = (until: number) => {
      // Starts go before a log line of the same millisecond, ends after it.
      while (this.pending.length && due(this.pending[0]) && (this.pending[0].at < until || (this.pending[0].kind === "start" && this.pending[0].at === until))) {
        out.push({ kind: "stage", event: this.pending.shift()! });
      }
    };
    for (const line of lines) {
      take(time(line.at) ?? -Infinity);
      // The worker's "── <stage>" markers place stage lines; they are not printed.
      if (!isStageMarker(line)) out.push({ kind: "log", line });
    }
    take(Infinity);
    // A start right before its own end says nothing the end does not.
    return out.filter((item, i) => {
      const next = out[i + 1];
      return !(item.kind === "stage" && item.event.kind === "start" && next?.kind === "stage" && next.event.kind === "end" && next.event.stage.name === item.event.stage.name);
    });
  }
}

export type FollowOptions = {
  client: Pick<ApiClient, "deployment" | "logs">;
  id: string;
  io: Io;
  signal: AbortSignal;
  intervalMs?: number;
  now?: () => number;
};

// Resolves with the deployment's last snapshot once it has reached a final
// status and its log has been printed to the end. Rejects with an AbortError
// when `signal` fires, and with the API's error if polling keeps failing.
export async function followDeployment(opts: FollowOptions): Promise<DeploymentView> {
  const { client, id, io, signal } = opts;
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 700;
  const outPaint = paint(io.color.out);
  const errPaint = paint(io.color.err);
  const tracker = new StageTracker();
  let after = 0;
  let watermark: number | null = null;
  let finalSince: number | null = null;
  let finalPolls = 0;
  let failingSince: number | null = null;
  let view: DeploymentView | null = null;

  const print = (items: Printable[]) => {
    for (const item of items) {
      if (item.kind === "stage") {
        io.out(item.event.kind === "start" ? formatStageStart(item.event.stage.name, outPaint) : formatStageEnd(item.event.stage, outPaint));
      } else {
        if (item.line.stream === "stderr") io.err(formatLogLine(item.line, errPaint));
        else io.out(formatLogLine(item.line, outPaint));
      }
    }
  };

  for (;;) {
    signal.throwIfAborted();
    let newLines = 0;
    try {
      // Log first, then stages: the stages are then never behind the log, so
      // their lines wait for the log rather than the other way round.
      const lines: LogLine[] = [];
      let logDone = false;
      for (let pages = 0; pages < 10; pages++) {
        const page = await client.logs(id, after, LOG_PAGE, signal);
        lines.push(...page.lines);
        if (page.lines.length) after = page.lines[page.lines.length - 1].seq;
        logDone = page.done;
        if (page.lines.length < LOG_PAGE) break;
      }
      view = await client.deployment(id, signal);
      failingSince = null;
      newLines = lines.length;
      for (const line of lines) watermark = Math.max(watermark ?? -Infinity, time(line.at) ?? -Infinity);
      tracker.observe(view.stages, now());
      print(tracker.merge(lines, watermark, now()));
      if (logDone || FINAL.includes(view.deployment.status)) {
        finalSince ??= now();
        finalPolls += 1;
      }
    } catch (e) {
      if (signal.aborted) throw e;
      if (!isTransient(e)) throw e;
      if (failingSince === null) {
        failingSince = now();
        io.err(errPaint.yellow(`… ${(e as Error).message}; retrying`));
      } else if (now() - failingSince > GIVE_UP_AFTER_MS) {
        throw e;
      }
      await sleep(interval, undefined, { signal });
      continue;
    }
    // Once final, the worker may still be writing its last lines and stage:
    // stop at the first quiet poll after that with no stage running, or after
    // a grace period.
    if (finalSince !== null && view) {
      const quiet = finalPolls > 1 && newLines === 0 && !tracker.running;
      if (quiet || now() - finalSince > AFTER_DONE_GRACE_MS) break;
    }
    await sleep(finalSince !== null ? Math.min(interval, 300) : interval, undefined, { signal });
  }
  if (view) {
    tracker.observe(view.stages, now());
    print(tracker.merge([], watermark, now(), true));
  }
  return view!;
}

// Worth retrying: the console restarting or a network blip, not a refusal.
const isTransient = (e: unknown) => e instanceof NetworkError || (e instanceof ApiError && (e.status >= 500 || e.status === 429));

function time(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}
