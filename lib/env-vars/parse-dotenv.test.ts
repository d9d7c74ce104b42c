import { describe, expect, it } from "vitest";
import { parseDotenv } from "@/lib/env-vars/parse-dotenv";

const values = (text: string) => Object.fromEntries(parseDotenv(text).entries.map((e) => [e.key, e.value]));

describe("parseDotenv", () => {
  it("reads KEY=value lines with their line numbers, skipping comments and blank lines", () => {
    const text = "# settings\n\nAPI_URL=https://api.example.com\n  # indented comment\nexport TOKEN=abc\nEMPTY=\n";
    expect(parseDotenv(text)).toEqual({
      entries: [
        { key: "API_URL", value: "https://api.example.com", line: 3 },
        { key: "TOKEN", value: "abc", line: 5 },
        { key: "EMPTY", value: "", line: 6 },
      ],
      errors: [],
    });
  });

  it("trims around the key, the '=' and unquoted values, and ends them at a ' #' comment only", () => {
    expect(values("  A = one two  \nB=x # note\nC=https://x.test/#top\nD=pa#ss\nE=#starts-a-comment\n")).toEqual({
      A: "one two",
      B: "x",
      C: "https://x.test/#top",
      D: "pa#ss",
      E: "",
    });
  });

  it("keeps '=' signs after the first in the value", () => {
    expect(values("DATABASE_URL=postgres://u:p@h/db?sslmode=require&x==y")).toEqual({ DATABASE_URL: "postgres://u:p@h/db?sslmode=require&x==y" });
  });

  it("reads single quotes literally and double quotes with \\n \\r \\t \\\" \\\\ escapes", () => {
    const text = [
      `SINGLE='a \\n "b" # not a comment'`,
      `DOUBLE="line1\\nline2 \\"q\\" back\\\\slash tab\\t"`,
      `OTHER="keeps \\x as is"`,
      `SPACES="  padded  "   # trailing comment`,
      `EMPTY_QUOTED=""`,
    ].join("\n");
    expect(values(text)).toEqual({
      SINGLE: 'a \\n "b" # not a comment',
      DOUBLE: 'line1\nline2 "q" back\\slash tab\t',
      OTHER: "keeps \\x as is",
      SPACES: "  padded  ",
      EMPTY_QUOTED: "",
    });
  });

  it("reads multi-line quoted values and counts lines after them correctly", () => {
    const text = 'FIRST=1\nKEY="-----BEGIN KEY-----\nabc\n-----END KEY-----"\nAFTER=2\nLITERAL=\'x\ny\'\nDUP=1\nDUP=2';
    const result = parseDotenv(text);
    expect(result.entries).toEqual([
      { key: "FIRST", value: "1", line: 1 },
      { key: "KEY", value: "-----BEGIN KEY-----\nabc\n-----END KEY-----", line: 2 },
      { key: "AFTER", value: "2", line: 5 },
      { key: "LITERAL", value: "x\ny", line: 6 },
      { key: "DUP", value: "1", line: 8 },
    ]);
    expect(result.errors).toEqual([{ line: 9, message: "line 9: DUP is already set on line 8." }]);
  });

  it("reads CRLF and CR line ends like LF, inside quotes too, and ignores a byte-order mark", () => {
    const result = parseDotenv('\uFEFFA=1\r\nB="x\r\ny"\r\nC=3\rD=4\r\n');
    expect(result.entries).toEqual([
      { key: "A", value: "1", line: 1 },
      { key: "B", value: "x\ny", line: 2 },
      { key: "C", value: "3", line: 4 },
      { key: "D", value: "4", line: 5 },
    ]);
    expect(result.errors).toEqual([]);
  });

  it("reports duplicates naming the first line, and keeps the first value", () => {
    const text = "API_KEY=one\nOTHER=x\n\n# c\n\n\nAPI_KEY=two";
    expect(parseDotenv(text)).toEqual({
      entries: [
        { key: "API_KEY", value: "one", line: 1 },
        { key: "OTHER", value: "x", line: 2 },
      ],
      errors: [{ line: 7, message: "line 7: API_KEY is already set on line 1." }],
    });
  });

  it("reports invalid, reserved and missing keys, lines without '=', and oversized values, and reads on", () => {
    const text = ["1ABC=x", "MY-KEY=x", "PATH=/bin", "SLIPWAY_TOKEN=x", "=x", "just some text", `BIG=${"x".repeat(33 * 1024)}`, "OK=yes"].join("\n");
    const result = parseDotenv(text);
    expect(result.entries).toEqual([{ key: "OK", value: "yes", line: 8 }]);
    expect(result.errors.map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const messages = result.errors.map((e) => e.message);
    expect(messages[0]).toMatch(/^line 1: 1ABC is not a valid key/);
    expect(messages[1]).toMatch(/^line 2: MY-KEY is not a valid key/);
    expect(messages[2]).toMatch(/^line 3: PATH is reserved/);
    expect(messages[3]).toMatch(/^line 4: SLIPWAY_TOKEN is reserved: keys starting with SLIPWAY_/);
    expect(messages[4]).toBe("line 5: A key is required.");
    expect(messages[5]).toBe("line 6: expected KEY=value.");
    expect(messages[6]).toBe("line 7: The value of BIG is 33 KB; values are at most 32 KB.");
  });

  it("reports an unclosed quote at its line and stops there, and text after a closing quote", () => {
    expect(parseDotenv('A=1\nB="never closed\nC=3')).toEqual({
      entries: [{ key: "A", value: "1", line: 1 }],
      errors: [{ line: 2, message: 'line 2: the " that opens the value of B is never closed.' }],
    });
    expect(parseDotenv("A='x' y\nB=2")).toEqual({
      entries: [{ key: "B", value: "2", line: 2 }],
      errors: [{ line: 1, message: "line 1: unexpected text after the closing ' of A's value." }],
    });
  });

  it("reads an empty text as nothing", () => {
    expect(parseDotenv("")).toEqual({ entries: [], errors: [] });
    expect(parseDotenv("\n\n# only comments\n")).toEqual({ entries: [], errors: [] });
  });
});
