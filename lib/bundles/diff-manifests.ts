import type { ManifestEntry } from "@/lib/bundles/build-manifest";

export type ChangedFile = {
  path: string;
  before: Omit<ManifestEntry, "path">;
  after: Omit<ManifestEntry, "path">;
};

export type ManifestDiff = {
  // Sorted by path, and at most `maxPaths` of each kind; `counts` are always exact.
  added: ManifestEntry[];
  changed: ChangedFile[];
  removed: ManifestEntry[];
  counts: { added: number; changed: number; removed: number; unchanged: number };
  truncated: boolean;
  bytes: {
    added: number;
    removed: number;
    // What the changed paths weigh on each side.
    changedBefore: number;
    changedAfter: number;
    totalBefore: number;
    totalAfter: number;
  };
};

// What serving `after` instead of `before` changes, file by file. A file is
// identified by its path; it changed when its content (sha256) did. A new
// content type for the same bytes is not a change: it follows from the path,
// which is the same. Pure, so the console, the API and the CLI agree.
export function diffManifests(
  before: readonly ManifestEntry[],
  after: readonly ManifestEntry[],
  opts: { maxPaths?: number } = {},
): ManifestDiff {
  const max = opts.maxPaths ?? Infinity;
  const old = new Map(before.map((e) => [e.path, e]));
  const added: ManifestEntry[] = [];
  const changed: ChangedFile[] = [];
  const removed: ManifestEntry[] = [];
  const counts = { added: 0, changed: 0, removed: 0, unchanged: 0 };
  const bytes = { added: 0, removed: 0, changedBefore: 0, changedAfter: 0, totalBefore: 0, totalAfter: 0 };

  for (const e of before) bytes.totalBefore += e.size;
  const seen = new Set<string>();
  for (const e of [...after].sort(byPath)) {
    seen.add(e.path);
    bytes.totalAfter += e.size;
    const was = old.get(e.path);
    if (!was) {
      counts.added++;
      bytes.added += e.size;
      if (added.length < max) added.push(e);
    } else if (was.sha256 !== e.sha256) {
      counts.changed++;
      bytes.changedBefore += was.size;
      bytes.changedAfter += e.size;
      if (changed.length < max) changed.push({ path: e.path, before: strip(was), after: strip(e) });
    } else {
      counts.unchanged++;
    }
  }
  for (const e of [...before].sort(byPath)) {
    if (seen.has(e.path)) continue;
    counts.removed++;
    bytes.removed += e.size;
    if (removed.length < max) removed.push(e);
  }
  const truncated = added.length < counts.added || changed.length < counts.changed || removed.length < counts.removed;
  return { added, changed, removed, counts, truncated, bytes };
}

export type ChangeRow = { kind: "added" | "changed" | "removed"; path: string; before: number | null; after: number | null };

// The listed paths of a diff as one list in path order, so a folder's changes
// sit together; sizes before and after (null on the side without the file).
export function changeRows(diff: Pick<ManifestDiff, "added" | "changed" | "removed">): ChangeRow[] {
  return [
    ...diff.added.map((f) => ({ kind: "added" as const, path: f.path, before: null, after: f.size })),
    ...diff.changed.map((f) => ({ kind: "changed" as const, path: f.path, before: f.before.size, after: f.after.size })),
    ...diff.removed.map((f) => ({ kind: "removed" as const, path: f.path, before: f.size, after: null })),
  ].sort(byPath);
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
const strip = ({ size, sha256, contentType }: ManifestEntry) => ({ size, sha256, contentType });
