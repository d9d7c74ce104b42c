import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract, type Header } from "tar-stream";
import { ArchiveError } from "@/lib/archive/archive-error";
import { createEntryRules, type ArchiveEntry, type ArchiveTotals } from "@/lib/archive/entry-rules";
import type { ArchiveLimits } from "@/lib/archive/limits";

// Handlers run one at a time, in archive order. A file handler must consume `body`.
export type EntryHandler = (entry: ArchiveEntry, body: AsyncIterable<Buffer>) => Promise<void>;

const BLOCK = 512;

// Streams a .tar.gz through the entry rules, calling onEntry for each admitted
// entry. Throws ArchiveError on the first violation; errors thrown by onEntry
// come back unchanged.
export async function readArchive(file: string, limits: ArchiveLimits, onEntry: EntryHandler): Promise<ArchiveTotals> {
  const rules = createEntryRules(limits);
  rules.checkCompressedSize((await stat(file)).size);
  await assertGzip(file);

  let expanded = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      expanded += chunk.length;
      try {
        rules.checkExpandedSize(expanded);
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
  });

  // tar-stream does not tell a missing end-of-archive block from a clean end,
  // so remember where the last entry's data stops and look for it ourselves.
  let dataEnd = 0;
  let handlerError: unknown;
  let current: Promise<void> = Promise.resolve();
  const parser = extract();
  parser.on("entry", (header, body, next) => {
    body.on("error", () => {}); // the same error reaches us through the pipeline
    current = (async () => {
      const entry = rules.admit(header);
      dataEnd = dataStart(header) + Math.ceil((header.size ?? 0) / BLOCK) * BLOCK;
      if (entry) await onEntry(entry, body as AsyncIterable<Buffer>);
      for await (const chunk of body) void chunk; // skip whatever the handler left unread
    })().then(
      () => next(),
      (err: unknown) => {
        handlerError ??= err;
        next(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });

  try {
    await pipeline(createReadStream(file), createGunzip(), meter, parser);
  } catch (err) {
    await current;
    throw failure(handlerError, err);
  }
  // The last entry can finish after the parser does when it has no data.
  await current;
  if (handlerError !== undefined) throw failure(handlerError, undefined);
  if (expanded < dataEnd + BLOCK) throw corrupt("it ends without an end-of-archive marker");
  return { ...rules.totals };
}

async function assertGzip(file: string) {
  const fh = await open(file, "r");
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    if (bytesRead < 2 || buffer[0] !== 0x1f || buffer[1] !== 0x8b) {
      throw new ArchiveError("not_gzip", "The upload is not a gzip-compressed tar archive (.tar.gz). Create one with `tar -czf app.tar.gz .`.");
    }
  } finally {
    await fh.close();
  }
}

function dataStart(header: Header): number {
  return (header as Header & { byteOffset?: number }).byteOffset ?? 0;
}

function failure(handlerError: unknown, streamError: unknown): unknown {
  if (handlerError instanceof ArchiveError) return handlerError;
  if (streamError instanceof ArchiveError) return streamError;
  // Disk full, permissions and the like are the server's problem, not the archive's.
  if (isSystemError(handlerError)) return handlerError;
  const cause = streamError ?? handlerError;
  return corrupt(cause instanceof Error ? cause.message.split(". ")[0].replace(/\.$/, "").toLowerCase() : "unreadable data");
}

function isSystemError(err: unknown): boolean {
  return typeof err === "object" && err !== null && "syscall" in err;
}

function corrupt(reason: string): ArchiveError {
  return new ArchiveError("corrupt", `The archive is truncated or corrupt (${reason}). Create it again and re-upload it.`);
}
