import { describe, expect, it } from "vitest";
import { contentTypeFor } from "@/lib/bundles/content-type";

describe("contentTypeFor", () => {
  it.each([
    ["index.html", "text/html; charset=utf-8"],
    ["assets/app.JS", "text/javascript; charset=utf-8"],
    ["chunk.mjs", "text/javascript; charset=utf-8"],
    ["app.js.map", "application/json; charset=utf-8"],
    ["site.webmanifest", "application/manifest+json; charset=utf-8"],
    ["icon.svg", "image/svg+xml; charset=utf-8"],
    ["photo.jpeg", "image/jpeg"],
    ["fonts/x.woff2", "font/woff2"],
    ["module.wasm", "application/wasm"],
    ["song.mp3", "audio/mpeg"],
  ])("%s → %s", (file, type) => {
    expect(contentTypeFor(file)).toBe(type);
  });

  it.each(["LICENSE", ".htaccess", "dir.v2/file", "archive.tar.zst", "x.constructor", "x.toString"])(
    "%s is application/octet-stream",
    (file) => {
      expect(contentTypeFor(file)).toBe("application/octet-stream");
    },
  );
});
