import { describe, expect, it } from "vitest";
import { chunkFirstSeq, chunkLastSeq, chunkOf, chunksForRange, LogChunkCache } from "@/lib/ui/log-chunks";

type Line = { seq: number; text: string };
const lines = (from: number, to: number): Line[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, text: `line ${from + i}` }));

describe("chunk math", () => {
  it("maps seqs (from 1) to chunks of 2000", () => {
    expect([chunkOf(1), chunkOf(2000), chunkOf(2001), chunkOf(100_000)]).toEqual([0, 0, 1, 49]);
    expect([chunkFirstSeq(0), chunkLastSeq(0), chunkFirstSeq(3), chunkLastSeq(3)]).toEqual([1, 2000, 6001, 8000]);
  });

  it("lists the chunks a range of seqs touches", () => {
    expect(chunksForRange(1, 30)).toEqual([0]);
    expect(chunksForRange(1990, 2010)).toEqual([0, 1]);
    expect(chunksForRange(0, 4001)).toEqual([0, 1, 2]);
    expect(chunksForRange(5, 4)).toEqual([]);
    expect(chunksForRange(0, 0)).toEqual([]);
  });

  it("honours a custom chunk size", () => {
    expect(chunksForRange(1, 25, 10)).toEqual([0, 1, 2]);
  });
});

describe("LogChunkCache", () => {
  it("stores lines by seq and tracks the total", () => {
    const cache = new LogChunkCache<Line>(10);
    cache.insert(lines(1, 15), 40);
    expect(cache.get(1)?.text).toBe("line 1");
    expect(cache.get(15)?.text).toBe("line 15");
    expect(cache.get(16)).toBeUndefined();
    expect(cache.total).toBe(40);
    cache.growTo(12);
    expect(cache.total).toBe(40);
  });

  it("asks for a chunk until a request covered it", () => {
    const cache = new LogChunkCache<Line>(10);
    cache.growTo(25);
    expect([0, 1, 2, 3].map((c) => cache.needsFetch(c))).toEqual([true, true, true, false]);
    cache.insert(lines(1, 10), 25);
    cache.markRequested(0, 25);
    expect(cache.needsFetch(0)).toBe(false);
    // The tail chunk is partly there: lines 21-23 came from polling, 24-25 are missing.
    cache.insert(lines(21, 23), 25);
    expect(cache.needsFetch(2)).toBe(true);
    cache.insert(lines(24, 25), 25);
    expect(cache.needsFetch(2)).toBe(false);
  });

  it("does not ask again for lines a request already missed, until the log grows", () => {
    const cache = new LogChunkCache<Line>(10);
    cache.growTo(8);
    cache.insert(lines(1, 5), 8);
    cache.markRequested(0, 8);
    expect(cache.needsFetch(0)).toBe(false);
    cache.growTo(9);
    expect(cache.needsFetch(0)).toBe(true);
  });

  it("counts a line once when it arrives twice", () => {
    const cache = new LogChunkCache<Line>(10);
    cache.insert(lines(1, 5));
    cache.insert(lines(3, 10));
    cache.growTo(10);
    expect(cache.needsFetch(0)).toBe(false);
  });

  it("keeps at most maxChunks, dropping the farthest from the view", () => {
    const cache = new LogChunkCache<Line>(10, 3);
    for (const c of [0, 1, 2, 3, 4, 5]) cache.insert(lines(c * 10 + 1, c * 10 + 10));
    expect(cache.size).toBe(6);
    expect(cache.evict(4).sort()).toEqual([0, 1, 2]);
    expect(cache.size).toBe(3);
    expect([3, 4, 5].every((c) => cache.has(c))).toBe(true);
    expect(cache.get(5)).toBeUndefined();
    expect(cache.get(45)?.text).toBe("line 45");
    expect(cache.evict(0)).toEqual([]);
  });

  it("stays bounded for a 100,000-line log read end to end", () => {
    const cache = new LogChunkCache<Line>();
    for (let c = 0; c < 50 * 2; c++) {
      cache.insert(lines(c * 2000 + 1, c * 2000 + 2000), 200_000);
      cache.evict(c);
      expect(cache.size).toBeLessThanOrEqual(50);
    }
    expect(cache.get(200_000)?.seq).toBe(200_000);
    expect(cache.get(1)).toBeUndefined();
  });

  it("ignores malformed seqs", () => {
    const cache = new LogChunkCache<Line>(10);
    cache.insert([{ seq: 0, text: "x" }, { seq: 1.5, text: "y" }]);
    expect(cache.size).toBe(0);
    expect(cache.total).toBe(0);
  });
});
