import { describe, expect, it } from "vitest";
import { cacheControlFor, etagFor, IMMUTABLE, isHashedAssetName, REVALIDATE } from "@/lib/router/static/cache-headers";

describe("cache headers", () => {
  it("ETag is the strong, quoted first 32 hex of the sha256", () => {
    const sha = "ab".repeat(32);
    expect(etagFor(sha)).toBe(`"${"ab".repeat(16)}"`);
  });

  it("hashed asset names are immutable", () => {
    for (const p of [
      "assets/index-C5AweYwL.css",
      "assets/index-BkX2n9_q.js",
      "static/js/app.3f9a1c2e.js",
      "main.3f9a1c2e4b5d6e7f8a9b.chunk.js",
      "_next/static/chunks/273-a1b2c3d4e5.js",
      "fonts/inter-var.a1b2c3d4.woff2",
    ]) {
      expect(isHashedAssetName(p), p).toBe(true);
      expect(cacheControlFor(p)).toBe(IMMUTABLE);
    }
  });

  it("everything else, HTML above all, must revalidate", () => {
    for (const p of [
      "index.html",
      "about-3f9a1c2e.html",
      "assets/app.js",
      "logo.png",
      "robots.txt",
      "3f9a1c2e.js",
      "chapter-intro.js",
      "report-20240101.pdf",
      "jquery-3.7.1.min.js",
      "README",
      "favicon.ico",
      "index-short1.css",
    ]) {
      expect(isHashedAssetName(p), p).toBe(false);
      expect(cacheControlFor(p)).toBe(REVALIDATE);
    }
  });
});
