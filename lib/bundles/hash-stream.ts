import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export type Digest = { sha256: string; size: number };

// sha256 and byte count of everything a stream yields.
export async function hashStream(stream: AsyncIterable<unknown>): Promise<Digest> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Uint8Array);
    hash.update(bytes);
    size += bytes.byteLength;
  }
  return { sha256: hash.digest("hex"), size };
}

export const READ_CHUNK = 1024 * 1024;

export const hashFile = (filePath: string): Promise<Digest> =>
  hashStream(createReadStream(filePath, { highWaterMark: READ_CHUNK }));
