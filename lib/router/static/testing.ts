import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { contentTypeFor } from "@/lib/bundles/content-type";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import { makeTempDir } from "@/lib/bundles/testing/temp-dir";
import type { FileSource } from "@/lib/router/static/blob-source";

// Test helpers: a real local blob store holding the given files, and their manifest.
export async function makeBundle(files: Record<string, string | Buffer>) {
  const root = await makeTempDir("static-store");
  const src = await makeTempDir("static-src");
  const store = createLocalStore(root);
  const entries: ManifestEntry[] = [];
  let i = 0;
  for (const [p, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const sha256 = createHash("sha256").update(data).digest("hex");
    const file = path.join(src, `f${i++}`);
    await writeFile(file, data);
    await store.put(sha256, file);
    entries.push({ path: p, size: data.length, sha256, contentType: contentTypeFor(p) });
  }
  const entry = (p: string) => {
    const e = entries.find((x) => x.path === p);
    if (!e) throw new Error(`no entry ${p}`);
    return e;
  };
  return { store, entries, entry };
}

// Wraps a source to count its reads.
export function countingSource(inner: FileSource) {
  const counter = {
    reads: 0,
    read(sha256: string) {
      counter.reads++;
      return inner.read(sha256);
    },
  };
  return counter;
}
