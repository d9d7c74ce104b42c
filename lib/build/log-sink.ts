import type { Db } from "@/lib/db/client";
import type { LogStream } from "@/lib/generated/prisma/enums";

const FLUSH_LINES = 2000;
const FLUSH_MS = 200;
const MAX_LINE_CHARS = 8192;

// Buffers a build's output lines and writes them in batches (never a row write
// per line from the build's hot path). Lines are masked before they are kept, so
// a secret never reaches the database. Readers poll by seq, so batches appear
// in the console within FLUSH_MS.
export class LogSink {
  private seq: number;
  private buffer: { deploymentId: string; seq: number; stream: LogStream; text: string; createdAt: Date }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private failed: unknown = null;

  constructor(
    private readonly db: Db,
    private readonly deploymentId: string,
    private readonly mask: (text: string) => string,
    startSeq = 0,
  ) {
    this.seq = startSeq;
  }

  write(stream: LogStream, text: string) {
    const line = text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}… [line truncated]` : text;
    this.buffer.push({ deploymentId: this.deploymentId, seq: ++this.seq, stream, text: this.mask(line), createdAt: new Date() });
    if (this.buffer.length >= FLUSH_LINES) this.flushSoon(0);
    else this.flushSoon(FLUSH_MS);
  }

  system(text: string) {
    this.write("system", text);
  }

  get lastSeq() {
    return this.seq;
  }

  private flushSoon(ms: number) {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, ms);
  }

  // Writes are chained so batches land in seq order.
  flush(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length > 0) {
      // One INSERT of arrays: a 2000-row createMany kept the worker's event loop
      // (and with it the build's heartbeat) busy for seconds.
      this.writing = this.writing.then(() =>
        this.db.$executeRaw`
          INSERT INTO build_log_lines (deployment_id, seq, stream, text, created_at)
          SELECT * FROM unnest(
            ${batch.map((l) => l.deploymentId)}::uuid[], ${batch.map((l) => l.seq)}::int[],
            ${batch.map((l) => l.stream)}::"LogStream"[], ${batch.map((l) => l.text)}::text[],
            ${batch.map((l) => l.createdAt)}::timestamptz[])`.then(
          () => undefined,
          (e) => {
            this.failed ??= e;
          },
        ),
      );
    }
    return this.writing;
  }

  async close() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
    if (this.failed) throw this.failed;
  }
}
