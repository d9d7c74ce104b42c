import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseInput } from "@/lib/errors/parse-input";
import { appError } from "@/lib/testing/expect-app-error";

const schema = z.object({ name: z.string(), tags: z.array(z.string()).optional(), data: z.record(z.string(), z.unknown()).optional() });

describe("parseInput", () => {
  it("returns the parsed data", () => {
    expect(parseInput(schema, { name: "a", tags: ["b"] })).toEqual({ name: "a", tags: ["b"] });
  });

  it("names the first bad field", async () => {
    const e = await appError(Promise.resolve().then(() => parseInput(schema, { name: 1 })));
    expect(e.code).toBe("invalid");
    expect(e.message).toMatch(/^name: /);
  });

  // Found by lib/security/fuzz/git-urls.fuzz.int.test.ts: a NUL in a stored
  // field (a repository URL) reached Postgres and came back as a 500.
  it.each([
    [{ name: "a\0b" }, "name"],
    [{ name: "a", tags: ["ok", "b\0"] }, "tags.1"],
    [{ name: "a", data: { "k\0": 1 } }, "data.k\0"],
    [{ name: "a", data: { deep: [{ x: "\0" }] } }, "data.deep.0.x"],
  ])("refuses a NUL character anywhere in the parsed data, naming the field", async (input, field) => {
    const e = await appError(Promise.resolve().then(() => parseInput(schema, input)));
    expect(e.code).toBe("invalid");
    expect(e.message).toBe(`${field}: Text cannot contain NUL characters (\\0).`);
    expect(e.details).toEqual({ fields: { [field]: "Text cannot contain NUL characters (\\0)." } });
  });

  // Found by lib/security/fuzz/env-vars.fuzz.int.test.ts: a variable's value
  // with a lone surrogate was saved as U+FFFD, not as sent.
  it("refuses a lone surrogate, which has no UTF-8 form, but keeps real pairs", async () => {
    const e = await appError(Promise.resolve().then(() => parseInput(schema, { name: "a", tags: ["\ud800"] })));
    expect(e.message).toBe("tags.0: Text must be valid Unicode: it contains half of a surrogate pair.");
    expect(parseInput(schema, { name: "😀" })).toEqual({ name: "😀" });
  });
});
