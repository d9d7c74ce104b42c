import { describe, expect, it } from "vitest";
import { hostnameOf, parseHost } from "@/lib/router/host-name";

const ID = "3f0c8a52-1b2d-4e5f-8a9b-0c1d2e3f4a5b";

describe("parseHost", () => {
  it("names production and branch routes under APPS_DOMAIN, with or without a port", () => {
    expect(parseHost("demo.localhost:8080", "localhost")).toEqual({ kind: "route", name: "demo" });
    expect(parseHost("Demo-Git-Feature-X.Apps.Example.com", "apps.example.com")).toEqual({ kind: "route", name: "demo-git-feature-x" });
    expect(parseHost("demo.localhost.", "localhost")).toEqual({ kind: "route", name: "demo" });
  });

  it("names one deployment by its id", () => {
    expect(parseHost(`my-app-${ID}.localhost`, "localhost")).toEqual({ kind: "deployment", slug: "my-app", deploymentId: ID });
    expect(parseHost(`my-app-${ID.toUpperCase()}.localhost`, "localhost")).toEqual({ kind: "deployment", slug: "my-app", deploymentId: ID });
  });

  it("treats every other valid host as a possible custom domain", () => {
    expect(parseHost("www.example.com", "localhost")).toEqual({ kind: "domain", hostname: "www.example.com" });
    expect(parseHost("a.b.localhost", "localhost")).toEqual({ kind: "domain", hostname: "a.b.localhost" });
    expect(parseHost("localhost", "localhost")).toEqual({ kind: "domain", hostname: "localhost" });
  });

  it("refuses anything that is not a plain DNS host name", () => {
    for (const bad of [undefined, "", ":80", "a..b", "-a.localhost", "a-.localhost", "a_b.localhost", "[::1]:8080", "user@host", "a b", "a/b", "a\\b", "x".repeat(64) + ".localhost", `${"a.".repeat(130)}com`, "demo.localhost:99999999", "demo.localhost:abc", "%2e%2e.localhost"]) {
      expect(hostnameOf(bad), String(bad)).toBeNull();
      expect(parseHost(bad, "localhost")).toBeNull();
    }
  });
});
