// Test helper: builds tar and tar.gz files, hostile ones included, for the
// archive tests. Not used outside tests.
import { writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { pack, type Header } from "tar-stream";

export type TestEntry = {
  name: string;
  type?: Header["type"];
  content?: string | Buffer;
  /** Declare a file of this many zero bytes instead of giving content. */
  zeros?: number;
  linkname?: string;
  mode?: number;
};

const ZERO_CHUNK = Buffer.alloc(64 * 1024);

export async function tarBuffer(entries: TestEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (chunk) => void chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    p.on("end", () => resolve());
    p.on("error", reject);
  });
  for (const e of entries) {
    const type = e.type ?? "file";
    const header = { name: e.name, type, mode: e.mode, linkname: e.linkname, mtime: new Date(0) };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      // tar-stream waits for the body of both file types.
      if (type !== "file" && type !== "contiguous-file") {
        p.entry(header, done);
      } else if (e.zeros !== undefined) {
        const sink = p.entry({ ...header, size: e.zeros }, done);
        let left = e.zeros;
        const pump = () => {
          while (left > 0) {
            const chunk = ZERO_CHUNK.subarray(0, Math.min(left, ZERO_CHUNK.length));
            left -= chunk.length;
            if (!sink.write(chunk)) return void sink.once("drain", pump);
          }
          sink.end(undefined);
        };
        pump();
      } else {
        p.entry(header, Buffer.from(e.content ?? ""), done);
      }
    });
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

export async function writeTarGz(file: string, entries: TestEntry[]): Promise<void> {
  await writeFile(file, gzipSync(await tarBuffer(entries)));
}

// A hand-made header block, for typeflags tar-stream cannot write (GNU long
// names, unknown types). GNU magic, so tar-stream accepts it.
export function rawHeader({ name, typeflag, size = 0 }: { name: string; typeflag: string; size?: number }): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100);
  block.write("0000644\0", 100);
  block.write("0000000\0", 108);
  block.write("0000000\0", 116);
  block.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  block.write("00000000000\0", 136);
  block.write(typeflag, 156);
  block.write("ustar  \0", 257);
  block.fill(" ", 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return block;
}

export function padToBlock(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

export const END_OF_ARCHIVE = Buffer.alloc(1024);
