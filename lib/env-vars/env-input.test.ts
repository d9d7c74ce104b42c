import { describe, expect, it } from "vitest";
import { envChange, envChangesInput, envKey, formatKb, isPublicKey, keyProblem, MAX_VALUE_BYTES, valueProblem } from "@/lib/env-vars/env-input";

const messages = (result: { error?: { issues: { message: string }[] } }) => result.error?.issues.map((i) => i.message).join(" ") ?? "";
const ID = "5b0b7d0e-4a51-4b7e-9d51-3f6f0c2a9b11";

describe("keys", () => {
  it.each(["API_KEY", "_private", "a", "camelCase1", "K".repeat(256), "PATHS", "MY_PATH", "NODE_ENV", "SLIPWAYX"])("accepts %s", (key) => {
    expect(keyProblem(key)).toBeNull();
    expect(envKey.safeParse(key).success).toBe(true);
  });

  it.each([
    ["", /required/],
    ["1ABC", /1ABC is not a valid key/],
    ["MY-KEY", /MY-KEY is not a valid key/],
    ["MY KEY", /not a valid key/],
    ["KÉY", /not a valid key/],
    ["K".repeat(257), /at most 256 characters/],
    ["PATH", /PATH is reserved/],
    ["NODE_OPTIONS", /NODE_OPTIONS is reserved/],
    ["PORT", /PORT is reserved/],
    ["LD_PRELOAD", /LD_PRELOAD is reserved: keys starting with LD_/],
    ["SLIPWAY_SECRET_KEY", /keys starting with SLIPWAY_ are the platform's own/],
  ])("refuses %j", (key, message) => {
    expect(keyProblem(key)).toMatch(message);
    expect(messages(envKey.safeParse(key))).toMatch(message);
  });

  it("knows the public prefixes", () => {
    expect(["PUBLIC_GREETING", "VITE_API", "NEXT_PUBLIC_X"].every(isPublicKey)).toBe(true);
    expect(["GREETING_PUBLIC", "PUBLIC", "NEXT_API", "vite_x"].some(isPublicKey)).toBe(false);
  });
});

describe("values", () => {
  it("allows up to 32 KiB of UTF-8, counting bytes, not characters", () => {
    expect(valueProblem("x".repeat(MAX_VALUE_BYTES))).toBeNull();
    expect(valueProblem("x".repeat(MAX_VALUE_BYTES + 1))).toBe("The value is 32.1 KB; values are at most 32 KB.");
    expect(valueProblem("é".repeat(MAX_VALUE_BYTES / 2 + 1), "NAME")).toMatch(/^The value of NAME is 32\.1 KB/);
  });

  // Found by lib/security/fuzz/env-vars.fuzz.int.test.ts: a lone surrogate was saved as U+FFFD.
  it("refuses what no environment can hold or UTF-8 cannot encode", () => {
    expect(valueProblem("a\0b", "NAME")).toBe("The value of NAME contains a NUL character (\\0), which no environment variable can hold.");
    expect(valueProblem("\ud800")).toBe("The value is not valid Unicode: it contains half of a surrogate pair.");
    expect(valueProblem("😀 é")).toBeNull();
  });

  it("formats sizes rounded up, so just over a limit never reads as the limit", () => {
    expect([formatKb(65536), formatKb(65537), formatKb(71800), formatKb(0)]).toEqual(["64 KB", "64.1 KB", "70.2 KB", "0 KB"]);
  });
});

describe("envChange", () => {
  it("reads a set with defaults: no branch, targets deduplicated in a fixed order", () => {
    const parsed = envChange.parse({ op: "set", key: "API", value: "v", targets: ["development", "production", "production"] });
    expect(parsed).toEqual({ op: "set", key: "API", value: "v", targets: ["production", "development"], branch: null });
    expect(envChange.parse({ op: "set", key: "API", value: "v", targets: ["preview"], branch: " " })).toMatchObject({ branch: null });
  });

  it.each([
    [{ op: "set", key: "API", value: "v", targets: [] }, /at least one environment/],
    [{ op: "set", key: "API", value: "v", targets: ["staging"] }, /production, preview and development/],
    [{ op: "set", key: "API", value: "v", targets: ["production"], branch: "feature/x" }, /Preview only/],
    [{ op: "set", key: "API", value: "v", targets: ["preview"], branch: "../x" }, /not a valid branch/],
    [{ op: "set", key: "API", value: "v", targets: ["preview"], branch: "a\\b" }, /Branch names use/],
    [{ op: "set", key: "API", value: "v", targets: ["preview"], branch: "/abs" }, /not a valid branch/],
    [{ op: "set", key: "API", value: "v", targets: ["preview"], branch: "has space" }, /Branch names use/],
    [{ op: "set", key: "PUBLIC_X", value: "v", targets: ["preview"], sensitive: true }, /public key .* cannot be sensitive/],
    [{ op: "set", key: "API", value: 42, targets: ["preview"] }, /must be text/],
    [{ op: "set", key: "API", value: "v", targets: ["preview"], extra: 1 }, /Unrecognized key/],
    [{ op: "update", id: "nope" }, /Unknown variable/],
    [{ op: "rename", id: ID }, /op: set, update or delete/],
  ])("refuses %j", (change, message) => {
    expect(messages(envChange.safeParse(change))).toMatch(message);
  });

  it("reads updates and deletes by id", () => {
    expect(envChange.parse({ op: "update", id: ID, sensitive: true })).toEqual({ op: "update", id: ID, sensitive: true });
    expect(envChange.parse({ op: "delete", id: ID })).toEqual({ op: "delete", id: ID });
  });

  it("needs at least one change, and no unknown fields", () => {
    expect(messages(envChangesInput.safeParse({ changes: [] }))).toMatch(/no changes/);
    expect(messages(envChangesInput.safeParse({ changes: [{ op: "delete", id: ID }], force: true }))).toMatch(/Unrecognized key/);
  });
});
