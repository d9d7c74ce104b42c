import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { hashStream, READ_CHUNK } from "@/lib/bundles/hash-stream";
import {
  assertSha256,
  BlobIntegrityError,
  BlobNotFoundError,
  type BlobStore,
} from "@/lib/bundles/store/blob-store";
import { HashGate } from "@/lib/bundles/store/hash-gate";

export type S3StoreOptions = {
  bucket: string;
  endpoint?: string;
  region: string;
  forcePathStyle?: boolean;
  /** Static credentials; both or neither (neither = the SDK's default chain). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Prepended verbatim to every key, e.g. "slipway/". */
  prefix?: string;
};

const PUT_ATTEMPTS = 3;

// Blobs in an S3 bucket under `${prefix}blobs/<sha256>`, each carrying its
// sha256 as object metadata.
//
// A put hashes the file first (a wrong name is refused before a byte is sent),
// then streams it with a known Content-Length through a HashGate that re-hashes
// the bytes actually sent and holds back the last chunk until they match: if
// the file changed in between, the request is aborted one chunk short, which
// S3 never commits. Servers that do keep a truncated body (s3rver does) get the
// short object deleted again. verify() re-reads and re-hashes the whole object.
//
// The SDK's automatic CRC checksums are switched to WHEN_REQUIRED: they use
// aws-chunked trailers that S3-compatible servers (s3rver among them) reject,
// and the sha256 checks above already cover what they would check.
//
// get() hands back the SDK's response stream: consume or destroy it, or its
// connection stays in use.
export function createS3Store(opts: S3StoreOptions): BlobStore {
  if (!opts.bucket) throw new Error("S3 store: bucket is required.");
  if (!opts.region) throw new Error("S3 store: region is required.");
  if (Boolean(opts.accessKeyId) !== Boolean(opts.secretAccessKey)) {
    throw new Error("S3 store: give both accessKeyId and secretAccessKey, or neither.");
  }
  const prefix = opts.prefix ?? "";
  if (prefix.startsWith("/") || /[\u0000-\u001f\u007f]/.test(prefix)) {
    throw new Error("S3 store: prefix must not start with '/' or contain control characters.");
  }
  const bucket = opts.bucket;
  const key = (sha256: string) => {
    assertSha256(sha256);
    return `${prefix}blobs/${sha256}`;
  };

  const config: S3ClientConfig = {
    region: opts.region,
    endpoint: opts.endpoint,
    forcePathStyle: opts.forcePathStyle,
    credentials:
      opts.accessKeyId && opts.secretAccessKey
        ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }
        : undefined,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
  const client = new S3Client(config);
  // The SDK cannot replay a consumed file stream, so uploads get no SDK retries;
  // put retries itself with a fresh stream instead.
  const putClient = new S3Client({ ...config, maxAttempts: 1 });

  const head = async (sha256: string) => {
    try {
      return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key(sha256) }));
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  };

  // After a failed upload: a server that (unlike S3) keeps a truncated body
  // would leave a short object under the final name. A correct blob is exactly
  // `size` bytes, so anything else there is removed.
  const discardIfWrong = async (sha256: string, size: number) => {
    try {
      const found = await head(sha256);
      if (found && found.ContentLength !== size) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key(sha256) }));
      }
    } catch {
      // Best effort; verify() still catches a wrong object before it is served.
    }
  };

  const putOnce = async (sha256: string, filePath: string, contentType: string) => {
    const fh = await open(filePath, "r");
    try {
      // Hash first, so a wrong name is refused before a byte is sent.
      const read = () => fh.createReadStream({ start: 0, highWaterMark: READ_CHUNK, autoClose: false });
      const { sha256: actual, size } = await hashStream(read());
      if (actual !== sha256) throw new BlobIntegrityError(sha256, actual, filePath);

      const command = (Body: PutObjectCommand["input"]["Body"]) =>
        new PutObjectCommand({
          Bucket: bucket,
          Key: key(sha256),
          Body,
          ContentLength: size,
          ContentType: contentType,
          Metadata: { sha256 },
        });

      if (size === 0) {
        await putClient.send(command(Buffer.alloc(0)));
        return;
      }

      // The file may change between the two reads: the gate checks the bytes
      // actually sent, and aborts the request one chunk short if they differ.
      const source = read();
      const gate = new HashGate(sha256, size, filePath, READ_CHUNK);
      const abort = new AbortController();
      let streamError: unknown;
      const piping = pipeline(source, gate).catch((e: unknown) => {
        streamError = e;
        abort.abort(e);
      });
      try {
        // Success means the server received every byte, so the gate passed.
        await putClient.send(command(gate), { abortSignal: abort.signal });
      } catch (e) {
        await discardIfWrong(sha256, size);
        throw streamError ?? e;
      } finally {
        source.destroy();
        gate.destroy();
        await piping;
      }
    } finally {
      await fh.close();
    }
  };

  return {
    kind: "s3",

    async has(sha256) {
      return (await head(sha256)) !== null;
    },

    async size(sha256) {
      const found = await head(sha256);
      return found ? (found.ContentLength ?? 0) : null;
    },

    async put(sha256, filePath, putOpts) {
      key(sha256);
      const contentType = putOpts?.contentType ?? "application/octet-stream";
      for (let attempt = 1; ; attempt++) {
        try {
          return await putOnce(sha256, filePath, contentType);
        } catch (e) {
          if (attempt >= PUT_ATTEMPTS || !isRetryable(e)) throw e;
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        }
      }
    },

    async get(sha256) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(sha256) }));
        return out.Body as Readable;
      } catch (e) {
        if (isNotFound(e)) throw new BlobNotFoundError(sha256);
        throw e;
      }
    },

    async verify(sha256, size) {
      const found = await head(sha256);
      if (!found || found.ContentLength !== size || found.Metadata?.sha256 !== sha256) return false;
      let body: Readable;
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(sha256) }));
        body = out.Body as Readable;
      } catch (e) {
        if (isNotFound(e)) return false;
        throw e;
      }
      const digest = await hashStream(body);
      return digest.sha256 === sha256 && digest.size === size;
    },
  };
}

type SdkError = { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; code?: string };

// A missing object. (A HEAD cannot tell a missing bucket from a missing key;
// GET can, and a missing bucket is then a configuration error, not "absent".)
function isNotFound(e: unknown) {
  const err = e as SdkError;
  if (err?.name === "NoSuchBucket") return false;
  return err?.name === "NotFound" || err?.name === "NoSuchKey" || err?.$metadata?.httpStatusCode === 404;
}

function isRetryable(e: unknown) {
  if (e instanceof BlobIntegrityError) return false;
  const err = e as SdkError;
  if (err?.name === "AbortError") return false;
  const status = err?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 || Boolean(err.$retryable);
  // No HTTP response at all: a dropped connection or timeout.
  return ["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED"].includes(err?.code ?? "") || err?.name === "TimeoutError";
}
