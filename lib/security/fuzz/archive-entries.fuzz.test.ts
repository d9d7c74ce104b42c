import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ArchiveError } from "@/lib/archive/archive-error";
import { extractArchive } from "@/lib/archive/extract-archive";
import { inspectArchive } from "@/lib/archive/inspect-archive";
import type { ArchiveLimits } from "@/lib/archive/limits";
import { END_OF_ARCHIVE, rawHeader, tarBuffer, type TestEntry } from "@/lib/archive/test-tar";
import { fuzz, fuzzTimeout, nastyString, plantSentinel, type Sentinel } from "@/lib/security/fuzz/fuzz";

// Random tar entries through the real inspect and extract code, into a fresh
// directory next to a sentinel file. inspectArchive and extractArchive must
// agree; a refusal is an ArchiveError (the upload answers 400 with its message)
// that leaves the directory empty; an accepted archive has nothing that
// resolves outside the directory; the sentinel is never written or read, and
// its marker appears in no extracted file and no message.

let ws: string;
let sentinel: Sentinel;
beforeAll(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), "slipway-fuzz-archive-"));
  sentinel = await plantSentinel(path.join(ws, "sentinel.txt"));
});
afterAll(() => rm(ws, { recursive: true, force: true }));

const TYPES = ["file", "file", "file", "file", "file", "directory", "directory", "symlink", "symlink", "link", "fifo", "character-device", "block-device", "contiguous-file"] as const;

function arbitraries(sentinelFile: string) {
  const segment = fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom("a", "b", "src", "dist", "index.html", "sentinel.txt", "x y", ".env") },
    { weight: 2, arbitrary: fc.constantFrom("..", ".", "", "...", "..\\..", "\\", "C:", "c:\\x", "~", "-rf", "a\0b", "é", "\u202e", "%2e%2e", "x".repeat(300)) },
    { weight: 1, arbitrary: nastyString(4) },
  );
  const relative = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join("/"));
  const name = fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...Array<string>(12).fill(""), "./", "/", "//", "\\", "../", ".//"), relative).map(([pre, rel]) => pre + rel) },
    { weight: 1, arbitrary: fc.constantFrom(sentinelFile, path.dirname(sentinelFile), `${"../".repeat(20)}${sentinelFile.slice(1)}`, "C:\\sentinel.txt", "./", ".") },
  );
  const linkname = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom("", "../", "../../", "./"), relative).map(([pre, rel]) => pre + rel) },
    name,
    fc.constantFrom("../sentinel.txt", "..", "../..", "a/../..", "./../sentinel.txt", "..\\sentinel.txt", path.dirname(sentinelFile), sentinelFile, "/etc/passwd", ""),
    fc.integer({ min: 1, max: 40 }).map((n) => `${"../".repeat(n)}sentinel.txt`),
  );
  const entry: fc.Arbitrary<TestEntry> = fc.record({
    name,
    type: fc.constantFrom(...TYPES),
    content: fc.oneof(fc.string({ maxLength: 64 }), fc.integer({ min: 0, max: 5000 }).map((n) => "z".repeat(n))),
    linkname,
    mode: fc.constantFrom(0o644, 0o755, 0o4777, 0o000, 0o7777),
  });
  // Sizes a header may claim for a file it does not carry: up to the 11 octal digits a header holds.
  const hugeFile = fc.record({ name: relative, size: fc.oneof(fc.integer({ min: 1, max: 8 ** 11 - 1 }), fc.constant(8 ** 11 - 1)) });
  const limits: fc.Arbitrary<Partial<ArchiveLimits>> = fc.record(
    {
      maxEntries: fc.integer({ min: 1, max: 12 }),
      maxFileBytes: fc.integer({ min: 0, max: 6000 }),
      maxUncompressedBytes: fc.integer({ min: 1024, max: 64 * 1024 }),
      maxPathLength: fc.integer({ min: 1, max: 1024 }),
      maxCompressedBytes: fc.integer({ min: 20, max: 1 << 20 }),
    },
    { requiredKeys: [] },
  );
  const damage = fc.oneof(
    { weight: 8, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.record({ cut: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ flip: fc.nat(), gz: fc.boolean() }) },
  );
  return fc.record({
    entries: fc.array(entry, { maxLength: 8 }),
    repeat: rarely(fc.nat()), // the same entry again
    hugeFile: rarely(hugeFile),
    limits,
    damage,
  });
}

// Present in about one case in ten.
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

type ArchiveCase = ReturnType<typeof arbitraries> extends fc.Arbitrary<infer T> ? T : never;

async function buildArchive(c: ArchiveCase): Promise<Buffer> {
  const entries = [...c.entries];
  if (c.repeat !== undefined && entries.length) entries.push(entries[c.repeat % entries.length]);
  let tar = await tarBuffer(entries);
  if (c.hugeFile) {
    const body = tar.subarray(0, tar.length - END_OF_ARCHIVE.length);
    tar = Buffer.concat([body, rawHeader({ name: c.hugeFile.name, typeflag: "0", size: c.hugeFile.size }), Buffer.alloc(4096)]);
  }
  if (c.damage && "flip" in c.damage && !c.damage.gz) tar[c.damage.flip % tar.length] ^= 0xff;
  let gz = gzipSync(tar);
  if (c.damage && "flip" in c.damage && c.damage.gz) gz[c.damage.flip % gz.length] ^= 0xff;
  if (c.damage && "cut" in c.damage) gz = gz.subarray(0, c.damage.cut % gz.length);
  return gz;
}

const outcome = (run: () => Promise<unknown>) =>
  run().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

// Every path under `root`, with what it is; symlinks are not followed.
async function walk(root: string, rel = ""): Promise<{ rel: string; kind: "dir" | "file" | "link" | "other" }[]> {
  const out: { rel: string; kind: "dir" | "file" | "link" | "other" }[] = [];
  for (const name of await readdir(path.join(root, rel))) {
    const child = path.join(rel, name);
    const s = await lstat(path.join(root, child));
    const kind = s.isSymbolicLink() ? "link" : s.isDirectory() ? "dir" : s.isFile() ? "file" : "other";
    out.push({ rel: child, kind });
    if (kind === "dir") out.push(...(await walk(root, child)));
  }
  return out;
}

const within = (root: string, abs: string) => abs === root || abs.startsWith(root + path.sep);

async function checkExtracted(dest: string, files: number, marker: string) {
  const root = await realpath(dest);
  const found = await walk(root);
  expect(found.filter((f) => f.kind === "other"), "only files, directories and symlinks").toEqual([]);
  expect(found.filter((f) => f.kind === "file")).toHaveLength(files);
  for (const f of found) {
    const abs = path.join(root, f.rel);
    if (f.kind === "link") {
      const lexical = path.resolve(path.dirname(abs), await readlink(abs));
      expect(within(root, lexical), `${f.rel} → ${lexical}`).toBe(true);
      const real = await realpath(abs).catch(() => null); // dangling links are allowed
      if (real) expect(within(root, real), `${f.rel} resolves to ${real}`).toBe(true);
    }
    if (f.kind === "file") expect((await readFile(abs, "utf8")).includes(marker), f.rel).toBe(false);
  }
}

it(
  "random tar entries never escape the extraction directory or touch the sentinel next to it",
  async () => {
    const archive = path.join(ws, "archive.tar.gz");
    const dest = path.join(ws, "dest");
    await fuzz("archive-entries", arbitraries(sentinel.file), async (c) => {
      await writeFile(archive, await buildArchive(c));
      await mkdir(dest);
      try {
        const inspected = await outcome(() => inspectArchive(archive, c.limits));
        const extracted = await outcome(() => extractArchive(archive, dest, c.limits));
        for (const o of [inspected, extracted]) {
          if (o.ok) continue;
          expect(o.error, String(o.error)).toBeInstanceOf(ArchiveError);
          expect((o.error as ArchiveError).message.length).toBeGreaterThan(0);
          expect((o.error as ArchiveError).message).not.toContain(sentinel.marker);
        }
        expect(extracted.ok, "inspect and extract agree").toBe(inspected.ok);
        if (!inspected.ok && !extracted.ok) {
          // Damaged data may fail at a different entry: extraction is slower than the stream's own checks.
          if (!c.damage) expect((extracted.error as ArchiveError).code).toBe((inspected.error as ArchiveError).code);
          expect(await readdir(dest), "a refusal leaves nothing behind").toEqual([]);
        }
        if (extracted.ok) await checkExtracted(dest, (extracted.value as { files: number }).files, sentinel.marker);
        expect((await readdir(ws)).sort()).toEqual(["archive.tar.gz", "dest", "sentinel.txt"]);
        await sentinel.unchanged();
        return extracted.ok ? "extracted" : `refused:${(extracted.error as ArchiveError).code}`;
      } finally {
        await rm(dest, { recursive: true, force: true });
      }
    });
    await sentinel.intact();
  },
  fuzzTimeout(15),
);
