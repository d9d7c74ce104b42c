import type { Header } from "tar-stream";
import { describe, expect, it } from "vitest";
import { ArchiveError } from "@/lib/archive/archive-error";
import { createEntryRules } from "@/lib/archive/entry-rules";
import { resolveLimits, type ArchiveLimits } from "@/lib/archive/limits";

type H = Partial<Header> & { name: string };

const header = (h: H): Header => ({ type: "file", size: 0, mode: 0o644, ...h }) as Header;
const file = (name: string, extra: Partial<Header> = {}) => header({ name, ...extra });
const dir = (name: string) => header({ name, type: "directory" });
const link = (name: string, linkname: string) => header({ name, type: "symlink", linkname });

function admitAll(headers: Header[], limits?: Partial<ArchiveLimits>) {
  const rules = createEntryRules(resolveLimits(limits));
  return headers.map((h) => rules.admit(h));
}

function refusal(headers: Header[], limits?: Partial<ArchiveLimits>): ArchiveError {
  try {
    admitAll(headers, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(ArchiveError);
    return err as ArchiveError;
  }
  throw new Error("expected the entries to be refused");
}

describe("createEntryRules", () => {
  it("normalises ./ prefixes, doubled and trailing slashes", () => {
    expect(admitAll([dir("./"), dir("./src/"), file("./src//a/./b.ts")])).toEqual([
      null,
      { kind: "directory", path: "src" },
      { kind: "file", path: "src/a/b.ts", size: 0, mode: 0o644 },
    ]);
  });

  it("keeps only the executable bit of a file's mode", () => {
    const modes = admitAll([file("a", { mode: 0o4755 }), file("b", { mode: 0o2700 }), file("c", { mode: 0o666 }), file("d", { mode: 0o1600 })]);
    expect(modes.map((e) => (e?.kind === "file" ? e.mode : null))).toEqual([0o755, 0o755, 0o644, 0o644]);
  });

  it.each([
    ["/etc/passwd", "absolute_path"],
    ["\\\\server\\share\\x", "absolute_path"],
    ["C:\\Windows\\x", "absolute_path"],
    ["c:x", "absolute_path"],
    ["..", "path_traversal"],
    ["../x", "path_traversal"],
    ["a/../../x", "path_traversal"],
    ["a/..", "path_traversal"],
    ["..\\x", "path_traversal"],
    ["a\u0000b", "invalid_path"],
    ["", "invalid_path"],
    [`a/${"b".repeat(256)}`, "path_too_long"],
  ])("refuses the path %j with %s, naming it", (name, code) => {
    const err = refusal([file(name)]);
    expect(err.code).toBe(code);
    if (name) expect(err.message).toContain(JSON.stringify(name).slice(0, 60));
    expect(err.entry).toBe(name);
  });

  it("refuses a path longer than maxPathLength", () => {
    expect(refusal([file("a".repeat(20))], { maxPathLength: 19 }).code).toBe("path_too_long");
    expect(admitAll([file("a".repeat(19))], { maxPathLength: 19 })).toHaveLength(1);
  });

  it("refuses a file that claims to be the app directory", () => {
    expect(refusal([file("./")]).code).toBe("invalid_path");
  });

  describe("symlinks", () => {
    it.each([
      ["a", "b"],
      ["a", "./b/c"],
      ["sub/a", "../b"],
      ["sub/deeper/a", "../../b/c"],
      ["sub/a", ".."], // the app root itself
      ["a", "."],
    ])("allows %s -> %s", (name, target) => {
      expect(admitAll([link(name, target)])).toEqual([{ kind: "symlink", path: name, target }]);
    });

    it.each([
      ["a", "/etc/passwd"],
      ["a", "C:\\Windows"],
      ["a", ".."],
      ["sub/a", "../.."],
      ["sub/a", "../../etc"],
      ["a", "b/../.."],
      // b may itself be a link (now or later in the archive); ".." after it would climb from wherever it points.
      ["a", "b/.."],
      ["sub/deeper/a", "b/.."],
      ["sub/deeper/a", "../b/../c"],
      ["a", "..\\..\\etc"],
    ])("refuses %s -> %s as link_escape", (name, target) => {
      const err = refusal([link(name, target)]);
      expect(err.code).toBe("link_escape");
      expect(err.message).toContain(JSON.stringify(name));
    });

    it("refuses the escape that a lexical check misses: x/y/up -> ../.., then x/y/z -> up/..", () => {
      // Lexically x/y/z points at x/y; on disk up/.. is the parent of the app root.
      const err = refusal([link("x/y/up", "../.."), link("x/y/z", "up/..")]);
      expect(err.code).toBe("link_escape");
      expect(err.entry).toBe("x/y/z");
    });

    it("refuses an empty target", () => {
      expect(refusal([link("a", "")]).code).toBe("invalid_path");
    });

    it("refuses an entry under a symlink seen earlier", () => {
      const err = refusal([dir("sub/"), link("link", "sub"), file("link/file")]);
      expect(err.code).toBe("through_symlink");
      expect(err.message).toBe('Archive entry "link/file" is inside "link", which is a symlink; entries cannot be written through symlinks.');
    });

    it("refuses a symlink where an earlier entry implied a directory", () => {
      expect(refusal([file("link/file"), link("link", "elsewhere")]).code).toBe("duplicate");
    });
  });

  it("allows a directory to repeat, but nothing else", () => {
    expect(admitAll([dir("a/"), file("a/b"), dir("./a")])).toHaveLength(3);
    expect(refusal([file("a"), file("./a")]).code).toBe("duplicate");
    expect(refusal([dir("a/"), file("a")]).code).toBe("duplicate");
    expect(refusal([file("a"), dir("a")]).code).toBe("duplicate");
  });

  it("refuses an entry under a file", () => {
    const err = refusal([file("a"), file("a/b")]);
    expect(err.code).toBe("conflict");
    expect(err.message).toContain('"a/b"');
  });

  it.each([
    ["link", "hardlink"],
    ["fifo", "unsupported_type"],
    ["character-device", "unsupported_type"],
    ["block-device", "unsupported_type"],
    [null, "unsupported_type"],
  ])("refuses a %s entry with %s", (type, code) => {
    const err = refusal([header({ name: "x", type: type as Header["type"], linkname: "y" })]);
    expect(err.code).toBe(code);
    expect(err.message).toContain('"x"');
  });

  it("counts entries, files and bytes, and enforces their limits", () => {
    const rules = createEntryRules(resolveLimits({ maxEntries: 3, maxFileBytes: 10, maxUncompressedBytes: 15 }));
    rules.admit(dir("d/"));
    rules.admit(file("d/a", { size: 10 }));
    expect(rules.totals).toEqual({ entries: 2, files: 1, bytes: 10 });
    expect(() => rules.admit(file("d/b", { size: 11 }))).toThrow(expect.objectContaining({ code: "too_large", entry: "d/b" }));

    const total = createEntryRules(resolveLimits({ maxFileBytes: 10, maxUncompressedBytes: 15 }));
    total.admit(file("a", { size: 10 }));
    expect(() => total.admit(file("b", { size: 6 }))).toThrow(expect.objectContaining({ code: "too_large", entry: "b" }));

    const count = createEntryRules(resolveLimits({ maxEntries: 2 }));
    count.admit(file("a"));
    count.admit(file("b"));
    expect(() => count.admit(file("c"))).toThrow(expect.objectContaining({ code: "too_many_entries", entry: "c" }));
  });
});
