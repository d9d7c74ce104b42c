import { describe, expect, it } from "vitest";
import { requestTarget } from "@/lib/router/request-target";

describe("requestTarget", () => {
  it("takes the path and query from an absolute URL, whatever its host", () => {
    expect(requestTarget("http://demo.localhost:8080/a/b.txt?x=1&y=%2F")).toBe("/a/b.txt?x=1&y=%2F");
    expect(requestTarget("http://[::1]:8080/")).toBe("/");
    expect(requestTarget("http://a.example/%2e%2e/x")).toBe("/%2e%2e/x");
  });

  it("keeps a bare target as it is, and gives / for a URL without a path", () => {
    expect(requestTarget("/only/a/path?q")).toBe("/only/a/path?q");
    expect(requestTarget("http://host-without-path")).toBe("/");
  });
});
