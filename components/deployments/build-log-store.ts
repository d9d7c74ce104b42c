import { chunkFirstSeq, chunkOf, chunksForRange, LOG_CHUNK_SIZE, LogChunkCache } from "@/lib/ui/log-chunks";
import { fetchLogPage } from "@/components/deployments/queries";
import type { LogLine } from "@/components/deployments/types";

const POLL_MS = 1000;
const RETRY_MS = 3000;

// The build log viewer's data: a bounded cache of line chunks, filled on demand
// for the rows on screen, and a tail poll (every second until the server says
// the log is done) that learns the line count and appends new lines.
// Components read it through useSyncExternalStore(subscribe, getVersion).
export class BuildLogStore {
  readonly cache = new LogChunkCache<LogLine>();
  done = false;
  error: Error | null = null;

  private version = 0;
  private readonly listeners = new Set<() => void>();
  private controller: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly inflight = new Set<number>();
  private readonly failed = new Set<number>();
  private near = 0;

  constructor(private readonly deploymentId: string) {}

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getVersion = () => this.version;

  get total() {
    return this.cache.total;
  }

  start() {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    if (!this.done) void this.poll(controller);
  }

  stop() {
    this.controller?.abort();
    this.controller = null;
    clearTimeout(this.timer);
    this.inflight.clear();
  }

  // The deployment page knows a line count too; the log never shrinks.
  growTo(total: number) {
    if (total <= this.cache.total) return;
    this.cache.growTo(total);
    this.emit();
  }

  // Load whatever the seqs first…last (the rows on screen plus overscan) still miss.
  ensure(first: number, last: number) {
    this.near = chunkOf(Math.max(1, Math.floor((first + last) / 2)));
    for (const chunk of chunksForRange(first, Math.min(last, this.cache.total))) {
      if (this.inflight.has(chunk) || this.failed.has(chunk) || !this.cache.needsFetch(chunk)) continue;
      void this.fetchChunk(chunk);
    }
  }

  retry() {
    this.failed.clear();
    this.error = null;
    this.emit();
    if (this.controller && !this.done) {
      clearTimeout(this.timer);
      void this.poll(this.controller);
    }
  }

  private async poll(controller: AbortController) {
    let delay = POLL_MS;
    try {
      const before = this.cache.total;
      const page = await fetchLogPage(this.deploymentId, before, LOG_CHUNK_SIZE, controller.signal);
      if (controller.signal.aborted) return;
      this.cache.insert(page.lines, page.lastSeq);
      this.cache.evict(this.near);
      this.error = null;
      // Finished means a terminal deployment and a poll that brought nothing new:
      // the last lines may still be landing when the status turns terminal.
      this.done = page.done && page.lines.length === 0 && page.lastSeq <= before;
    } catch (e) {
      if (controller.signal.aborted) return;
      this.error = e instanceof Error ? e : new Error("The build log could not be loaded.");
      delay = RETRY_MS;
    }
    this.emit();
    if (!this.done) this.timer = setTimeout(() => void this.poll(controller), delay);
  }

  private async fetchChunk(chunk: number) {
    const controller = this.controller;
    if (!controller) return;
    this.inflight.add(chunk);
    try {
      const after = chunkFirstSeq(chunk) - 1;
      const page = await fetchLogPage(this.deploymentId, after, LOG_CHUNK_SIZE, controller.signal);
      if (controller.signal.aborted) return;
      this.cache.insert(page.lines, page.lastSeq);
      this.cache.markRequested(chunk, page.lastSeq);
      this.cache.evict(this.near);
    } catch (e) {
      if (controller.signal.aborted) return;
      this.failed.add(chunk);
      this.error = e instanceof Error ? e : new Error("Part of the build log could not be loaded.");
    } finally {
      if (controller === this.controller) this.inflight.delete(chunk);
    }
    this.emit();
  }

  private emit() {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
