// A least-recently-used map bounded by the total byte size of its values.
// A value larger than the whole budget is never stored.
export class ByteLru<V> {
  private readonly items = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get bytes() {
    return this.total;
  }

  get size() {
    return this.items.size;
  }

  get(key: string): V | undefined {
    const item = this.items.get(key);
    if (!item) return undefined;
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.items.delete(key);
    this.items.set(key, item);
    return item.value;
  }

  has(key: string) {
    return this.items.has(key);
  }

  set(key: string, value: V): boolean {
    const bytes = this.sizeOf(value);
    this.delete(key);
    if (bytes > this.maxBytes) return false;
    this.items.set(key, { value, bytes });
    this.total += bytes;
    for (const [oldest, item] of this.items) {
      if (this.total <= this.maxBytes) break;
      this.items.delete(oldest);
      this.total -= item.bytes;
    }
    return true;
  }

  delete(key: string) {
    const item = this.items.get(key);
    if (!item) return false;
    this.items.delete(key);
    this.total -= item.bytes;
    return true;
  }
}
