import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { childEnv } from "@/lib/platform/child-env";
import { findPids } from "@/lib/platform/find-pids";

// Which OS user the function hosts run as.
//
// When the router runs as root, a host must not: it could read
// /proc/<router>/environ (DATABASE_URL and the other secrets), the router's
// files, and other deployments' processes and sockets. So every host is
// started (spawn's uid/gid: setgroups(0), setgid, setuid before exec, so no
// code of ours or of the function ever runs privileged in the child) as:
//
// - "per-host" (the default): a uid of its own, allocated from
//   FUNCTION_UID_RANGE (default 200000-265535), with gid = uid and no
//   supplementary groups. Hosts of different deployments (and successive
//   hosts of one) never share a uid, so they cannot signal, ptrace or read
//   /proc of one another, nor reach one another's files. The uid need not
//   exist in /etc/passwd (setuid does not care); uids that do, uids inside an
//   /etc/subuid range, and uids any live process runs as are skipped. Across
//   router processes (cluster workers, a second router) a claim is a lock
//   file <lockDir>/<uid>.<router pid>: claimed once ours is created and no
//   other live router's file for that uid exists (see claimUid). Since the
//   uid is the host's alone, stopping a host kills every process of that uid,
//   which also gets the ones that left the group AND scrubbed their
//   environment (the marker of kill-marked.ts cannot find those).
// - "shared": FUNCTION_UID (and FUNCTION_GID) if set, else FUNCTION_UID_RANGE=off
//   selects `nobody` (uid/gid from /etc/passwd and /etc/group `nogroup`,
//   65534 failing those). Protects the router from the functions, NOT the
//   functions from one another: hosts of the same uid can signal and ptrace
//   each other and read each other's /proc/<pid>/environ (their variables).
//
// When the router is not root it cannot switch users: hosts run as the
// router's own user, as before. Isolating functions from the router then
// requires running the router itself as a dedicated unprivileged user (and
// the functions still share it).

export type FunctionUser =
  | { mode: "per-host"; first: number; last: number; lockDir: string }
  | { mode: "shared"; uid: number; gid: number };

export const DEFAULT_UID_RANGE = "200000-265535";
/** Largest id we accept: Node's spawn takes uid/gid as int32. */
const MAX_ID = 0x7fffffff;

type Env = Record<string, string | undefined>;

function parseId(value: string, name: string): number {
  if (!/^\d+$/.test(value.trim())) throw new Error(`${name} must be an integer of at least 1, not ${JSON.stringify(value)}.`);
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_ID) throw new Error(`${name} must be an integer from 1 to ${MAX_ID}, not ${JSON.stringify(value)}.`);
  return n;
}

/** passwd/group lines: name:x:id:gid:... → the entries. */
function parseDb(text: string): { name: string; id: number; gid: number | null }[] {
  const out: { name: string; id: number; gid: number | null }[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 3 || !/^\d+$/.test(f[2])) continue;
    out.push({ name: f[0], id: Number(f[2]), gid: f[3] !== undefined && /^\d+$/.test(f[3]) ? Number(f[3]) : null });
  }
  return out;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

export type SystemFiles = { passwd: string; group: string };

const systemFiles = (): SystemFiles => ({ passwd: readText("/etc/passwd"), group: readText("/etc/group") });

/**
 * The user function hosts run as, or null to run them as the router's own
 * user (the router is not root: it cannot switch). Throws on an invalid
 * FUNCTION_UID / FUNCTION_GID / FUNCTION_UID_RANGE.
 */
export function resolveFunctionUser(env: Env = process.env, isRoot = process.getuid?.() === 0, files: SystemFiles = systemFiles()): FunctionUser | null {
  // Not root: setuid is impossible; see the comment at the top.
  if (!isRoot) return null;
  const passwd = parseDb(files.passwd);
  const gidVar = env.FUNCTION_GID?.trim() ? parseId(env.FUNCTION_GID, "FUNCTION_GID") : null;
  if (env.FUNCTION_UID?.trim()) {
    const uid = parseId(env.FUNCTION_UID, "FUNCTION_UID");
    return { mode: "shared", uid, gid: gidVar ?? passwd.find((e) => e.id === uid)?.gid ?? uid };
  }
  const range = (env.FUNCTION_UID_RANGE ?? "").trim() || DEFAULT_UID_RANGE;
  if (/^(off|none|nobody)$/i.test(range) || gidVar !== null) {
    const nobody = passwd.find((e) => e.name === "nobody");
    const uid = nobody && nobody.id > 0 ? nobody.id : 65534;
    const nogroup = parseDb(files.group).find((e) => e.name === "nogroup");
    const gid = gidVar ?? (nogroup && nogroup.id > 0 ? nogroup.id : nobody?.gid && nobody.gid > 0 ? nobody.gid : 65534);
    return { mode: "shared", uid, gid };
  }
  const m = /^(\d+)\s*-\s*(\d+)$/.exec(range);
  if (!m) throw new Error(`FUNCTION_UID_RANGE must look like "200000-265535" (or "off"), not ${JSON.stringify(range)}.`);
  const first = parseId(m[1], "FUNCTION_UID_RANGE");
  const last = parseId(m[2], "FUNCTION_UID_RANGE");
  if (last < first) throw new Error(`FUNCTION_UID_RANGE ${JSON.stringify(range)} is empty.`);
  const lockDir = env.FUNCTION_UID_LOCK_DIR?.trim() || (isDir("/run") ? "/run/slipway-function-uids" : path.join(os.tmpdir(), "slipway-function-uids"));
  return { mode: "per-host", first, last, lockDir: path.resolve(lockDir) };
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The uids of /etc/passwd entries and /etc/subuid ranges: never handed to a host. */
function reservedUids(): (uid: number) => boolean {
  const users = new Set(parseDb(readText("/etc/passwd")).map((e) => e.id));
  const ranges: [number, number][] = [];
  for (const line of readText("/etc/subuid").split("\n")) {
    const f = line.split(":");
    if (f.length >= 3 && /^\d+$/.test(f[1]) && /^\d+$/.test(f[2])) ranges.push([Number(f[1]), Number(f[1]) + Number(f[2]) - 1]);
  }
  return (uid) => users.has(uid) || ranges.some(([a, b]) => uid >= a && uid <= b);
}

/** Every uid (real, effective, saved, fs) of every live process. */
export function uidsInUse(): Set<number> {
  const used = new Set<number>();
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return used;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const ids = uidLine(readText(`/proc/${name}/status`));
    for (const id of ids) used.add(id);
  }
  return used;
}

function uidLine(status: string): number[] {
  const m = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status);
  return m ? m.slice(1).map(Number) : [];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Creates the lock directory, and refuses one that anybody but root could have tampered with. */
function lockDirectory(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let p = dir; ; p = path.dirname(p)) {
    const st = lstatSync(p);
    const sticky = (st.mode & 0o1000) !== 0 && p !== dir;
    if (!st.isDirectory() || st.uid !== 0 || ((st.mode & 0o022) !== 0 && !sticky)) {
      throw new Error(`${dir} cannot hold the function uid locks: ${p} is not a directory only root can change.`);
    }
    if (p === path.dirname(p)) break;
  }
  return dir;
}

// Uids this process holds, so a lock file of ours left by an earlier process
// with the same pid is recognized as stale.
const held = new Set<number>();

/**
 * Claims a free uid of the range for one host; release it with releaseUid()
 * once no process of that uid is left. Mutual exclusion between routers
 * without flock: each creates <uid>.<pid> first and only then looks for
 * another live router's file for the same uid; if there is one, it backs
 * off. Two routers can both back off (then each tries another uid), never
 * both keep it. Files of dead routers (any uid) are removed on the way.
 */
export function claimUid(user: Extract<FunctionUser, { mode: "per-host" }>, attempts = 64): number {
  const dir = lockDirectory(user.lockDir);
  const reserved = reservedUids();
  const inUse = uidsInUse();
  const size = user.last - user.first + 1;
  for (let i = 0; i < attempts; i++) {
    const uid = user.first + Math.floor(Math.random() * size);
    if (held.has(uid) || inUse.has(uid) || reserved(uid)) continue;
    const mine = path.join(dir, `${uid}.${process.pid}`);
    let fd: number;
    try {
      fd = openSync(mine, "wx", 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      fd = openSync(mine, "w", 0o600); // left by a dead process that had our pid
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    let taken = false;
    for (const name of readdirSync(dir)) {
      const m = /^(\d+)\.(\d+)$/.exec(name);
      if (!m || Number(m[2]) === process.pid) continue;
      // Any router's claim that outlived it (crash, SIGKILL) goes; its uid is
      // still skipped while a process runs as it (uidsInUse).
      if (!alive(Number(m[2]))) rmQuiet(path.join(dir, name));
      else if (Number(m[1]) === uid) taken = true;
    }
    if (taken) {
      rmQuiet(mine);
      continue;
    }
    held.add(uid);
    return uid;
  }
  throw new Error(`no free uid found in ${user.first}-${user.last} (FUNCTION_UID_RANGE) after ${attempts} attempts.`);
}

export function releaseUid(user: Extract<FunctionUser, { mode: "per-host" }>, uid: number): void {
  held.delete(uid);
  rmQuiet(path.join(user.lockDir, `${uid}.${process.pid}`));
}

function rmQuiet(file: string) {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}

/** Pids of the live processes that have `uid` as any of their uids (zombies excluded). */
export function pidsOfUid(uid: number): Promise<number[]> {
  return findPids("status", (content) => {
    const status = content.toString("utf8");
    return !/^State:\s+[ZX]/m.test(status) && uidLine(status).includes(uid);
  });
}

/**
 * SIGKILLs every process running as `uid` (a uid a single host owned) until
 * none is left; false if some still were after `timeoutMs`. Each round runs
 * kill(-1, SIGKILL) AS that uid, which reaches all of them at once however
 * fast they fork, then kills what a /proc scan still finds.
 */
export async function killUid(uid: number, gid: number, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = await pidsOfUid(uid);
    if (pids.length === 0) return true;
    if (Date.now() >= deadline) return false;
    await killAllAs(uid, gid, Math.max(50, deadline - Date.now()));
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function killAllAs(uid: number, gid: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn("/bin/sh", ["-c", "kill -s KILL -- -1 2>/dev/null; exit 0"], { uid, gid, env: childEnv({}), stdio: "ignore", cwd: "/" });
    } catch {
      resolve();
      return;
    }
    // A process of that uid could stop this one (same uid): do not wait forever.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, timeoutMs);
    child.once("error", () => {
      clearTimeout(timer);
      resolve();
    });
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
