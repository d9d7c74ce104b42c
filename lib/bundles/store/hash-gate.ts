import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { BlobIntegrityError } from "@/lib/bundles/store/blob-store";

// A pass-through that hashes the bytes and stays one chunk behind: the last
// chunk is released only once the whole content proved to be `expectedSize`
// bytes hashing to `expectedSha`. Otherwise the stream errors with that chunk
// still held back, so a request sending it with Content-Length: expectedSize
// can never complete with the wrong bytes.
export class HashGate extends Transform {
  private readonly hash = createHash("sha256");
  private held: Buffer | null = null;
  private seen = 0;

  constructor(
    private readonly expectedSha: string,
    private readonly expectedSize: number,
    private readonly label: string,
    highWaterMark?: number,
  ) {
    super({ highWaterMark });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    this.hash.update(chunk);
    this.seen += chunk.length;
    if (this.seen > this.expectedSize) {
      done(new Error(`${this.label} grew while it was being uploaded.`));
      return;
    }
    const previous = this.held;
    this.held = chunk;
    done(null, previous ?? undefined);
  }

  override _flush(done: TransformCallback) {
    const actual = this.hash.digest("hex");
    if (this.seen !== this.expectedSize) {
      done(new Error(`${this.label} shrank while it was being uploaded.`));
    } else if (actual !== this.expectedSha) {
      done(new BlobIntegrityError(this.expectedSha, actual, this.label));
    } else {
      done(null, this.held ?? undefined);
    }
  }
}
