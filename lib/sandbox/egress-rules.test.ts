import { describe, expect, it } from "vitest";
import { checkAllowList, egressRuleset, parseHostPort } from "@/lib/sandbox/egress-rules";

describe("egressRuleset", () => {
  const rules = (allow = [] as { host: string; port: number }[]) => egressRuleset({ hostAddresses: ["192.0.2.2", "127.0.0.1", "fd00::2"], allow }).split("\n");

  it("accepts its own loopback and slirp's DNS, then refuses the host's addresses and private ranges; the rest is the internet", () => {
    const r = rules();
    const at = (pattern: RegExp) => r.findIndex((l) => pattern.test(l));
    expect(at(/oif "lo" accept/)).toBeGreaterThan(-1);
    expect(at(/10\.0\.2\.3 udp dport 53 accept/)).toBeGreaterThan(at(/oif "lo" accept/));
    const v4 = r[at(/ip daddr \{/)];
    for (const net of ["10.0.0.0/8", "127.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10", "192.0.2.2"]) expect(v4).toContain(net);
    expect(v4).toMatch(/reject with icmp type admin-prohibited$/);
    expect(r[at(/ip6 daddr \{/)]).toContain("fd00::2");
    expect(r.join("\n")).toContain("policy accept");
    expect(r.join("\n")).not.toContain("slipway_nat");
  });

  it("opens allowed host:ports before the refusals; a loopback entry is rewritten to slirp's gateway", () => {
    const r = rules([
      { host: "127.0.0.1", port: 5432 },
      { host: "10.1.2.3", port: 6379 },
      { host: "localhost", port: 6432 },
    ]);
    const reject = r.findIndex((l) => /ip daddr \{/.test(l));
    expect(r.findIndex((l) => l.includes("ip daddr 10.0.2.2 tcp dport 5432 accept"))).toBeLessThan(reject);
    expect(r.findIndex((l) => l.includes("ip daddr 10.1.2.3 tcp dport 6379 accept"))).toBeLessThan(reject);
    expect(r.join("\n")).toContain("ip daddr 127.0.0.1 tcp dport 5432 dnat ip to 10.0.2.2:5432");
    expect(r.join("\n")).not.toContain("dport 6379 dnat");
    expect(r.join("\n")).toContain("ip daddr 127.0.0.1 tcp dport 6432 dnat ip to 10.0.2.2:6432");
  });
});

describe("allow lists", () => {
  it("parses host:port, [v6]:port and refuses names, bad ports and the platform's own ports", () => {
    expect(parseHostPort("127.0.0.1:5432")).toEqual({ host: "127.0.0.1", port: 5432 });
    expect(parseHostPort("[FD00::5]:5432")).toEqual({ host: "fd00::5", port: 5432 });
    expect(parseHostPort("db:5432")).toEqual({ host: "db", port: 5432 });
    expect(parseHostPort("5432")).toBeNull();
    expect(checkAllowList([{ host: "db", port: 5432 }], [])).toMatch(/not an IP address/);
    expect(checkAllowList([{ host: "127.0.0.1", port: 0 }], [])).toMatch(/not a valid port/);
    expect(checkAllowList([{ host: "127.0.0.1", port: 54329 }], [3000, 54329])).toMatch(/a port of Slipway itself/);
    expect(checkAllowList([{ host: "localhost", port: 5432 }], [3000, 54329])).toBeNull();
  });
});
