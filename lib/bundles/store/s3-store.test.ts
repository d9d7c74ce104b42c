import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildManifest } from "@/lib/bundles/build-manifest";
import { BlobIntegrityError, BlobNotFoundError, type BlobStore } from "@/lib/bundles/store/blob-store";
import { createS3Store } from "@/lib/bundles/store/s3-store";
import { readAll } from "@/lib/bundles/testing/read-all";
import { cleanupTempDirs, makeTempDir } from "@/lib/bundles/testing/temp-dir";
import { uploadBlobs } from "@/lib/bundles/upload-blobs";
import { verifyBlobs } from "@/lib/bundles/verify-blobs";

const sha = (content: string | Buffer) => createHash("sha256").update(content).digest("hex");

const BUCKET = "slipway-test";
const PREFIX = "bundles-test/";
const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

let server: S3rver | undefined;
let endpoint = "";
let admin: S3Client;
let store: BlobStore;
let src = "";

beforeAll(async () => {
  const directory = await makeTempDir("s3rver");
  server = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  admin = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
  await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
  store = createS3Store({ bucket: BUCKET, endpoint, region: "us-east-1", forcePathStyle: true, prefix: PREFIX, ...credentials });
  src = await makeTempDir("s3src");
});

afterAll(async () => {
  try {
    admin?.destroy();
    await server?.close();
  } finally {
    await cleanupTempDirs();
  }
});

async function fileWith(name: string, content: string | Buffer) {
  const file = path.join(src, name);
  await writeFile(file, content);
  return file;
}

const head = (key: string) =>
  admin.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).catch((e: { name?: string }) => {
    if (e.name === "NotFound") return null;
    throw e;
  });

describe("createS3Store against s3rver", () => {
  it("puts a blob under <prefix>blobs/<sha256> with its metadata, then has/size/get/verify it", async () => {
    const content = "s3 blob content";
    const sha256 = sha(content);
    const file = await fileWith("one.txt", content);
    expect(store.kind).toBe("s3");
    expect(await store.has(sha256)).toBe(false);
    expect(await store.size(sha256)).toBeNull();

    await store.put(sha256, file, { contentType: "text/plain; charset=utf-8" });

    const object = await head(`${PREFIX}blobs/${sha256}`);
    expect(object?.ContentLength).toBe(content.length);
    expect(object?.Metadata).toMatchObject({ sha256 });
    expect(object?.ContentType).toBe("text/plain; charset=utf-8");
    expect(await store.has(sha256)).toBe(true);
    expect(await store.size(sha256)).toBe(content.length);
    expect((await readAll(await store.get(sha256))).toString()).toBe(content);
    expect(await store.verify(sha256, content.length)).toBe(true);
    expect(await store.verify(sha256, content.length + 1)).toBe(false);
  });

  it("streams a multi-megabyte blob and the empty blob", async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    await store.put(sha(big), await fileWith("big.bin", big));
    expect(await store.verify(sha(big), big.length)).toBe(true);
    expect((await readAll(await store.get(sha(big)))).equals(big)).toBe(true);

    await store.put(sha(""), await fileWith("empty.bin", ""));
    expect(await store.verify(sha(""), 0)).toBe(true);
  });

  it("refuses content whose sha256 differs from the name and leaves no object", async () => {
    const claimedSmall = sha("something else");
    const small = store.put(claimedSmall, await fileWith("liar.txt", "actual bytes"));
    await expect(small).rejects.toBeInstanceOf(BlobIntegrityError);
    expect(await head(`${PREFIX}blobs/${claimedSmall}`)).toBeNull();

    const claimedBig = sha("another thing");
    const bigFile = await fileWith("liar.bin", Buffer.alloc(3 * 1024 * 1024, 1));
    await expect(store.put(claimedBig, bigFile)).rejects.toBeInstanceOf(BlobIntegrityError);
    expect(await store.has(claimedBig)).toBe(false);

    await expect(store.put(claimedSmall, await fileWith("empty2.bin", ""))).rejects.toBeInstanceOf(BlobIntegrityError);
    expect(await store.has(claimedSmall)).toBe(false);
  });

  it("fails verify for a missing blob, and for an object whose bytes or metadata are wrong", async () => {
    const missing = sha("never uploaded");
    expect(await store.verify(missing, 5)).toBe(false);
    await expect(store.get(missing)).rejects.toBeInstanceOf(BlobNotFoundError);

    // Right size and metadata, wrong bytes: only re-hashing the content catches it.
    const forged = sha("genuine");
    await admin.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}blobs/${forged}`, Body: "GENUINE", Metadata: { sha256: forged } }),
    );
    expect(await store.has(forged)).toBe(true);
    expect(await store.verify(forged, 7)).toBe(false);

    // Right bytes, no sha256 metadata.
    const bare = sha("bare");
    await admin.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}blobs/${bare}`, Body: "bare" }));
    expect(await store.verify(bare, 4)).toBe(false);
  });

  it("uploads a directory once: the second upload writes 0 blobs, and verifyBlobs sees a missing one", async () => {
    const dir = await makeTempDir("s3out");
    await writeFile(path.join(dir, "index.html"), "<h1>s3</h1>");
    await writeFile(path.join(dir, "app.js"), "export default 1;");
    await writeFile(path.join(dir, "same.js"), "export default 1;");
    const entries = await buildManifest(dir);

    expect(await uploadBlobs(store, dir, entries)).toMatchObject({ written: 2, skipped: 0 });
    expect(await uploadBlobs(store, dir, entries)).toEqual({ written: 0, skipped: 2, bytesWritten: 0 });
    expect(await verifyBlobs(store, entries)).toEqual({ ok: true });

    const listed = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}blobs/` }));
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    for (const e of entries) expect(keys).toContain(`${PREFIX}blobs/${e.sha256}`);

    const phantom = { path: "ghost.css", size: 3, sha256: sha("boo"), contentType: "text/css; charset=utf-8" };
    expect(await verifyBlobs(store, [...entries, phantom])).toEqual({ ok: false, missing: ["ghost.css"] });
  });

  it("rejects invalid blob names before any request", async () => {
    await expect(store.has("../other-bucket/x")).rejects.toThrow(TypeError);
    await expect(store.put("x".repeat(64), path.join(src, "one.txt"))).rejects.toThrow(TypeError);
  });
});
