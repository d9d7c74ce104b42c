import { describe, expect, it } from "vitest";
import { formatDotenv, quoteDotenvValue } from "@/lib/cli/format-dotenv";
import { parseDotenv } from "@/lib/env-vars/parse-dotenv";

const TRICKY = [
  "",
  "plain",
  "https://example.com/a?b=c&d=e#top",
  "with spaces",
  "  leading and trailing  ",
  "pa#ss",
  "# a comment?",
  "it's",
  'say "hi"',
  "both ' and \"",
  "back\\slash",
  "line one\nline two",
  "crlf\r\nend",
  "tab\there",
  "$HOME and ${VAR}",
  "ünïcødé ✓",
  "=starts=with=equals",
  "'quoted'",
  "ends with backslash\\",
];

describe("quoteDotenvValue", () => {
  it("leaves simple values bare and quotes the rest", () => {
    expect(quoteDotenvValue("abc-123_./:@")).toBe("abc-123_./:@");
    expect(quoteDotenvValue("with spaces")).toBe("'with spaces'");
    expect(quoteDotenvValue("$HOME")).toBe("'$HOME'");
    expect(quoteDotenvValue("it's")).toBe('"it\'s"');
    expect(quoteDotenvValue("a\nb")).toBe('"a\\nb"');
  });

  it("writes every value so the .env parser reads it back exactly", () => {
    const text = formatDotenv(["header"], TRICKY.map((value, i) => ({ key: `K${i}`, value })));
    const parsed = parseDotenv(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.entries.map((e) => e.value)).toEqual(TRICKY);
  });
});

describe("formatDotenv", () => {
  it("writes the header and skipped variables as comments", () => {
    expect(formatDotenv(["Production variables of demo"], [{ key: "A", value: "1" }, { key: "API_SECRET", skipped: "is sensitive and was not pulled" }])).toBe(
      "# Production variables of demo\nA=1\n# API_SECRET is sensitive and was not pulled\n",
    );
  });
});
