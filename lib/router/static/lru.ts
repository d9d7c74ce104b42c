// A least-recently-used map bounded by the total byte size of its values.
// A value larger than the whole budget is never stored. Recency is kept the
// "second chance" way (CLOCK): a hit only marks its item, and eviction, going
// from the oldest, moves marked items to the newest end instead of removing
// them. A hit is then one Map lookup, not a delete and an insert (the router
// looks up a kept answer on every request).
export class ByteLru<V> {
  private readonly items = new Map<string, { value: V; bytes: number; used: boolean }>();
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
    item.used = true;
    return item.value;
  }

  has(key: string) {
    return this.items.has(key);
  }

  set(key: string, value: V): boolean {
    const bytes = this.sizeOf(value);
    this.delete(key);
    if (bytes > this.maxBytes) return false;
    this.items.set(key, { value, bytes, used: false });
    this.total += bytes;
    // Map iteration visits entries moved to the end too, unmarked by then: this ends.
    for (const [oldest, item] of this.items) {
      if (this.total <= this.maxBytes) break;
      this.items.delete(oldest);
      if (item.used && oldest !== key) {
        item.used = false;
        this.items.set(oldest, item);
        continue;
      }
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
