import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { BundleIndex } from "@/lib/router/static/bundle-index";
import { MAX_PATH_LENGTH, resolveRequestPath } from "@/lib/router/static/resolve-path";

const ok = (raw: string) => {
  const r = resolveRequestPath(raw);
  if (!r.ok) throw new Error(`${raw} refused with ${r.status}`);
  return r.path;
};
const status = (raw: string) => {
  const r = resolveRequestPath(raw);
  return r.ok ? `ok:${r.path}` : r.status;
};

describe("resolveRequestPath", () => {
  it("strips the leading slash, collapses // and decodes once", () => {
    expect(ok("/")).toBe("");
    expect(ok("//")).toBe("");
    expect(ok("/index.html")).toBe("index.html");
    expect(ok("//assets///app.js")).toBe("assets/app.js");
    expect(ok("/docs/")).toBe("docs");
    expect(ok("/./a/./b")).toBe("a/b");
    expect(ok("/hello%20world.txt")).toBe("hello world.txt");
    expect(ok("/caf%C3%A9/%E2%9C%93.html")).toBe("café/✓.html");
    // Decoded exactly once: a double-encoded dot stays literal text.
    expect(ok("/%252e%252e/etc")).toBe("%2e%2e/etc");
    // "..." and "..foo" are ordinary names, and fullwidth dots are not dots.
    expect(ok("/.../..foo/foo..")).toBe(".../..foo/foo..");
    expect(ok("/\uFF0E\uFF0E/x")).toBe("\uFF0E\uFF0E/x");
    // "%2f" decodes to a separator; the segments are then checked.
    expect(ok("/a%2fb")).toBe("a/b");
  });

  it("refuses traversal, NUL, backslashes, bad encoding and overlong paths", () => {
    for (const raw of [
      "/..",
      "/../etc/passwd",
      "/a/../../b",
      "/%2e%2e/etc/passwd",
      "/%2E%2E",
      "/.%2e/x",
      "/a/%2f../b",
      "/a/..%2fb",
      "/a%2f..%2f..%2fetc",
      "/a%5c..%5cb",
      "/a\\b",
      "/a%00.html",
      "/a\u0000",
      "/a%0a",
      "/%",
      "/%zz",
      "/%e2%82",
      "/%c0%ae%c0%ae/",
      "relative",
      "",
    ]) {
      expect(status(raw), raw).toBe(400);
    }
    expect(status("/" + "a".repeat(MAX_PATH_LENGTH))).toBe(414);
    expect(status("/" + "a".repeat(MAX_PATH_LENGTH - 1))).toBe(`ok:${"a".repeat(MAX_PATH_LENGTH - 1)}`);
  });

  it("never resolves thousands of generated hostile paths outside the bundle", () => {
    const pieces = [
      "..", ".", "%2e", "%2E", "%2e%2e", ".%2e", "%2e.", "%2f", "%2F", "%5c", "%5C", "\\", "%00", "\u0000",
      "/", "//", "etc", "passwd", "index.html", "assets", "%c0%ae", "%252e", "%25", "\uFF0E", "\u2024",
      "%e2%80%a4", "%", "%zz", "..%2f", "%2e%2e%2f", "%2e%2e%5c", "..\\", "é", "%C3%A9", "\u202e",
      "a".repeat(300), "%2e".repeat(100), "....", "..;", ";..", "?", "#",
    ];
    const entries: ManifestEntry[] = ["index.html", "404.html", "assets/app.js", "docs/index.html", "about.html"].map(
      (p, i) => ({ path: p, size: i, sha256: String(i).repeat(64).slice(0, 64), contentType: "text/html" }),
    );
    const known = new Set(entries);
    const indexes = [new BundleIndex(entries), new BundleIndex(entries, { spaFallback: true })];

    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const generated: string[] = [];
    for (const a of pieces) for (const b of pieces) generated.push(`/${a}/${b}`, `/${a}${b}`);
    while (generated.length < 6000) {
      const n = 1 + rand(8);
      let p = rand(4) === 0 ? "" : "/";
      for (let i = 0; i < n; i++) p += pieces[rand(pieces.length)] + (rand(3) === 0 ? "" : "/");
      generated.push(p);
    }
    expect(generated.length).toBeGreaterThanOrEqual(1000);

    let resolved = 0;
    for (const raw of generated) {
      const r = resolveRequestPath(raw);
      if (!r.ok) {
        expect([400, 404, 414]).toContain(r.status);
        continue;
      }
      resolved++;
      const segments = r.path.split("/");
      expect(r.path.startsWith("/"), raw).toBe(false);
      expect(segments.includes(".."), raw).toBe(false);
      expect(r.path.includes("\\") || r.path.includes("\u0000"), raw).toBe(false);
      if (r.path !== "") expect(segments.includes(""), raw).toBe(false);
      const abs = path.posix.resolve("/bundle", r.path);
      expect(abs === "/bundle" || abs.startsWith("/bundle/"), raw).toBe(true);
      for (const index of indexes) {
        const hit = index.lookup(r.path);
        if (hit) expect(known.has(hit.entry), raw).toBe(true);
      }
    }
    // The generator must exercise the success path too, not only refusals.
    expect(resolved).toBeGreaterThan(100);
  });
});
