import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { extractArchive } from "@/lib/archive/extract-archive";
import { inspectArchive } from "@/lib/archive/inspect-archive";
import { packDirectory } from "@/lib/archive/pack-directory";
import { END_OF_ARCHIVE, padToBlock, rawHeader, writeTarGz } from "@/lib/archive/test-tar";

let tmp: string;
let src: string;
let dest: string;
let archive: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "slipway-extract-"));
  src = path.join(tmp, "src");
  dest = path.join(tmp, "dest");
  archive = path.join(tmp, "app.tar.gz");
  await mkdir(src);
  await mkdir(dest);
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

// Every path under dir, "/"-separated, with what it is.
async function tree(dir: string, rel = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(path.join(dir, rel))).sort()) {
    const child = rel ? `${rel}/${name}` : name;
    const abs = path.join(dir, child);
    const st = await lstat(abs);
    if (st.isSymbolicLink()) out[child] = `-> ${await readlink(abs)}`;
    else if (st.isDirectory()) {
      out[child] = `dir ${(st.mode & 0o7777).toString(8)}`;
      Object.assign(out, await tree(dir, child));
    } else out[child] = `file ${(st.mode & 0o7777).toString(8)} ${await readFile(abs, "utf8")}`;
  }
  return out;
}

describe("extractArchive", () => {
  it("round-trips a packed tree: nested dirs, empty files and dirs, executables, relative symlinks", async () => {
    await write("package.json", "{}");
    await write("src/lib/deep/util.ts", "export const x = 1;");
    await write("src/empty.txt", "");
    await write("bin/start", "#!/bin/sh\necho hi\n", 0o755);
    await write("private.key", "secret-ish", 0o600);
    await mkdir(path.join(src, "public/empty"), { recursive: true });
    await symlink("../package.json", path.join(src, "src/pkg.json"));
    await symlink("lib/deep", path.join(src, "src/deep"));
    await write("node_modules/dep/index.js", "module.exports = 1");
    await write("src/node_modules/nested.js", "excluded too");
    await write(".git/HEAD", "ref: refs/heads/main");

    const packed = await packDirectory(src, archive);
    const extracted = await extractArchive(archive, dest);

    expect(extracted).toEqual(packed);
    expect(extracted).toEqual({ files: 5, bytes: 2 + 19 + 0 + 18 + 10 });
    expect(await tree(dest)).toEqual({
      bin: "dir 755",
      "bin/start": "file 755 #!/bin/sh\necho hi\n",
      "package.json": "file 644 {}",
      "private.key": "file 644 secret-ish",
      public: "dir 755",
      "public/empty": "dir 755",
      src: "dir 755",
      "src/deep": "-> lib/deep",
      "src/empty.txt": "file 644 ",
      "src/lib": "dir 755",
      "src/lib/deep": "dir 755",
      "src/lib/deep/util.ts": "file 644 export const x = 1;",
      "src/pkg.json": "-> ../package.json",
    });
    expect(await readFile(path.join(dest, "src/deep/util.ts"), "utf8")).toBe("export const x = 1;");
  });

  it("strips setuid, setgid, sticky and write-for-others bits, and never keeps the archive's owner", async () => {
    await writeTarGz(archive, [
      { name: "suid", content: "x", mode: 0o4777 },
      { name: "sgid", content: "x", mode: 0o2750 },
      { name: "open", content: "x", mode: 0o666 },
      { name: "dir/", type: "directory", mode: 0o1777 },
      { name: "dir/tight", content: "x", mode: 0o400 },
    ]);
    await extractArchive(archive, dest);
    const modes = Object.fromEntries(
      await Promise.all(["suid", "sgid", "open", "dir", "dir/tight"].map(async (p) => [p, ((await stat(path.join(dest, p))).mode & 0o7777).toString(8)])),
    );
    expect(modes).toEqual({ suid: "755", sgid: "755", open: "644", dir: "755", "dir/tight": "644" });
    expect((await stat(path.join(dest, "suid"))).uid).toBe(process.getuid?.() ?? 0);
  });

  it("accepts ./ prefixes, a root entry and files whose parent directories are not listed", async () => {
    await writeTarGz(archive, [
      { name: "./", type: "directory" },
      { name: "./a/b/c.txt", content: "c" },
      { name: "./a/", type: "directory" },
    ]);
    expect(await extractArchive(archive, dest)).toEqual({ files: 1, bytes: 1 });
    expect(await tree(dest)).toEqual({ a: "dir 755", "a/b": "dir 755", "a/b/c.txt": "file 644 c" });
  });

  it("reads long names from pax and GNU headers without counting those headers as entries", async () => {
    const paxName = `pax-${"p".repeat(150)}.txt`; // no "/" to split on, so tar-stream must use a pax header
    const gnuName = `${"g".repeat(120)}/long-gnu-name-${"n".repeat(60)}.txt`;
    const gnuPath = Buffer.from(`${gnuName}\0`);
    await writeTarGz(archive, [{ name: paxName, content: "pax" }, { name: "link", type: "symlink", linkname: `./${"t".repeat(150)}` }]);
    // Splice a GNU long-name entry (typeflag L) in front of the end-of-archive marker.
    const tar = gunzipSync(await readFile(archive));
    const body = tar.subarray(0, tar.length - END_OF_ARCHIVE.length);
    const gnu = Buffer.concat([
      rawHeader({ name: "././@LongLink", typeflag: "L", size: gnuPath.length }),
      padToBlock(gnuPath),
      rawHeader({ name: gnuName.slice(0, 99), typeflag: "0", size: 3 }),
      padToBlock(Buffer.from("gnu")),
    ]);
    await writeFile(archive, gzipSync(Buffer.concat([body, gnu, END_OF_ARCHIVE])));

    expect(await inspectArchive(archive)).toEqual({ entries: 3, files: 2, bytes: 6 });
    expect(await extractArchive(archive, dest)).toEqual({ files: 2, bytes: 6 });
    expect(await readFile(path.join(dest, paxName), "utf8")).toBe("pax");
    expect(await readFile(path.join(dest, gnuName), "utf8")).toBe("gnu");
    expect(await readlink(path.join(dest, "link"))).toBe(`./${"t".repeat(150)}`);
  });

  it("refuses a destination that is not empty, and leaves it alone", async () => {
    await writeFile(path.join(dest, "keep.txt"), "mine");
    await writeTarGz(archive, [{ name: "a.txt", content: "a" }]);
    await expect(extractArchive(archive, dest)).rejects.toThrow(/not empty/);
    expect(await readdir(dest)).toEqual(["keep.txt"]);
  });

  it("removes what it already wrote when a later entry is refused", async () => {
    await writeTarGz(archive, [
      { name: "a/", type: "directory" },
      { name: "a/one.txt", content: "1" },
      { name: "a/l", type: "symlink", linkname: "one.txt" },
      { name: "b.txt", content: "2" },
      { name: "../escape.txt", content: "x" },
    ]);
    await expect(extractArchive(archive, dest)).rejects.toMatchObject({ code: "path_traversal" });
    expect(await readdir(dest)).toEqual([]);
    expect(await readdir(tmp)).not.toContain("escape.txt");
  });
});
