import { createReadStream } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract, type Header } from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { packDirectory } from "@/lib/archive/pack-directory";
import { hashFile } from "@/lib/bundles/hash-stream";

let tmp: string;
let src: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "slipway-pack-"));
  src = path.join(tmp, "src");
  await write("package.json", '{"name":"app"}');
  await write("src/index.ts", "export {};\n");
  await write("src/b.ts", "b");
  await write("src-z.ts", "sorts between src and src/b.ts in byte order");
  await write("bin/run", "#!/bin/sh\n", 0o755);
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function write(rel: string, content: string, mode = 0o644) {
  const file = path.join(src, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  await chmod(file, mode);
}

async function headers(archive: string): Promise<Header[]> {
  const seen: Header[] = [];
  const parser = extract();
  parser.on("entry", (header, body, next) => {
    seen.push(header);
    body.on("end", () => next());
    body.resume();
  });
  await pipeline(createReadStream(archive), createGunzip(), parser);
  return seen;
}

async function pack(name: string, opts?: Parameters<typeof packDirectory>[2]) {
  const out = path.join(tmp, name);
  const result = await packDirectory(src, out, opts);
  return { out, result, sha: (await hashFile(out)).sha256 };
}

describe("packDirectory", () => {
  it("gives byte-identical archives for the same tree, whatever the timestamps and permissions", async () => {
    const first = await pack("1.tar.gz");
    await utimes(path.join(src, "src/index.ts"), new Date("2001-02-03"), new Date("2001-02-03"));
    await chmod(path.join(src, "package.json"), 0o600); // not executable either way
    const second = await pack("2.tar.gz");
    expect(await readFile(second.out)).toEqual(await readFile(first.out));
    expect(second.sha).toBe(first.sha);
    expect(first.result).toEqual({ files: 5, bytes: 14 + 11 + 1 + 44 + 10 });
  });

  it("changes the sha when a file's content, an executable bit or a symlink changes", async () => {
    const base = (await pack("base.tar.gz")).sha;
    await write("src/b.ts", "c");
    const content = (await pack("content.tar.gz")).sha;
    await chmod(path.join(src, "src/b.ts"), 0o755);
    const exec = (await pack("exec.tar.gz")).sha;
    await symlink("b.ts", path.join(src, "src/link"));
    const link = (await pack("link.tar.gz")).sha;
    expect(new Set([base, content, exec, link]).size).toBe(4);
  });

  it("writes normalised headers in byte order of path", async () => {
    await symlink("../package.json", path.join(src, "src/pkg"));
    const { out } = await pack("a.tar.gz");
    const gz = await readFile(out);
    expect(gz.readUInt32LE(4)).toBe(0); // gzip header mtime

    const seen = await headers(out);
    expect(seen.map((h) => h.name)).toEqual([
      "bin/",
      "bin/run",
      "package.json",
      "src/",
      "src-z.ts",
      "src/b.ts",
      "src/index.ts",
      "src/pkg",
    ]);
    for (const h of seen) {
      expect(h).toMatchObject({ uid: 0, gid: 0, uname: "", gname: "" });
      expect(h.mtime.getTime()).toBe(0);
    }
    const byName = Object.fromEntries(seen.map((h) => [h.name, h]));
    expect(byName["bin/"]).toMatchObject({ type: "directory", mode: 0o755 });
    expect(byName["bin/run"]).toMatchObject({ type: "file", mode: 0o755 });
    expect(byName["package.json"]).toMatchObject({ type: "file", mode: 0o644 });
    expect(byName["src/pkg"]).toMatchObject({ type: "symlink", linkname: "../package.json" });
  });

  it("leaves out .git, node_modules, .data, .slipway and .DS_Store at any depth, and whatever exclude() says", async () => {
    for (const rel of [".git/HEAD", "node_modules/x/index.js", ".data/db", ".slipway/state", ".DS_Store", "src/.DS_Store", "src/node_modules/y.js", "dist/out.js", "src/keep/.git"]) {
      await write(rel, "excluded");
    }
    await write("src/keep/file", "kept");
    const { out, result } = await pack("a.tar.gz", { exclude: (rel) => rel === "dist" });
    const names = (await headers(out)).map((h) => h.name);
    expect(names).toContain("src/keep/file");
    expect(names.filter((n) => /(^|\/)(\.git|node_modules|\.data|\.slipway|\.DS_Store|dist)(\/|$)/.test(n))).toEqual([]);
    expect(result.files).toBe(6);
  });

  it("passes exclude() paths relative to the directory, with forward slashes", async () => {
    const asked: string[] = [];
    await pack("a.tar.gz", { exclude: (rel) => (asked.push(rel), false) });
    expect(asked.sort()).toEqual(["bin", "bin/run", "package.json", "src", "src-z.ts", "src/b.ts", "src/index.ts"]);
  });

  it("skips sockets and other special files", async () => {
    const socket = path.join(src, "app.sock");
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const names = (await headers((await pack("a.tar.gz")).out)).map((h) => h.name);
      expect(names).not.toContain("app.sock");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("leaves out its own output file when it is written inside the tree", async () => {
    const expected = (await pack("outside.tar.gz")).sha;
    const out = path.join(src, "app.tar.gz");
    await writeFile(out, "left over from the last run");
    await packDirectory(src, out);
    expect((await headers(out)).map((h) => h.name)).not.toContain("app.tar.gz");
    expect((await hashFile(out)).sha256).toBe(expected);
  });

  it("writes to a stream", async () => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (chunk: Buffer) => chunks.push(chunk));
    await packDirectory(src, sink);
    expect(Buffer.concat(chunks)).toEqual(await readFile((await pack("a.tar.gz")).out));
  });

  it("fails, and removes the half-written output, when the directory is missing", async () => {
    const out = path.join(tmp, "missing.tar.gz");
    await expect(packDirectory(path.join(tmp, "nope"), out)).rejects.toThrow(/ENOENT/);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});
