import { describe, expect, it } from "vitest";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { functionIndex, isFunctionPath, matchFunction } from "@/lib/router/functions/function-paths";

const entry = (path: string): ManifestEntry => ({ path, size: 1, sha256: "0".repeat(64), contentType: "text/javascript" });

describe("isFunctionPath", () => {
  it("accepts .js and .mjs files under api/ at any depth", () => {
    for (const p of ["api/hello.js", "api/a/b.mjs", "api/index.js", "api/a/b/c/d.js", "api/x.y.js", "api/..js", "api/é.js"]) {
      expect(isFunctionPath(p), p).toBe(true);
    }
  });

  it("refuses everything else", () => {
    for (const p of [
      "api/x.json",
      "apix.js",
      "static/api/x.js",
      "api.js",
      "api/",
      "api",
      "api/.js",
      "api/x.cjs",
      "api/x.ts",
      "api/x.JS",
      "api/x.MJS",
      "API/x.js",
      "Api/x.js",
      "/api/x.js",
      "api//x.js",
      "api/./x.js",
      "api/../x.js",
      "api/a/../x.js",
      "api/x.js/",
      "api\\x.js",
      "api/x\u0000.js",
      "api/x\n.js",
      "",
      `api/${"a".repeat(3000)}.js`,
    ]) {
      expect(isFunctionPath(p), JSON.stringify(p)).toBe(false);
    }
  });
});

describe("matchFunction", () => {
  const index = functionIndex([
    entry("api/hello.js"),
    entry("api/users/index.mjs"),
    entry("api/both.mjs"),
    entry("api/both/index.js"),
    entry("api/index.js"),
    entry("api/data.json"),
    entry("api/legacy.cjs"),
    entry("index.html"),
  ]);

  it("indexes only function files", () => {
    expect([...index.keys()].sort()).toEqual(["api/both.mjs", "api/both/index.js", "api/hello.js", "api/index.js", "api/users/index.mjs"]);
  });

  it("finds the file, then the folder's index, .js before .mjs", () => {
    expect(matchFunction(index, "api/hello")?.path).toBe("api/hello.js");
    expect(matchFunction(index, "api/hello.js")?.path).toBe("api/hello.js");
    expect(matchFunction(index, "api/users")?.path).toBe("api/users/index.mjs");
    expect(matchFunction(index, "api/users/")?.path).toBe("api/users/index.mjs");
    expect(matchFunction(index, "api/users/index")?.path).toBe("api/users/index.mjs");
    expect(matchFunction(index, "api/both")?.path).toBe("api/both.mjs");
    expect(matchFunction(index, "api")?.path).toBe("api/index.js");
    expect(matchFunction(index, "api/")?.path).toBe("api/index.js");
  });

  it("never matches outside api/, traversal, other case or other extensions", () => {
    for (const p of [
      "",
      "hello",
      "index",
      "api/nope",
      "api/HELLO",
      "API/hello",
      "api/hello.JS",
      "api/hello.mjs",
      "api/data",
      "api/data.json",
      "api/legacy",
      "api/legacy.cjs",
      "api/../x",
      "api/../api/hello",
      "api/./hello",
      "api//hello",
      "/api/hello",
      "api\\hello",
      "static/api/hello",
      "apihello",
    ]) {
      expect(matchFunction(index, p), JSON.stringify(p)).toBeUndefined();
    }
  });

  it("only returns function entries even from a map holding others", () => {
    const loose = new Map<string, ManifestEntry>([
      ["api/x.cjs", entry("api/x.cjs")],
      ["api/y.js", entry("api/z.js")],
    ]);
    expect(matchFunction(loose, "api/x.cjs")).toBeUndefined();
    expect(matchFunction(loose, "api/y")).toBeUndefined();
  });
});
