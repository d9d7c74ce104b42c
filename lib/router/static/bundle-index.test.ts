import { describe, expect, it } from "vitest";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { BundleIndex, hasExtension } from "@/lib/router/static/bundle-index";

const mk = (paths: string[]): ManifestEntry[] =>
  paths.map((p, i) => ({ path: p, size: i, sha256: i.toString(16).padStart(64, "0"), contentType: "x" }));

const site = mk(["index.html", "about.html", "docs/index.html", "docs/intro.html", "assets/app.js", "404.html", "robots.txt"]);
const hit = (index: BundleIndex, p: string) => {
  const r = index.lookup(p);
  return r ? `${r.status} ${r.entry.path}` : null;
};

describe("BundleIndex", () => {
  it("serves exact files, directory indexes and clean URLs", () => {
    const index = new BundleIndex(site);
    expect(index.size).toBe(site.length);
    expect(hit(index, "")).toBe("200 index.html");
    expect(hit(index, "assets/app.js")).toBe("200 assets/app.js");
    expect(hit(index, "about.html")).toBe("200 about.html");
    expect(hit(index, "docs")).toBe("200 docs/index.html");
    expect(hit(index, "docs/")).toBe("200 docs/index.html");
    expect(hit(index, "about")).toBe("200 about.html");
    expect(hit(index, "docs/intro")).toBe("200 docs/intro.html");
    // The lookup is exact: no case folding.
    expect(hit(index, "ABOUT")).toBe("404 404.html");
  });

  it("falls back to the custom 404 page, or null without one", () => {
    expect(hit(new BundleIndex(site), "missing")).toBe("404 404.html");
    expect(hit(new BundleIndex(site), "assets/missing.js")).toBe("404 404.html");
    const bare = new BundleIndex(mk(["index.html", "a.js"]));
    expect(hit(bare, "missing")).toBeNull();
    expect(hit(bare, "missing.js")).toBeNull();
    expect(hit(new BundleIndex(mk(["a.js"])), "")).toBeNull();
  });

  it("SPA fallback serves /index.html for page-like paths only", () => {
    const index = new BundleIndex(site, { spaFallback: true });
    expect(hit(index, "app/users/42")).toBe("200 index.html");
    expect(hit(index, "settings")).toBe("200 index.html");
    // Real files and clean URLs still win over the fallback.
    expect(hit(index, "about")).toBe("200 about.html");
    expect(hit(index, "docs")).toBe("200 docs/index.html");
    // A missing asset is a real 404, not the app shell.
    expect(hit(index, "assets/gone.js")).toBe("404 404.html");
    expect(hit(index, "favicon.ico")).toBe("404 404.html");
    const noIndex = new BundleIndex(mk(["a.js"]), { spaFallback: true });
    expect(hit(noIndex, "page")).toBeNull();
  });

  it("detects extensions on the last segment only", () => {
    expect(hasExtension("a/b.js")).toBe(true);
    expect(hasExtension("v1.2/page")).toBe(false);
    expect(hasExtension(".well-known")).toBe(false);
    expect(hasExtension("x/.env")).toBe(false);
  });
});
