// Turns a byte stream into complete lines without ever holding more than one
// line (at most MAX_LINE_BYTES) in memory.
//
// - "\n" and "\r\n" end a line; the terminator is not part of the text.
// - A lone "\r" (progress bars) returns to the start of the line: the text
//   after it replaces the text before it, as on a terminal, so a progress bar
//   that redraws itself a thousand times becomes one line, not a thousand.
// - A line longer than MAX_LINE_BYTES is split into pieces of at most that
//   many bytes, cut between characters, so nothing is lost and UTF-8 stays valid.
// - end() flushes a final line that has no terminator.
export const MAX_LINE_BYTES = 8 * 1024;

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private readonly buf: Buffer;
  private len = 0;
  private afterCR = false;

  constructor(
    private readonly emit: (text: string) => void,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 4) throw new RangeError("maxLineBytes must be an integer of at least 4.");
    this.buf = Buffer.allocUnsafe(maxLineBytes);
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.afterCR) {
        this.afterCR = false;
        if (chunk[i] === LF) {
          this.flushLine();
          i++;
          continue;
        }
        this.len = 0; // lone CR: what follows overwrites the line
      }
      let j = i;
      while (j < n && chunk[j] !== LF && chunk[j] !== CR) j++;
      this.append(chunk, i, j);
      if (j === n) return;
      if (chunk[j] === LF) this.flushLine();
      else this.afterCR = true;
      i = j + 1;
    }
  }

  /** Flush what is left: a last line without terminator, or a line ended by a lone CR. */
  end(): void {
    if (this.len > 0 || this.afterCR) this.flushLine();
    this.afterCR = false;
  }

  private append(chunk: Uint8Array, from: number, to: number) {
    while (from < to) {
      if (this.len === this.maxLineBytes) this.splitLongLine();
      const take = Math.min(this.maxLineBytes - this.len, to - from);
      this.buf.set(chunk.subarray(from, from + take), this.len);
      this.len += take;
      from += take;
    }
  }

  private flushLine() {
    const text = this.buf.toString("utf8", 0, this.len);
    this.len = 0;
    this.emit(text);
  }

  // The buffer is full and the line goes on: emit the full buffer up to the
  // last complete UTF-8 character and keep the rest for the next piece.
  private splitLongLine() {
    let cut = this.len;
    let lead = this.len - 1;
    while (lead > this.len - 4 && lead > 0 && (this.buf[lead] & 0xc0) === 0x80) lead--;
    const b = this.buf[lead];
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (this.len - lead < size && lead > 0) cut = lead;
    const text = this.buf.toString("utf8", 0, cut);
    this.buf.copyWithin(0, cut, this.len);
    this.len -= cut;
    this.emit(text);
  }
}
