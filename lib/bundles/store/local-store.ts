import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir, open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { hashStream, READ_CHUNK } from "@/lib/bundles/hash-stream";
import { assertSha256, BlobIntegrityError, BlobNotFoundError, type BlobStore } from "@/lib/bundles/store/blob-store";

// Blobs on the local disk: root/blobs/ab/<sha256>, written read-only.
// A put writes root/tmp/<random>, checks the hash, fsyncs and renames it into
// place, so a crash never leaves a partial blob under its final name and two
// puts of the same blob simply both rename identical bytes into place.
// Only the platform's own user may read it: directories 0700 and blobs 0400,
// set explicitly whatever the umask, on every put (which also narrows a store
// made by an older Slipway, open to everyone).
export function createLocalStore(root: string): BlobStore {
  const base = path.resolve(root);
  const tmpDir = path.join(base, "tmp");
  const blobPath = (sha256: string) => {
    assertSha256(sha256);
    return path.join(base, "blobs", sha256.slice(0, 2), sha256);
  };

  return {
    kind: "local",

    async has(sha256) {
      return (await statBlob(blobPath(sha256))) !== null;
    },

    async size(sha256) {
      return (await statBlob(blobPath(sha256)))?.size ?? null;
    },

    async put(sha256, filePath) {
      const finalPath = blobPath(sha256);
      for (const dir of [base, path.join(base, "blobs"), tmpDir, path.dirname(finalPath)]) await privateDir(dir);
      const tmpPath = path.join(tmpDir, randomUUID());
      let placed = false;
      try {
        const fh = await open(tmpPath, "wx", 0o600);
        try {
          const hash = createHash("sha256");
          for await (const chunk of createReadStream(filePath, { highWaterMark: READ_CHUNK })) {
            hash.update(chunk as Buffer);
            await writeAll(fh, chunk as Buffer);
          }
          const actual = hash.digest("hex");
          if (actual !== sha256) throw new BlobIntegrityError(sha256, actual, filePath);
          await fh.chmod(0o400);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmpPath, finalPath);
        placed = true;
        await syncDir(path.dirname(finalPath));
      } finally {
        if (!placed) await rm(tmpPath, { force: true });
      }
    },

    async get(sha256) {
      const fh = await openBlob(blobPath(sha256));
      if (!fh) throw new BlobNotFoundError(sha256);
      return fh.createReadStream({ highWaterMark: READ_CHUNK });
    },

    async verify(sha256, size) {
      const fh = await openBlob(blobPath(sha256));
      if (!fh) return false;
      try {
        const info = await fh.stat();
        if (!info.isFile() || info.size !== size) return false;
        const digest = await hashStream(fh.createReadStream({ highWaterMark: READ_CHUNK, autoClose: false }));
        return digest.sha256 === sha256 && digest.size === size;
      } finally {
        await fh.close();
      }
    },
  };
}

async function privateDir(dir: string) {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

const isMissing = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
};

async function statBlob(p: string) {
  try {
    const info = await stat(p);
    return info.isFile() ? info : null;
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
}

async function openBlob(p: string): Promise<FileHandle | null> {
  try {
    return await open(p, "r");
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
}

async function writeAll(fh: FileHandle, chunk: Buffer) {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

// Makes the rename itself durable. Best effort: some filesystems cannot fsync
// a directory, and the blob is already complete and in place by now.
async function syncDir(dir: string) {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // ignore
  }
}
