import { createReadStream, createWriteStream } from "node:fs";
import { lstat, readdir, readlink, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { pack as createPack, type Header, type Pack } from "tar-stream";

const ALWAYS_EXCLUDED = new Set([".git", "node_modules", ".data", ".slipway", ".DS_Store"]);
const EPOCH = new Date(0);

export type PackOptions = {
  /** Called with each path relative to the directory, "/"-separated; true leaves it (and anything under it) out. */
  exclude?: (relPath: string) => boolean;
};

type Sink = ReturnType<Pack["entry"]>;

type Item =
  | { kind: "directory"; rel: string }
  | { kind: "file"; rel: string; abs: string; size: number; mode: number }
  | { kind: "symlink"; rel: string; target: string };

// Packs dir into a gzip'd tar whose bytes depend only on the tree's paths,
// contents, executable bits and symlink targets: the archive's sha256 is the
// deployment's build SHA, so timestamps, owners and walk order must not leak in.
export async function packDirectory(
  dir: string,
  out: string | NodeJS.WritableStream,
  opts: PackOptions = {},
): Promise<{ files: number; bytes: number }> {
  // An output file inside the tree would otherwise end up packing itself.
  const outPath = typeof out === "string" ? path.resolve(out) : null;
  const skip = (rel: string, abs: string) => ALWAYS_EXCLUDED.has(path.posix.basename(rel)) || path.resolve(abs) === outPath || !!opts.exclude?.(rel);
  const items: Item[] = [];
  await collect(dir, "", skip, items);
  items.sort((a, b) => Buffer.compare(Buffer.from(a.rel), Buffer.from(b.rel)));

  const pack = createPack();
  const gzip = createGzip();
  const writing = pipeline(pack, gzip, typeof out === "string" ? createWriteStream(out) : out);
  writing.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled

  let files = 0;
  let bytes = 0;
  try {
    for (const item of items) {
      await addEntry(pack, item);
      if (item.kind === "file") {
        files += 1;
        bytes += item.size;
      }
    }
    pack.finalize();
    await writing;
  } catch (err) {
    // Destroying the node-side gzip stream is what makes the pipeline settle.
    pack.destroy(err as Error);
    gzip.destroy(err as Error);
    await writing.catch(() => {});
    if (typeof out === "string") await rm(out, { force: true });
    throw err;
  }
  return { files, bytes };
}

async function collect(root: string, relDir: string, skip: (rel: string, abs: string) => boolean, items: Item[]) {
  for (const name of await readdir(path.join(root, relDir))) {
    const rel = relDir ? `${relDir}/${name}` : name;
    const abs = path.join(root, rel);
    if (skip(rel, abs)) continue;
    const stats = await lstat(abs);
    if (stats.isDirectory()) {
      items.push({ kind: "directory", rel });
      await collect(root, rel, skip, items);
    } else if (stats.isFile()) {
      items.push({ kind: "file", rel, abs, size: stats.size, mode: stats.mode & 0o111 ? 0o755 : 0o644 });
    } else if (stats.isSymbolicLink()) {
      items.push({ kind: "symlink", rel, target: await readlink(abs) });
    }
    // Sockets, FIFOs and devices have no place in app source.
  }
}

function addEntry(pack: Pack, item: Item): Promise<void> {
  const common = { mtime: EPOCH, uid: 0, gid: 0, uname: "", gname: "" };
  const header: Partial<Header> & { name: string } =
    item.kind === "directory"
      ? { ...common, name: `${item.rel}/`, type: "directory", mode: 0o755 }
      : item.kind === "symlink"
        ? { ...common, name: item.rel, type: "symlink", mode: 0o777, linkname: item.target }
        : { ...common, name: item.rel, type: "file", mode: item.mode, size: item.size };
  return new Promise<void>((resolve, reject) => {
    const entry = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    if (item.kind === "file") copyInto(item.abs, entry).catch(reject);
  });
}

// tar-stream's sinks are streamx streams, which node's pipeline() does not
// always see finish or fail, so feed them by hand.
async function copyInto(file: string, entry: Sink) {
  const source = createReadStream(file);
  try {
    for await (const chunk of source) {
      if (entry.destroyed) return; // the pack failed; its own error is reported
      if (!entry.write(chunk)) await drained(entry);
    }
    entry.end(undefined);
  } finally {
    source.destroy();
  }
}

function drained(entry: Sink): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      entry.off("drain", done);
      entry.off("close", done);
      resolve();
    };
    entry.on("drain", done);
    entry.on("close", done);
  });
}
