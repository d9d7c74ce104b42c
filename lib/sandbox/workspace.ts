import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { toolPath } from "@/lib/sandbox/sandbox-mode";

const run = promisify(execFile);

// A build's workspace for the sandbox: a tmpfs of SANDBOX_DISK_MB mounted on
// the workspace directory (a hard disk limit: a build that fills it gets
// ENOSPC, the host's disk never fills), 0700 and owned by the project's uid,
// so no other project's sandbox can enter it. Files the worker puts there
// itself (the source, restored dependencies) are handed to that uid with
// giveToSandbox. Where the tmpfs cannot be mounted, a plain 0700 directory.
export async function prepareWorkspace(dir: string, opts: { uid: number; diskMb: number; dataDir: string }): Promise<{ limited: boolean }> {
  await removeWorkspace(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await openPath(path.dirname(dir), opts.dataDir);
  const options = `size=${opts.diskMb}m,mode=0700,uid=${opts.uid},gid=${opts.uid},nosuid,nodev`;
  const limited = await run(toolPath("mount"), ["-t", "tmpfs", "-o", options, "slipway-workspace", dir]).then(
    () => true,
    () => false,
  );
  if (!limited) await giveToSandbox(dir, opts.uid);
  return { limited };
}

/** Makes `dir` and everything below it the sandbox user's (links themselves, never what they point at). */
export async function giveToSandbox(dir: string, uid: number): Promise<void> {
  await run(toolPath("chown"), ["-hR", `${uid}:${uid}`, "--", dir]);
  await chmod(dir, 0o700);
}

/** Unmounts the workspace's tmpfs, if it has one, and removes the directory. */
export async function removeWorkspace(dir: string): Promise<void> {
  if (await isMountPoint(dir)) await run(toolPath("umount"), ["--lazy", "--", dir]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

async function isMountPoint(dir: string): Promise<boolean> {
  return (await mountsBelow(dir)).includes(path.resolve(dir));
}

/** Mount points at or below `dir`, deepest first. */
export async function mountsBelow(dir: string): Promise<string[]> {
  const mounts = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  const root = path.resolve(dir);
  return mounts
    .split("\n")
    .map((line) => unescapeMount(line.split(" ")[4] ?? ""))
    .filter((m) => m === root || m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * Removes a whole data directory, first unmounting the workspaces a killed
 * worker left mounted in it (a mounted workspace cannot be removed).
 */
export async function removeDataDir(dir: string): Promise<void> {
  for (const m of await mountsBelow(dir)) await run(toolPath("umount"), ["--lazy", "--", m]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * The sandbox's user must be able to pass through every directory above a
 * path bubblewrap binds (not list or read it): our own directories below
 * `DATA_DIR` are opened to 0711; for one above it that is closed, the error
 * says what to change.
 */
export async function openPath(dir: string, ownedBelow = dir): Promise<void> {
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    const st = await stat(p);
    if ((st.mode & 0o001) === 0) {
      if (p.startsWith(path.resolve(ownedBelow))) await chmod(p, (st.mode & 0o7777) | 0o111);
      else throw new Error(`${p} is not searchable by other users, which the sandbox's users need (chmod o+x ${p})`);
    }
    if (p === path.dirname(p)) break;
  }
}
