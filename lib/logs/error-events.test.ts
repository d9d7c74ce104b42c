import { describe, expect, it } from "vitest";
import { errorShape, isErrorEntry } from "@/lib/logs/error-events";

const thrown = (message: string, line = 4) => `Error: ${message}\n    at charge (file:///app/api/pay.js:${line}:11)\n    at serve (file:///slipway/host.mjs:276:29)`;

describe("error events", () => {
  it("are stack traces on stderr and events the platform marks, not other output", () => {
    expect(isErrorEntry({ source: "stderr", text: thrown("boom") })).toBe(true);
    expect(isErrorEntry({ source: "stderr", text: "deprecated: use v2" })).toBe(false);
    expect(isErrorEntry({ source: "stdout", text: thrown("printed on purpose") })).toBe(false);
    expect(isErrorEntry({ source: "stdout", text: "exited", error: true })).toBe(true);
  });

  it("group by message with its numbers and ids masked, and by where they were thrown", () => {
    const a = errorShape(thrown("card declined for order 42 (user 0b5ac3c1-7c5e-4d8e-9f0a-3a1f6c2d4e5f)"));
    const b = errorShape(thrown("card declined for order 43 (user 11111111-2222-4333-8444-555555555555)"));
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.message).toBe("Error: card declined for order 42 (user 0b5ac3c1-7c5e-4d8e-9f0a-3a1f6c2d4e5f)");
    expect(a.stack).toBe("at charge (file:///app/api/pay.js:4:11)\nat serve (file:///slipway/host.mjs:276:29)");
    expect(errorShape(thrown("card declined for order 42", 9)).fingerprint).not.toBe(a.fingerprint);
    expect(errorShape(thrown("card expired for order 42")).fingerprint).not.toBe(a.fingerprint);
  });
});
