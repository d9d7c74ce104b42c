import { describe, expect, it } from "vitest";
import { type RouteEntry, RouteTable } from "@/lib/router/route-table";

const dep = (id: string) => ({ id, projectId: "p", projectSlug: "p", sha: `sha-${id}`, bundleDigest: `digest-${id}`, runtimeEnvEnc: null, spaFallback: false, server: false, sandboxId: 1, egressAllow: [], expiresAt: null, hsts: false });
const route = (name: string, version: number, live: string | null): RouteEntry => ({
  name,
  kind: "production",
  projectId: "p",
  slug: name,
  version,
  live: live ? dep(live) : null,
  canary: null,
  canaryWeight: 0,
});

describe("RouteTable", () => {
  it("only ever moves a route forward in version, whatever order updates arrive in", () => {
    const t = new RouteTable();
    t.replaceAll([route("a", 1, "d1")], new Map());
    expect(t.apply("a", route("a", 3, "d3"))).toBe(true);
    expect(t.apply("a", route("a", 2, "d2"))).toBe(false);
    expect(t.route("a")?.live?.id).toBe("d3");
    // A full resync read before the last update does not undo it.
    t.replaceAll([route("a", 2, "d2"), route("b", 1, "d4")], new Map([["www.example.com", "b"]]));
    expect(t.route("a")?.live?.id).toBe("d3");
    expect(t.domainRoute("www.example.com")?.live?.id).toBe("d4");
    expect(t.routableDeployments()).toEqual(new Set(["d3", "d4"]));
  });

  it("drops routes that no longer exist", () => {
    const t = new RouteTable();
    t.replaceAll([route("a", 1, "d1"), route("b", 1, "d2")], new Map());
    expect(t.apply("a", null)).toBe(true);
    expect(t.route("a")).toBeUndefined();
    t.replaceAll([], new Map());
    expect(t.size).toBe(0);
  });
});
