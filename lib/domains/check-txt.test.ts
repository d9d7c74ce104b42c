import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/lib/config/env";
import { checkTxtRecord } from "@/lib/domains/check-txt";
import { createTxtLookup } from "@/lib/domains/resolver";
import { startDnsServer, type TestDnsServer } from "@/lib/testing/dns-server";

// Lookups over real UDP against the test DNS server on loopback.
let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer();
});
afterAll(() => dns.close());

describe("checkTxtRecord", () => {
  it("finds the token among several records, joins long split records, and forgives pasted quotes", async () => {
    const lookup = createTxtLookup({ servers: [dns.address] });
    dns.setRecords("_slipway.a.example.com", { TXT: ["v=spf1 -all", "slipway-verify=t1"] });
    expect(await checkTxtRecord(lookup, "a.example.com", "t1")).toEqual({ verified: true });
    const long = "x".repeat(300);
    dns.setRecords("_slipway.b.example.com", { TXT: [`slipway-verify=${long}`] });
    expect(await checkTxtRecord(lookup, "b.example.com", long)).toEqual({ verified: true });
    dns.setRecords("_slipway.c.example.com", { TXT: ['"slipway-verify=t3"'] });
    expect(await checkTxtRecord(lookup, "c.example.com", "t3")).toEqual({ verified: true });
    expect(dns.queries).toContain("TXT _slipway.a.example.com");
  });

  it("says why a check failed: no record (NXDOMAIN or no TXT), a wrong token, SERVFAIL, a timeout", async () => {
    const lookup = createTxtLookup({ servers: [dns.address], timeoutMs: 800 });
    expect(await checkTxtRecord(lookup, "none.example.com", "t")).toEqual({ verified: false, error: "No TXT record at _slipway.none.example.com" });
    dns.setRecords("_slipway.a-only.example.com", { A: ["192.0.2.1"] });
    expect(await checkTxtRecord(lookup, "a-only.example.com", "t")).toEqual({ verified: false, error: "No TXT record at _slipway.a-only.example.com" });
    dns.setRecords("_slipway.wrong.example.com", { TXT: ["slipway-verify=other"] });
    expect(await checkTxtRecord(lookup, "wrong.example.com", "t")).toEqual({ verified: false, error: "TXT record found but the token does not match" });

    dns.mode = "servfail";
    try {
      expect(await checkTxtRecord(lookup, "wrong.example.com", "t")).toEqual({ verified: false, error: "DNS lookup failed: SERVFAIL" });
      dns.mode = "silent";
      const started = performance.now();
      expect(await checkTxtRecord(lookup, "wrong.example.com", "t")).toEqual({ verified: false, error: "DNS lookup failed: timed out" });
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(700);
      expect(took).toBeLessThan(3000);
    } finally {
      dns.mode = "answer";
    }
  });
});

const load = (vars: Record<string, string> = {}) => loadConfig(vars as NodeJS.ProcessEnv);

describe("DNS_SERVERS", () => {
  it("takes comma-separated IPs with optional ports and refuses anything else, naming the variable", () => {
    expect(load({ DNS_SERVERS: "1.1.1.1, 127.0.0.1:5353,::1,[::1]:53" }).DNS_SERVERS).toEqual(["1.1.1.1", "127.0.0.1:5353", "::1", "[::1]:53"]);
    expect(load().DNS_SERVERS).toBeUndefined();
    for (const bad of ["dns.google", "1.1.1.1:0", "1.1.1.1:70000", "[::1]", "[1.1.1.1]:53", "1.1.1", ","]) {
      expect(() => load({ DNS_SERVERS: bad })).toThrow(/^Invalid configuration: DNS_SERVERS must be comma-separated IP addresses/);
    }
  });
});
