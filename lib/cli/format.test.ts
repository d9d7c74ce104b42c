import { describe, expect, it } from "vitest";
import type { Stage } from "@/lib/cli/api-client";
import { formatDuration, formatLogLine, formatStageEnd, formatStageStart, isStageMarker, paint } from "@/lib/cli/format";
import { formatBytes } from "@/lib/ui/format";

const stage = (s: Partial<Stage> & Pick<Stage, "name" | "status">): Stage => ({
  detail: null,
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:00:01.234Z",
  ...s,
});

describe("stage lines", () => {
  it("starts with a triangle", () => {
    expect(formatStageStart("install")).toBe("▸ install …");
  });

  it("ends with a mark, the padded name, the duration and the worker's detail", () => {
    expect(formatStageEnd(stage({ name: "install", status: "succeeded", detail: "restored from cache" }))).toBe("✓ install  1.2 s  restored from cache");
    expect(formatStageEnd(stage({ name: "build", status: "failed", detail: "`npm run build`: exited with code 2" }))).toBe(
      "✗ build    1.2 s  `npm run build`: exited with code 2",
    );
    expect(formatStageEnd(stage({ name: "migrate", status: "skipped" }))).toBe("– migrate  skipped");
    expect(formatStageEnd(stage({ name: "build", status: "canceled" }))).toBe("– build    canceled");
    expect(formatStageEnd(stage({ name: "source", status: "succeeded", finishedAt: null }))).toBe("✓ source");
  });

  it("keeps a multi-line detail on one line", () => {
    expect(formatStageEnd(stage({ name: "build", status: "failed", detail: "first\n  second\n" }))).toBe("✗ build    1.2 s  first second");
  });

  it("colours only when asked", () => {
    const line = formatStageEnd(stage({ name: "install", status: "succeeded" }), paint(true));
    expect(line).toBe("\x1b[32m✓\x1b[0m install  \x1b[2m1.2 s\x1b[0m");
    expect(formatStageStart("install", paint(false))).not.toContain("\x1b");
  });
});

describe("log lines", () => {
  const line = (stream: "stdout" | "stderr" | "system", text: string) => ({ seq: 1, stream, text, at: "2026-01-01T00:00:00Z" });

  it("are indented under a gutter", () => {
    expect(formatLogLine(line("stdout", "copied public/ to dist/"))).toBe("  │ copied public/ to dist/");
    expect(formatLogLine(line("stderr", "boom"))).toBe("  │ boom");
    expect(formatLogLine(line("system", "Deployment is live."), paint(true))).toBe("\x1b[2m  │ \x1b[0m\x1b[2mDeployment is live.\x1b[0m");
  });

  it("recognises the worker's stage markers, and only those", () => {
    expect(isStageMarker(line("system", "── install"))).toBe(true);
    expect(isStageMarker(line("stdout", "── install"))).toBe(false);
    expect(isStageMarker(line("system", "── install: something else"))).toBe(false);
  });
});

describe("sizes and durations", () => {
  it("formats bytes in SI units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(3400)).toBe("3.4 kB");
    expect(formatBytes(123_456)).toBe("123 kB");
    expect(formatBytes(5_300_000)).toBe("5.3 MB");
  });

  it("formats durations", () => {
    expect(formatDuration(42)).toBe("42 ms");
    expect(formatDuration(1234)).toBe("1.2 s");
    expect(formatDuration(12_400)).toBe("12 s");
    expect(formatDuration(125_000)).toBe("2 m 05 s");
    expect(formatDuration(-1)).toBe("");
  });
});
