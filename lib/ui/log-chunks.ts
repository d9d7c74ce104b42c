// The build log viewer's memory-bounded line cache. Lines are numbered by seq,
// from 1 and without gaps; chunk c holds seqs c*size+1 … (c+1)*size, which is
// exactly what `GET …/logs?after=c*size&limit=size` returns.

export const LOG_CHUNK_SIZE = 2000;
export const LOG_MAX_CHUNKS = 50;

export const chunkOf = (seq: number, size = LOG_CHUNK_SIZE) => Math.floor((seq - 1) / size);
export const chunkFirstSeq = (chunk: number, size = LOG_CHUNK_SIZE) => chunk * size + 1;
export const chunkLastSeq = (chunk: number, size = LOG_CHUNK_SIZE) => (chunk + 1) * size;

// The chunks that hold seqs first…last (inclusive); none for an empty range.
export function chunksForRange(first: number, last: number, size = LOG_CHUNK_SIZE): number[] {
  if (last < first || last < 1) return [];
  const from = chunkOf(Math.max(1, first), size);
  const to = chunkOf(last, size);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

type Chunk<L> = {
  lines: (L | undefined)[];
  count: number;
  // The highest seq a chunk request has asked the server for; lines up to here
  // that are still missing will not be asked for again.
  requestedThrough: number;
};

export class LogChunkCache<L extends { seq: number }> {
  private readonly chunks = new Map<number, Chunk<L>>();
  // The highest seq the server has reported; the log has exactly this many lines.
  total = 0;

  constructor(
    readonly chunkSize = LOG_CHUNK_SIZE,
    readonly maxChunks = LOG_MAX_CHUNKS,
  ) {}

  get size() {
    return this.chunks.size;
  }

  has(chunk: number) {
    return this.chunks.has(chunk);
  }

  get(seq: number): L | undefined {
    const chunk = this.chunks.get(chunkOf(seq, this.chunkSize));
    return chunk?.lines[seq - chunkFirstSeq(chunkOf(seq, this.chunkSize), this.chunkSize)];
  }

  // The log only grows: a smaller count (an older response) changes nothing.
  growTo(total: number) {
    if (total > this.total) this.total = total;
  }

  insert(lines: readonly L[], lastSeq = 0) {
    for (const line of lines) {
      if (!Number.isInteger(line.seq) || line.seq < 1) continue;
      const index = chunkOf(line.seq, this.chunkSize);
      const chunk = this.chunkFor(index);
      const offset = line.seq - chunkFirstSeq(index, this.chunkSize);
      if (chunk.lines[offset] === undefined) chunk.count++;
      chunk.lines[offset] = line;
      this.growTo(line.seq);
    }
    this.growTo(lastSeq);
  }

  // Record that a chunk request came back, after its lines were inserted.
  markRequested(chunk: number, lastSeq: number) {
    this.chunkFor(chunk).requestedThrough = Math.min(chunkLastSeq(chunk, this.chunkSize), lastSeq);
  }

  // Whether the chunk has lines the log holds but the cache does not and a request
  // has not asked for yet.
  needsFetch(chunk: number): boolean {
    const last = Math.min(chunkLastSeq(chunk, this.chunkSize), this.total);
    const expected = last - chunkFirstSeq(chunk, this.chunkSize) + 1;
    if (expected <= 0) return false;
    const entry = this.chunks.get(chunk);
    if (!entry) return true;
    return entry.count < expected && entry.requestedThrough < last;
  }

  // Drop the chunks farthest from `near` until at most maxChunks remain; returns the dropped ones.
  evict(near: number): number[] {
    if (this.chunks.size <= this.maxChunks) return [];
    const byDistance = [...this.chunks.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near) || b - a);
    const dropped = byDistance.slice(0, this.chunks.size - this.maxChunks);
    for (const chunk of dropped) this.chunks.delete(chunk);
    return dropped;
  }

  private chunkFor(index: number): Chunk<L> {
    let chunk = this.chunks.get(index);
    if (!chunk) {
      chunk = { lines: [], count: 0, requestedThrough: 0 };
      this.chunks.set(index, chunk);
    }
    return chunk;
  }
}
