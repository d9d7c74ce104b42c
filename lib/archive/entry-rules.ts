import type { Header } from "tar-stream";
import { ArchiveError } from "@/lib/archive/archive-error";
import type { ArchiveLimits } from "@/lib/archive/limits";

// The one place that decides whether an archive entry may be unpacked. Both
// inspectArchive and extractArchive feed every header through admit(), in
// archive order, so they accept and reject exactly the same archives.

export type ArchiveEntry =
  | { kind: "file"; path: string; size: number; mode: 0o644 | 0o755 }
  | { kind: "directory"; path: string }
  | { kind: "symlink"; path: string; target: string };

export type ArchiveTotals = { entries: number; files: number; bytes: number };

type Kind = ArchiveEntry["kind"];

// NAME_MAX on the filesystems we extract onto.
const MAX_SEGMENT_BYTES = 255;

const UNSUPPORTED: Record<string, string> = {
  "character-device": "a character device",
  "block-device": "a block device",
  fifo: "a FIFO (named pipe)",
};

export function createEntryRules(limits: ArchiveLimits) {
  // Every path seen so far, including directories implied by deeper entries.
  const kinds = new Map<string, Kind>();
  const totals: ArchiveTotals = { entries: 0, files: 0, bytes: 0 };

  function admit(header: Header): ArchiveEntry | null {
    const name = header.name;
    totals.entries += 1;
    if (totals.entries > limits.maxEntries) {
      throw new ArchiveError(
        "too_many_entries",
        `The archive has more than ${limits.maxEntries} entries (the limit was reached at ${quote(name)}). Leave out generated files such as dependencies and build output.`,
        name,
      );
    }

    const segments = checkPath(name);
    const kind = kindOf(header);
    if (segments.length === 0) {
      // "./" is the app directory itself: nothing to create.
      if (kind === "directory") return null;
      throw new ArchiveError("invalid_path", `Archive entry ${quote(name)} is not a directory but names the app directory itself.`, name);
    }

    checkAncestors(segments, name);
    const path = segments.join("/");
    const seen = kinds.get(path);
    if (seen !== undefined && !(seen === "directory" && kind === "directory")) {
      throw new ArchiveError("duplicate", `Archive entry ${quote(name)} appears more than once (as ${article(seen)} and as ${article(kind)}).`, name);
    }
    kinds.set(path, kind);

    switch (kind) {
      case "directory":
        return { kind, path };
      case "symlink":
        return { kind, path, target: checkLinkTarget(name, segments, header.linkname ?? "") };
      case "file": {
        const size = header.size ?? 0;
        if (size > limits.maxFileBytes) {
          throw new ArchiveError("too_large", `Archive entry ${quote(name)} is ${formatBytes(size)}; the limit per file is ${formatBytes(limits.maxFileBytes)}.`, name);
        }
        totals.bytes += size;
        if (totals.bytes > limits.maxUncompressedBytes) {
          throw new ArchiveError(
            "too_large",
            `The archive's files add up to more than ${formatBytes(limits.maxUncompressedBytes)} (the limit was reached at ${quote(name)}).`,
            name,
          );
        }
        totals.files += 1;
        const mode = (header.mode ?? 0) & 0o111 ? 0o755 : 0o644;
        return { kind, path, size, mode };
      }
    }
  }

  function checkPath(name: string): string[] {
    if (name === "") throw new ArchiveError("invalid_path", "An archive entry has an empty name.", name);
    if (name.includes("\0")) throw new ArchiveError("invalid_path", `Archive entry ${quote(name)} contains a NUL byte.`, name);
    if (Buffer.byteLength(name) > limits.maxPathLength) {
      throw new ArchiveError("path_too_long", `Archive entry ${quote(name)} is longer than ${limits.maxPathLength} bytes.`, name);
    }
    if (isAbsolute(name)) {
      throw new ArchiveError("absolute_path", `Archive entry ${quote(name)} is an absolute path; archive paths must be relative to the app directory.`, name);
    }
    // Backslashes count as separators here so a Windows-style "..\x" is refused too.
    if (name.split(/[\\/]/).includes("..")) {
      throw new ArchiveError("path_traversal", `Archive entry ${quote(name)} points outside the app directory.`, name);
    }
    const segments = name.split("/").filter((s) => s !== "" && s !== ".");
    if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES)) {
      throw new ArchiveError("path_too_long", `Archive entry ${quote(name)} has a name longer than ${MAX_SEGMENT_BYTES} bytes.`, name);
    }
    return segments;
  }

  // Writing "link/file" after "link" would follow the link, wherever it points.
  function checkAncestors(segments: string[], name: string) {
    for (let i = 1; i < segments.length; i++) {
      const prefix = segments.slice(0, i).join("/");
      const kind = kinds.get(prefix);
      if (kind === "symlink") {
        throw new ArchiveError(
          "through_symlink",
          `Archive entry ${quote(name)} is inside ${quote(prefix)}, which is a symlink; entries cannot be written through symlinks.`,
          name,
        );
      }
      if (kind === "file") {
        throw new ArchiveError("conflict", `Archive entry ${quote(name)} is inside ${quote(prefix)}, which is a file, not a directory.`, name);
      }
      if (kind === undefined) kinds.set(prefix, "directory");
    }
  }

  // Targets may climb with leading ".." (through real directories, which is
  // all an entry's ancestors can be) and then only descend. A ".." after a
  // name could undo a hop through another symlink and land outside, so it is
  // refused even when it looks harmless on paper.
  function checkLinkTarget(name: string, segments: string[], target: string): string {
    if (target === "") throw new ArchiveError("invalid_path", `Archive entry ${quote(name)} is a symlink with an empty target.`, name);
    if (target.includes("\0")) throw new ArchiveError("invalid_path", `Archive entry ${quote(name)} is a symlink whose target contains a NUL byte.`, name);
    if (Buffer.byteLength(target) > limits.maxPathLength) {
      throw new ArchiveError("path_too_long", `Archive entry ${quote(name)} is a symlink whose target is longer than ${limits.maxPathLength} bytes.`, name);
    }
    if (isAbsolute(target)) {
      throw new ArchiveError(
        "link_escape",
        `Archive entry ${quote(name)} is a symlink to the absolute path ${quote(target)}; symlinks must use relative targets inside the app directory.`,
        name,
      );
    }
    let depth = segments.length - 1;
    let descended = false;
    for (const part of target.split(/[\\/]/)) {
      if (part === "" || part === ".") continue;
      if (part !== "..") {
        descended = true;
        continue;
      }
      if (depth === 0) {
        throw new ArchiveError("link_escape", `Archive entry ${quote(name)} is a symlink to ${quote(target)}, which points outside the app directory.`, name);
      }
      if (descended) {
        throw new ArchiveError(
          "link_escape",
          `Archive entry ${quote(name)} is a symlink to ${quote(target)}; ".." is only allowed at the start of a symlink target, since after a name it could lead outside the app directory.`,
          name,
        );
      }
      depth -= 1;
    }
    return target;
  }

  function checkCompressedSize(bytes: number) {
    if (bytes > limits.maxCompressedBytes) {
      throw new ArchiveError("too_large", `The archive is ${formatBytes(bytes)}; the upload limit is ${formatBytes(limits.maxCompressedBytes)}.`);
    }
  }

  // Counts the whole decompressed tar stream, so padding and padding-like
  // filler (runs of zero blocks) cannot expand without bound either.
  function checkExpandedSize(bytes: number) {
    if (bytes > limits.maxUncompressedBytes) {
      throw new ArchiveError("too_large", `The archive expands to more than ${formatBytes(limits.maxUncompressedBytes)} when decompressed.`);
    }
  }

  return { totals, admit, checkCompressedSize, checkExpandedSize };
}

export type EntryRules = ReturnType<typeof createEntryRules>;

function kindOf(header: Header): Kind {
  const name = header.name;
  // tar-stream reports typeflags it does not know (GNU sparse files, volume labels...) as null.
  const type = header.type as string | null;
  switch (type) {
    case "file":
    case "contiguous-file":
      return "file";
    case "directory":
      return "directory";
    case "symlink":
      return "symlink";
    case "link":
      throw new ArchiveError(
        "hardlink",
        `Archive entry ${quote(name)} is a hard link to ${quote(header.linkname ?? "")}; hard links are not supported. Re-create the archive so it stores a copy of the file (for example with tar --hard-dereference).`,
        name,
      );
    default: {
      const what = (type && UNSUPPORTED[type]) ?? "an unsupported entry type";
      throw new ArchiveError("unsupported_type", `Archive entry ${quote(name)} is ${what}; only files, directories and symlinks are allowed.`, name);
    }
  }
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path);
}

function article(kind: Kind): string {
  return kind === "directory" ? "a directory" : kind === "symlink" ? "a symlink" : "a file";
}

function quote(path: string): string {
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return JSON.stringify(shown);
}

function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
