import { describe, expect, it } from "vitest";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { changeRows, diffManifests } from "@/lib/bundles/diff-manifests";

const file = (path: string, size: number, sha: string, contentType = "text/html; charset=utf-8"): ManifestEntry => ({
  path,
  size,
  sha256: sha.repeat(64).slice(0, 64),
  contentType,
});

describe("diffManifests", () => {
  it("sorts files into added, changed, removed and unchanged, with byte totals", () => {
    const before = [file("index.html", 100, "a"), file("app.js", 2000, "b"), file("old.css", 300, "c"), file("logo.svg", 50, "d")];
    const after = [file("index.html", 120, "e"), file("app.js", 2000, "b"), file("new.css", 310, "f"), file("logo.svg", 50, "d"), file("a/b.txt", 7, "9")];
    const diff = diffManifests(before, after);

    expect(diff.added.map((f) => f.path)).toEqual(["a/b.txt", "new.css"]);
    expect(diff.changed).toEqual([
      {
        path: "index.html",
        before: { size: 100, sha256: "a".repeat(64), contentType: "text/html; charset=utf-8" },
        after: { size: 120, sha256: "e".repeat(64), contentType: "text/html; charset=utf-8" },
      },
    ]);
    expect(diff.removed.map((f) => f.path)).toEqual(["old.css"]);
    expect(diff.counts).toEqual({ added: 2, changed: 1, removed: 1, unchanged: 2 });
    expect(diff.truncated).toBe(false);
    expect(diff.bytes).toEqual({
      added: 317,
      removed: 300,
      changedBefore: 100,
      changedAfter: 120,
      totalBefore: 2450,
      totalAfter: 2487,
    });
  });

  it("finds nothing to do between a manifest and itself", () => {
    const m = [file("index.html", 10, "a"), file("app.js", 20, "b")];
    const diff = diffManifests(m, [...m].reverse());
    expect(diff.counts).toEqual({ added: 0, changed: 0, removed: 0, unchanged: 2 });
    expect([diff.added, diff.changed, diff.removed]).toEqual([[], [], []]);
    expect(diff.bytes).toMatchObject({ added: 0, removed: 0, changedBefore: 0, changedAfter: 0, totalBefore: 30, totalAfter: 30 });
  });

  it("treats everything as added when nothing was live, and as removed towards an empty bundle", () => {
    const m = [file("b.txt", 5, "b"), file("a.txt", 3, "a")];
    expect(diffManifests([], m)).toMatchObject({
      added: [{ path: "a.txt" }, { path: "b.txt" }],
      counts: { added: 2, changed: 0, removed: 0, unchanged: 0 },
      bytes: { added: 8, totalBefore: 0, totalAfter: 8 },
    });
    expect(diffManifests(m, [])).toMatchObject({
      removed: [{ path: "a.txt" }, { path: "b.txt" }],
      counts: { added: 0, changed: 0, removed: 2, unchanged: 0 },
      bytes: { removed: 8, totalBefore: 8, totalAfter: 0 },
    });
  });

  it("compares content, not size or content type", () => {
    const diff = diffManifests(
      [file("same-size.txt", 4, "a"), file("data", 9, "c", "application/octet-stream")],
      [file("same-size.txt", 4, "b"), file("data", 9, "c", "text/plain; charset=utf-8")],
    );
    expect(diff.counts).toEqual({ added: 0, changed: 1, removed: 0, unchanged: 1 });
    expect(diff.changed[0].path).toBe("same-size.txt");
  });

  it("caps each list at maxPaths in path order while the counts and bytes stay exact", () => {
    const before = Array.from({ length: 30 }, (_, i) => file(`gone/${String(i).padStart(2, "0")}.js`, 1, "a"));
    const after = [
      ...Array.from({ length: 25 }, (_, i) => file(`new/${String(i).padStart(2, "0")}.js`, 2, "b")),
      file("gone/00.js", 3, "c"),
    ];
    const diff = diffManifests(before, after, { maxPaths: 10 });
    expect(diff.counts).toEqual({ added: 25, changed: 1, removed: 29, unchanged: 0 });
    expect(diff.added).toHaveLength(10);
    expect(diff.added[9].path).toBe("new/09.js");
    expect(diff.changed).toHaveLength(1);
    expect(diff.removed.map((f) => f.path).slice(0, 2)).toEqual(["gone/01.js", "gone/02.js"]);
    expect(diff.removed).toHaveLength(10);
    expect(diff.truncated).toBe(true);
    expect(diff.bytes).toMatchObject({ added: 50, removed: 29, changedBefore: 1, changedAfter: 3, totalBefore: 30, totalAfter: 53 });
  });

  it("is not truncated when a list is exactly at the cap", () => {
    const diff = diffManifests([], [file("a", 1, "a"), file("b", 1, "b")], { maxPaths: 2 });
    expect(diff.truncated).toBe(false);
    expect(diff.added).toHaveLength(2);
  });
});

describe("changeRows", () => {
  it("merges the three lists in path order with the sizes on each side", () => {
    const diff = diffManifests([file("b/old.js", 4, "a"), file("b/x.css", 10, "b")], [file("b/x.css", 12, "c"), file("a.html", 3, "d"), file("b/new.js", 5, "e")]);
    expect(changeRows(diff)).toEqual([
      { kind: "added", path: "a.html", before: null, after: 3 },
      { kind: "added", path: "b/new.js", before: null, after: 5 },
      { kind: "removed", path: "b/old.js", before: 4, after: null },
      { kind: "changed", path: "b/x.css", before: 10, after: 12 },
    ]);
  });
});
