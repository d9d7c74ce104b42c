import { describe, expect, it } from "vitest";
import { elapsedMs, formatBytes, formatBytesDelta, formatDuration, shortDigest, shortId, shortSha } from "@/lib/ui/format";

describe("formatBytes", () => {
  it("uses decimal units with one decimal below ten", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1000)).toBe("1 kB");
    expect(formatBytes(1234)).toBe("1.2 kB");
    expect(formatBytes(12_345)).toBe("12 kB");
    expect(formatBytes(123_456)).toBe("123 kB");
    expect(formatBytes(5_600_000)).toBe("5.6 MB");
    expect(formatBytes(2_000_000_000)).toBe("2 GB");
  });

  it("moves to the next unit instead of showing 1000", () => {
    expect(formatBytes(999_700)).toBe("1 MB");
  });

  it("rejects nonsense", () => {
    expect(formatBytes(-1)).toBe("—");
    expect(formatBytes(Number.NaN)).toBe("—");
  });
});

describe("formatBytesDelta", () => {
  it("signs the difference and says when there is none", () => {
    expect(formatBytesDelta(1234)).toBe("+1.2 kB");
    expect(formatBytesDelta(-300)).toBe("−300 B");
    expect(formatBytesDelta(0)).toBe("no change");
    expect(formatBytesDelta(Number.NaN)).toBe("—");
  });
});

describe("formatDuration", () => {
  it("scales its unit with the length", () => {
    expect(formatDuration(0)).toBe("0ms");
    expect(formatDuration(850)).toBe("850ms");
    expect(formatDuration(4_260)).toBe("4.2s");
    expect(formatDuration(9_999)).toBe("9.9s");
    expect(formatDuration(37_900)).toBe("37s");
    expect(formatDuration(125_000)).toBe("2m 05s");
    expect(formatDuration(3_840_000)).toBe("1h 04m");
  });

  it("rejects negative times", () => {
    expect(formatDuration(-5)).toBe("—");
  });
});

describe("elapsedMs", () => {
  const start = "2026-01-01T00:00:00.000Z";
  it("measures a closed interval", () => {
    expect(elapsedMs(start, "2026-01-01T00:01:30.000Z", 0)).toBe(90_000);
  });
  it("runs an open interval to now", () => {
    expect(elapsedMs(start, null, Date.parse(start) + 2_500)).toBe(2_500);
  });
  it("is null before the start and never negative", () => {
    expect(elapsedMs(null, null, 0)).toBeNull();
    expect(elapsedMs(start, null, Date.parse(start) - 1_000)).toBe(0);
  });
});

describe("short forms", () => {
  it("shortens shas, ids and digests", () => {
    expect(shortSha("0123456789abcdef")).toBe("0123456");
    expect(shortId("3f1c2b4a-1111-2222-3333-444455556666")).toBe("3f1c2b4a");
    expect(shortDigest("sha256:9f86d081884c7d659a2feaa0c55ad015")).toBe("9f86d081884c");
    expect(shortDigest("9f86d081884c7d659a2f", 8)).toBe("9f86d081");
  });
});
