import { errorShape, isErrorEntry } from "@/lib/logs/error-events";

// Runtime log lines on their way to log_lines (prisma/schema.prisma): kept
// in memory and written in batches, one INSERT of up to BATCH_ROWS rows every
// FLUSH_MS, never a write per line. Nothing that adds a line waits for a
// write. Memory is bounded: past MAX_PENDING waiting lines, new ones are
// dropped and counted; a batch the store refuses (down, slow past its
// timeout) is dropped and counted too, never retried into a growing backlog.
// An outage is logged once when it begins and once when it ends, with the
// number of lines it cost.

export type LogSource = "request" | "stdout" | "stderr";

export type LogEntry = {
  projectId: string;
  deploymentId: string;
  sha: string;
  /** Milliseconds since the epoch. */
  at: number;
  source: LogSource;
  method?: string;
  path?: string;
  status?: number;
  durationMs?: number;
  bytes?: number | null;
  arm?: "live" | "canary";
  instance?: string;
  text: string;
  /** The request's trace, when it is traced. */
  traceId?: string;
  /** The platform records an error event (a function threw, a process exited unexpectedly), whatever the text looks like. */
  error?: boolean;
};

export type LogWriterStats = { written: number; dropped: number; pending: number };

const FLUSH_MS = 250;
const BATCH_ROWS = 5000;
const MAX_PENDING = 20_000;
const MAX_TEXT = 10_000;
const MAX_PATH = 2048;
const STACK_FRAME = /^\s+at /;

// One JSON document per batch: JSON.stringify is native and Postgres parses
// json quickly, where node-postgres would escape 14 arrays element by element
// in JavaScript (measured: the larger share of the writer's CPU).
const INSERT = `INSERT INTO log_lines (project_id, deployment_id, sha, at, source, method, path, status, status_class, duration_ms, bytes, arm, instance, text, trace_id)
SELECT p, d, s, to_timestamp(t / 1000.0) AT TIME ZONE 'UTC', o::"LogSource", m, u, c, c / 100, ms, b, a, i, x, tr
FROM json_to_recordset($1::json) AS r(p uuid, d uuid, s text, t float8, o text, m text, u text, c int, ms real, b int, a text, i text, x text, tr text)`;

// Errors of the batch, grouped (lib/logs/error-events.ts), added to their groups' counts.
const UPSERT_ERRORS = `INSERT INTO error_groups (id, project_id, deployment_id, sha, fingerprint, message, stack, count, first_seen, last_seen)
SELECT gen_random_uuid(), p, d, s, f, m, k, n, to_timestamp(t0 / 1000.0) AT TIME ZONE 'UTC', to_timestamp(t1 / 1000.0) AT TIME ZONE 'UTC'
FROM json_to_recordset($1::json) AS r(p uuid, d uuid, s text, f text, m text, k text, n int, t0 float8, t1 float8)
ON CONFLICT (deployment_id, fingerprint) DO UPDATE SET count = error_groups.count + excluded.count, last_seen = greatest(error_groups.last_seen, excluded.last_seen)`;

// Postgres refuses NUL in text: such bytes become U+FFFD rather than failing the whole batch.
const clean = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s).replace(/\0/g, "\uFFFD");

export class LogWriter {
  private pending: LogEntry[] = [];
  private written = 0;
  private dropped = 0;
  private droppedInOutage = 0;
  private outage = false;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly opts: {
      /** Runs one statement with its values (a pg Pool's query, Prisma's $executeRawUnsafe). */
      query: (text: string, values: unknown[]) => Promise<unknown>;
      log?: (line: string) => void;
      maxPending?: number;
      flushMs?: number;
    },
  ) {}

  add(entry: LogEntry): void {
    // A stack trace's frames ("    at f (file.js:1:2)") join the line above them
    // (the error's message), so an error is one entry, read top to bottom.
    if (entry.source !== "request" && STACK_FRAME.test(entry.text)) {
      const last = this.pending[this.pending.length - 1];
      if (last && last.source === entry.source && last.deploymentId === entry.deploymentId && last.instance === entry.instance && last.text.length < MAX_TEXT) {
        last.text += `\n${entry.text}`;
        return;
      }
    }
    if (this.pending.length >= (this.opts.maxPending ?? MAX_PENDING)) {
      this.dropped++;
      if (this.outage) this.droppedInOutage++;
      return;
    }
    this.pending.push(entry);
  }

  stats(): LogWriterStats {
    return { written: this.written, dropped: this.dropped, pending: this.pending.length };
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs ?? FLUSH_MS);
    this.timer.unref();
  }

  /** Writes what waits, in batches; resolves when the last batch is written or dropped. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.length === 0) return Promise.resolve();
    this.flushing = this.drain().finally(() => (this.flushing = null));
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flushing;
    await this.flush();
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.length <= BATCH_ROWS ? this.pending : this.pending.slice(0, BATCH_ROWS);
      this.pending = this.pending.length <= BATCH_ROWS ? [] : this.pending.slice(BATCH_ROWS);
      try {
        await this.opts.query(INSERT, [rows(batch)]);
        this.written += batch.length;
        // The lines are written: an error report that fails to be counted costs only that count.
        const errors = errorGroups(batch);
        if (errors !== null) {
          await this.opts.query(UPSERT_ERRORS, [errors]).catch((e: Error) => this.opts.log?.(`runtime logs: error reports not counted (${e.message.split("\n")[0]})`));
        }
        if (this.outage) {
          this.outage = false;
          this.opts.log?.(`runtime logs: the log store is back; ${this.droppedInOutage} line(s) were dropped while it was away`);
          this.droppedInOutage = 0;
        }
      } catch (e) {
        this.dropped += batch.length;
        this.droppedInOutage += batch.length;
        if (!this.outage) {
          this.outage = true;
          this.opts.log?.(`runtime logs: the log store refused a write (${(e as Error).message.split("\n")[0]}); lines are dropped and counted until it is back`);
        }
        return;
      }
    }
  }
}

function errorGroups(batch: LogEntry[]): string | null {
  const groups = new Map<string, { p: string; d: string; s: string; f: string; m: string; k: string; n: number; t0: number; t1: number }>();
  for (const e of batch) {
    if (!isErrorEntry(e)) continue;
    const shape = errorShape(clean(e.text, MAX_TEXT));
    const key = `${e.deploymentId} ${shape.fingerprint}`;
    const g = groups.get(key);
    if (g) [g.n, g.t1] = [g.n + 1, Math.max(g.t1, e.at)];
    else groups.set(key, { p: e.projectId, d: e.deploymentId, s: e.sha, f: shape.fingerprint, m: shape.message, k: shape.stack, n: 1, t0: e.at, t1: e.at });
  }
  return groups.size === 0 ? null : JSON.stringify([...groups.values()]);
}

// The batch as the JSON rows INSERT reads (short keys: it is sent whole).
function rows(batch: LogEntry[]): string {
  return JSON.stringify(
    batch.map((e) => ({
      p: e.projectId,
      d: e.deploymentId,
      s: e.sha,
      t: e.at,
      o: e.source,
      m: e.method,
      u: e.path === undefined ? undefined : clean(e.path, MAX_PATH),
      c: e.status,
      ms: e.durationMs,
      b: e.bytes ?? undefined,
      a: e.arm,
      i: e.instance,
      x: clean(e.text, MAX_TEXT),
      tr: e.traceId,
    })),
  );
}
