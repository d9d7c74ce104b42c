import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArchiveError, type ArchiveErrorCode } from "@/lib/archive/archive-error";
import { extractArchive } from "@/lib/archive/extract-archive";
import { inspectArchive } from "@/lib/archive/inspect-archive";
import type { ArchiveLimits } from "@/lib/archive/limits";
import { END_OF_ARCHIVE, rawHeader, tarBuffer, writeTarGz, type TestEntry } from "@/lib/archive/test-tar";

// Every archive here must be refused the same way by inspectArchive and by
// extractArchive, and extraction must leave nothing behind, inside the
// destination or next to it.

let tmp: string;
let archive: string;
let dest: string;
let sentinel: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "slipway-archive-"));
  archive = path.join(tmp, "archive.tar.gz");
  dest = path.join(tmp, "dest");
  sentinel = path.join(tmp, "sentinel.txt");
  await mkdir(dest);
  await writeFile(sentinel, "original");
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

// Valid entries that come first, so a failure has something to clean up.
const GOOD: TestEntry[] = [
  { name: "good/", type: "directory" },
  { name: "good/file.txt", content: "fine" },
];

type Case = {
  title: string;
  code: ArchiveErrorCode;
  /** The entry the message must name, quoted. */
  entry?: string | ((sentinel: string) => string);
  limits?: Partial<ArchiveLimits>;
  build: (file: string, sentinel: string) => Promise<void>;
};

const tarGz = (entries: (sentinel: string) => TestEntry[]) => async (file: string, sentinelPath: string) =>
  writeTarGz(file, [...GOOD, ...entries(sentinelPath)]);

const CASES: Case[] = [
  {
    title: "an absolute path",
    code: "absolute_path",
    entry: (s) => s,
    build: tarGz((s) => [{ name: s, content: "pwned" }]),
  },
  {
    title: "a Windows drive path",
    code: "absolute_path",
    entry: "C:\\sentinel.txt",
    build: tarGz(() => [{ name: "C:\\sentinel.txt", content: "pwned" }]),
  },
  {
    title: "a leading ..",
    code: "path_traversal",
    entry: "../sentinel.txt",
    build: tarGz(() => [{ name: "../sentinel.txt", content: "pwned" }]),
  },
  {
    title: "a .. in the middle",
    code: "path_traversal",
    entry: "good/../../sentinel.txt",
    build: tarGz(() => [{ name: "good/../../sentinel.txt", content: "pwned" }]),
  },
  {
    title: "a symlink climbing out with ../..",
    code: "link_escape",
    entry: "good/esc",
    build: tarGz(() => [
      { name: "good/esc", type: "symlink", linkname: "../.." },
      { name: "good/esc/sentinel.txt", content: "pwned" },
    ]),
  },
  {
    title: "a symlink to an absolute path",
    code: "link_escape",
    entry: "abs",
    build: tarGz((s) => [
      { name: "abs", type: "symlink", linkname: path.dirname(s) },
      { name: "abs/sentinel.txt", content: "pwned" },
    ]),
  },
  {
    title: "a symlink that escapes by climbing out of another symlink",
    code: "link_escape",
    entry: "x/y/z",
    build: tarGz(() => [
      { name: "x/y/up", type: "symlink", linkname: "../.." }, // the app root: allowed
      { name: "x/y/z", type: "symlink", linkname: "up/.." }, // looks like x/y, is the root's parent
      { name: "x/y/z/sentinel.txt", content: "pwned" },
    ]),
  },
  {
    title: "an entry written through an earlier symlink",
    code: "through_symlink",
    entry: "link/file.txt",
    build: tarGz(() => [
      { name: "link", type: "symlink", linkname: "good" },
      { name: "link/file.txt", content: "pwned" },
    ]),
  },
  {
    title: "a file replacing an earlier symlink",
    code: "duplicate",
    entry: "link",
    build: tarGz(() => [
      { name: "link", type: "symlink", linkname: "good/file.txt" },
      { name: "link", content: "pwned" },
    ]),
  },
  {
    title: "a hard link",
    code: "hardlink",
    entry: "hl",
    build: tarGz(() => [{ name: "hl", type: "link", linkname: "good/file.txt" }]),
  },
  {
    title: "a FIFO",
    code: "unsupported_type",
    entry: "pipe",
    build: tarGz(() => [{ name: "pipe", type: "fifo" }]),
  },
  {
    title: "a character device",
    code: "unsupported_type",
    entry: "null",
    build: tarGz(() => [{ name: "null", type: "character-device" }]),
  },
  {
    title: "a block device",
    code: "unsupported_type",
    entry: "sda",
    build: tarGz(() => [{ name: "sda", type: "block-device" }]),
  },
  {
    title: "an unknown entry type",
    code: "unsupported_type",
    entry: "label",
    build: async (file) => {
      const good = await tarBuffer(GOOD);
      const withoutEnd = good.subarray(0, good.length - END_OF_ARCHIVE.length);
      await writeFile(file, gzipSync(Buffer.concat([withoutEnd, rawHeader({ name: "label", typeflag: "V" }), END_OF_ARCHIVE])));
    },
  },
  {
    title: "more entries than the limit",
    code: "too_many_entries",
    entry: "f3",
    limits: { maxEntries: 4 },
    build: tarGz(() => [1, 2, 3].map((i) => ({ name: `f${i}`, content: "x" }))),
  },
  {
    title: "files adding up to more than the uncompressed limit",
    code: "too_large",
    entry: "b.bin",
    limits: { maxUncompressedBytes: 1024 * 1024 },
    build: tarGz(() => [
      { name: "a.bin", zeros: 600 * 1024 },
      { name: "b.bin", zeros: 600 * 1024 },
    ]),
  },
  {
    title: "a file over the per-file limit",
    code: "too_large",
    entry: "big.bin",
    limits: { maxFileBytes: 1000 },
    build: tarGz(() => [{ name: "big.bin", zeros: 1001 }]),
  },
  {
    title: "a path over the length limit",
    code: "path_too_long",
    entry: `good/${"d".repeat(60)}`,
    limits: { maxPathLength: 64 },
    build: tarGz(() => [{ name: `good/${"d".repeat(60)}`, content: "x" }]),
  },
  {
    title: "a highly compressible file declared huge (zip bomb)",
    code: "too_large",
    entry: "bomb.bin",
    limits: { maxUncompressedBytes: 1024 * 1024 },
    build: tarGz(() => [{ name: "bomb.bin", zeros: 32 * 1024 * 1024 }]),
  },
  {
    title: "megabytes of zero blocks after the end of the archive",
    code: "too_large",
    limits: { maxUncompressedBytes: 1024 * 1024 },
    build: async (file) => {
      await writeFile(file, gzipSync(Buffer.concat([await tarBuffer(GOOD), Buffer.alloc(16 * 1024 * 1024)])));
    },
  },
  {
    title: "a compressed file over the upload limit",
    code: "too_large",
    limits: { maxCompressedBytes: 100 },
    build: tarGz(() => [{ name: "noise.bin", content: Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 7919) % 251)) }]),
  },
  {
    title: "an uncompressed tar",
    code: "not_gzip",
    build: async (file) => writeFile(file, await tarBuffer(GOOD)),
  },
  {
    title: "a file that is not an archive at all",
    code: "not_gzip",
    build: async (file) => writeFile(file, "PK\u0003\u0004 definitely a zip"),
  },
  {
    title: "an empty file",
    code: "not_gzip",
    build: async (file) => writeFile(file, ""),
  },
  {
    title: "a truncated .tar.gz",
    code: "corrupt",
    build: async (file) => {
      const gz = gzipSync(await tarBuffer([...GOOD, { name: "more.txt", content: "y".repeat(5000) }]));
      await writeFile(file, gz.subarray(0, gz.length - 20));
    },
  },
  {
    title: "a tar cut off in the middle of a file, then gzipped",
    code: "corrupt",
    build: async (file) => {
      const tar = await tarBuffer([...GOOD, { name: "more.txt", content: "y".repeat(5000) }]);
      await writeFile(file, gzipSync(tar.subarray(0, tar.length - 3000)));
    },
  },
  {
    title: "a tar without its end-of-archive marker",
    code: "corrupt",
    build: async (file) => {
      const tar = await tarBuffer(GOOD);
      await writeFile(file, gzipSync(tar.subarray(0, tar.length - END_OF_ARCHIVE.length)));
    },
  },
  {
    title: "a damaged header",
    code: "corrupt",
    build: async (file) => {
      const tar = await tarBuffer(GOOD);
      tar[512 + 10] ^= 0xff; // inside good/file.txt's header, so its checksum no longer matches
      await writeFile(file, gzipSync(tar));
    },
  },
];

async function rejection(run: () => Promise<unknown>): Promise<ArchiveError> {
  const err = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ArchiveError);
  return err as ArchiveError;
}

describe.each(CASES)("an archive with $title", ({ code, entry, limits, build }) => {
  const named = () => (typeof entry === "function" ? entry(sentinel) : entry);

  it(`is refused by inspectArchive with "${code}"`, async () => {
    await build(archive, sentinel);
    const err = await rejection(() => inspectArchive(archive, limits));
    expect(err.code).toBe(code);
    if (named()) {
      expect(err.message).toContain(JSON.stringify(named()));
      expect(err.entry).toBe(named());
    }
  });

  it(`is refused by extractArchive with "${code}", leaving nothing behind`, async () => {
    await build(archive, sentinel);
    const err = await rejection(() => extractArchive(archive, dest, limits));
    expect(err.code).toBe(code);
    if (named()) expect(err.message).toContain(JSON.stringify(named()));
    expect(await readdir(dest)).toEqual([]);
    expect(await readFile(sentinel, "utf8")).toBe("original");
    expect((await readdir(tmp)).sort()).toEqual(["archive.tar.gz", "dest", "sentinel.txt"]);
  });
});

it("stops a file whose body runs past the decompressed-size limit, and cleans up", async () => {
  // The declared size fits the limit, but headers push the tar stream over it mid-body.
  await writeTarGz(archive, [...GOOD, { name: "edge.bin", zeros: 256 * 1024 }]);
  const limits = { maxUncompressedBytes: 256 * 1024 + 4 };
  expect((await rejection(() => inspectArchive(archive, limits))).code).toBe("too_large");
  expect((await rejection(() => extractArchive(archive, dest, limits))).code).toBe("too_large");
  expect(await readdir(dest)).toEqual([]);
});

it.each([
  ["the default per-file limit", undefined],
  ["a small uncompressed limit", { maxUncompressedBytes: 1024 * 1024, maxFileBytes: 8 * 1024 * 1024 * 1024 }],
])("refuses a file declared huge from its header alone, under %s", async (_, limits) => {
  // Declares 4 GiB but carries only 64 KiB and no end marker: reading the body
  // would end in "corrupt", so "too_large" shows the body was never read.
  const tar = Buffer.concat([rawHeader({ name: "bomb.bin", typeflag: "0", size: 4 * 1024 ** 3 }), Buffer.alloc(64 * 1024)]);
  await writeFile(archive, gzipSync(tar));
  for (const run of [() => inspectArchive(archive, limits), () => extractArchive(archive, dest, limits)]) {
    const err = await rejection(run);
    expect(err.code).toBe("too_large");
    expect(err.message).toContain('"bomb.bin"');
  }
  expect(await readdir(dest)).toEqual([]);
});
