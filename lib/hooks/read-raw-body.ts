import { tooLarge } from "@/lib/errors/app-error";

// The request body exactly as sent (a signature covers these bytes, not a
// re-serialisation), read up to `maxBytes`: a larger body is refused as soon as
// its declared length or its bytes so far say so, without reading the rest.
export async function readRawBody(req: Request, maxBytes: number): Promise<Buffer> {
  const refused = () => tooLarge(`The request body is larger than ${Math.floor(maxBytes / 1024)} KiB.`);
  const declared = Number(req.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw refused();
  if (!req.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw refused();
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, size);
}
