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
};

export type LogWriterStats = { written: number; dropped: number; pending: number };

const FLUSH_MS = 250;
const BATCH_ROWS = 5000;
const MAX_PENDING = 20_000;
const MAX_TEXT = 10_000;
const MAX_PATH = 2048;
const STACK_FRAME = /^\s+at /;

const INSERT = `INSERT INTO log_lines (project_id, deployment_id, sha, at, source, method, path, status, status_class, duration_ms, bytes, arm, instance, text)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamp(3)[], $5::"LogSource"[], $6::text[], $7::text[], $8::int[], $9::smallint[], $10::real[], $11::int[], $12::text[], $13::text[], $14::text[])`;

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
        await this.opts.query(INSERT, columns(batch));
        this.written += batch.length;
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

function columns(batch: LogEntry[]): unknown[] {
  const cols: unknown[][] = Array.from({ length: 14 }, () => new Array(batch.length));
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i];
    cols[0][i] = e.projectId;
    cols[1][i] = e.deploymentId;
    cols[2][i] = e.sha;
    cols[3][i] = new Date(e.at).toISOString();
    cols[4][i] = e.source;
    cols[5][i] = e.method ?? null;
    cols[6][i] = e.path === undefined ? null : clean(e.path, MAX_PATH);
    cols[7][i] = e.status ?? null;
    cols[8][i] = e.status === undefined ? null : Math.floor(e.status / 100);
    cols[9][i] = e.durationMs ?? null;
    cols[10][i] = e.bytes ?? null;
    cols[11][i] = e.arm ?? null;
    cols[12][i] = e.instance ?? null;
    cols[13][i] = clean(e.text, MAX_TEXT);
  }
  return cols;
}
