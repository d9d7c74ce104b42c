import { describe, expect, it } from "vitest";
import { AcmeRateLimited, retryAfterMs } from "@/lib/certificates/acme-rate-limit";
import { retryDelayMs } from "@/lib/certificates/issue-certificate";

describe("a CA's rate limit", () => {
  it("reads Retry-After as seconds or an HTTP date, within a week and a day; anything else is none", () => {
    const now = Date.parse("2026-12-08T00:00:00Z");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs(" 0 ", now)).toBe(0);
    expect(retryAfterMs("Tue, 08 Dec 2026 01:00:00 GMT", now)).toBe(3600_000);
    expect(retryAfterMs("Mon, 07 Dec 2026 23:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("99999999", now)).toBe(8 * 24 * 3600_000);
    for (const bad of [undefined, "", "soon", "-5", "1.5", ["120"]]) expect(retryAfterMs(bad, now)).toBeNull();
  });

  it("waits as the CA says (a minute at least), an hour at least when it does not say; other failures back off from a minute", () => {
    expect(retryDelayMs(1, new AcmeRateLimited("slow down", 7200_000))).toBe(7200_000);
    expect(retryDelayMs(1, new AcmeRateLimited("slow down", 5_000))).toBe(60_000);
    expect(retryDelayMs(1, new AcmeRateLimited("slow down", null))).toBe(3600_000);
    expect(retryDelayMs(10, new AcmeRateLimited("slow down", null))).toBe(6 * 3600_000);
    expect([1, 2, 3, 20].map((n) => retryDelayMs(n, new Error("refused")))).toEqual([60_000, 120_000, 240_000, 6 * 3600_000]);
  });
});
