import { describe, expect, it } from "vitest";
import { LineSplitter, MAX_LINE_BYTES } from "@/lib/build/sandbox/line-splitter";

function split(chunks: (string | Buffer)[], max?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((t) => lines.push(t), max);
  for (const c of chunks) splitter.push(typeof c === "string" ? Buffer.from(c) : c);
  splitter.end();
  return lines;
}

describe("LineSplitter", () => {
  it("emits complete lines, keeps empty ones and flushes a last partial line", () => {
    expect(split(["a\n\nb", "c\nrest"])).toEqual(["a", "", "bc", "rest"]);
    expect(split(["a\n"])).toEqual(["a"]);
    expect(split([])).toEqual([]);
  });

  it("treats CRLF as one line end, even split across chunks", () => {
    expect(split(["one\r\ntwo\r", "\nthree\r\n"])).toEqual(["one", "two", "three"]);
  });

  it("lets text after a lone CR replace the line, like a terminal", () => {
    expect(split(["10%\r50%", "\r100%\ndone\n"])).toEqual(["100%", "done"]);
    expect(split(["progress 99%\r"])).toEqual(["progress 99%"]);
    expect(split(["a\r", "b\n"])).toEqual(["b"]);
  });

  it("splits a long line into pieces of at most the limit and loses nothing", () => {
    const long = "x".repeat(100 * 1024);
    const lines = split([long.slice(0, 5000), long.slice(5000), "\nnext\n"]);
    expect(lines.at(-1)).toBe("next");
    const pieces = lines.slice(0, -1);
    expect(pieces.length).toBe(Math.ceil(long.length / MAX_LINE_BYTES));
    for (const p of pieces) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(pieces.join("")).toBe(long);
  });

  it("never cuts a UTF-8 character in two when splitting", () => {
    const line = "ab€€€€"; // 2 + 4 * 3 bytes
    const pieces = split([Buffer.from(line).subarray(0, 5), Buffer.from(line).subarray(5), "\n"], 8);
    expect(pieces.join("")).toBe(line);
    for (const p of pieces) {
      expect(p).not.toContain("\uFFFD");
      expect(Buffer.byteLength(p)).toBeLessThanOrEqual(8);
    }
  });

  it("decodes characters split across chunks", () => {
    const bytes = Buffer.from("héllo wörld\n");
    expect(split([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)])).toEqual(["héllo wörld"]);
  });
});
