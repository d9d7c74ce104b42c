// A content-addressed blob store: every blob is named by the sha256 of its
// bytes, so a name can only ever hold one content. Implementations refuse a
// put whose content does not hash to its name and never expose a partial blob
// under its final name.
export interface BlobStore {
  readonly kind: "local" | "s3";
  /** Whether a blob exists under this name (it does not re-hash it). */
  has(sha256: string): Promise<boolean>;
  /**
   * Streams the file into the store, hashing it on the way; throws
   * BlobIntegrityError (and stores nothing) if the content's sha256 is not
   * `sha256`. Atomic: readers see the whole blob or none.
   */
  put(sha256: string, filePath: string, opts?: { contentType?: string }): Promise<void>;
  /** The blob's bytes; throws BlobNotFoundError when absent. */
  get(sha256: string): Promise<NodeJS.ReadableStream>;
  /** Present, `size` bytes long, and its content hashes to `sha256`. */
  verify(sha256: string, size: number): Promise<boolean>;
  /** The blob's size in bytes, or null when absent. */
  size(sha256: string): Promise<number | null>;
}

const SHA256 = /^[0-9a-f]{64}$/;

export const isSha256 = (value: unknown): value is string => typeof value === "string" && SHA256.test(value);

// Every store method calls this first, so a caller-supplied name can never
// form an unexpected file path or object key.
export function assertSha256(value: unknown): asserts value is string {
  if (!isSha256(value)) {
    const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : typeof value;
    throw new TypeError(`Invalid blob name ${shown}: expected 64 lowercase hex characters (a sha256).`);
  }
}

export class BlobNotFoundError extends Error {
  readonly sha256: string;
  constructor(sha256: string) {
    super(`Blob ${sha256} is not in the store.`);
    this.name = "BlobNotFoundError";
    this.sha256 = sha256;
  }
}

export class BlobIntegrityError extends Error {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string, filePath: string) {
    super(`Refusing to store ${filePath} as blob ${expected}: its content hashes to ${actual}.`);
    this.name = "BlobIntegrityError";
    this.expected = expected;
    this.actual = actual;
  }
}
