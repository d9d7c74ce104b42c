import { chmodSync, chownSync, copyFileSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { rm, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { claimUid, type FunctionUser, killUid, releaseUid } from "@/lib/router/functions/function-user";

// Where each host process listens and what it runs as: its socket, its
// SLIPWAY_SANDBOX marker and, when the router is root, its user and private
// directories.
//
// Running as another user (router is root, `user` not null):
// - <workDir> is 0711: the host can reach the paths it is given, list nothing.
//   Its ancestors and the Node binary must be reachable by others (checked,
//   with a clear error). host.mjs is copied to <workDir>/host.mjs (0644), so
//   where the router's code lives does not matter.
// - Code: <workDir>/bundles/<digest>, 0755/0644 and owned by root
//   (materialize.ts): readable, never writable, by the host.
// - Socket: <sockets>/<id>/h.sock. <sockets> is 0711 root; <id> is created
//   0700 and owned by the host's uid so it can bind there. Once the host says
//   it is ready, the directory is sealed: chowned to root, 0700, and h.sock
//   must then be a socket owned by the host's uid (not a symlink or a link to
//   someone else's socket: the router connects as root). From then on the
//   host can neither replace its socket nor create anything there, and no
//   other host can reach it. (The router, root, connects regardless of modes.)
// - HOME and TMPDIR: <workDir>/homes/<id>, 0700, owned by the host's uid
//   (unless the deployment sets them itself); removed when the host is gone.
// - Stopping a per-host-uid host also kills every process of its uid (the
//   ones that left the group and scrubbed their environment included) before
//   the uid is released.

/** Started with this Node binary as `node host.mjs`, resolved next to this file. */
export const HOST_PATH = path.join(import.meta.dirname, "host.mjs");
const MAX_SOCKET_PATH = 100;

// What one host process is given: its socket, marker and, when it runs as
// another user, that user and its private directories.
export type Slot = {
  socketPath: string;
  marker: string;
  /** host.mjs, or the copy of it in <workDir>. */
  script: string;
  run: { uid: number; gid: number; ownUid: boolean; socketDir: string; home: string } | null;
  /** Undoes the slot once the process and its descendants are gone. */
  release(): Promise<void>;
};

/** Hands out the slots of one pool's host processes, under <workDir>. */
export class HostSlots {
  private socketDir: string | null = null;
  /** Set up once, for hosts running as another user. */
  private shared: { script: string; homes: string } | null = null;
  private seq = 0;

  constructor(
    private readonly workDir: string,
    /** Which user hosts run as; null: the router's own. */
    private readonly user: FunctionUser | null,
  ) {}

  /** Where the next host process listens and what it runs as; throws if it cannot be prepared. */
  next(): Slot {
    const id = `${process.pid.toString(36)}-${(++this.seq).toString(36)}`;
    const marker = `slipway-fn-${id}`;
    const user = this.user;
    if (user === null) {
      const socketPath = path.join(this.socketsDir(`${id}-xxxx.sock`, 0o700), `${id}.sock`);
      return { socketPath, marker, script: HOST_PATH, run: null, release: () => unlink(socketPath).catch(() => {}) };
    }
    const shared = this.prepareShared();
    const socketDir = path.join(this.socketsDir(`${id}-xxxx/h.sock`, 0o711), id);
    const home = path.join(shared.homes, id);
    const ownUid = user.mode === "per-host";
    const uid = user.mode === "per-host" ? claimUid(user) : user.uid;
    const gid = user.mode === "per-host" ? uid : user.gid;
    const run = { uid, gid, ownUid, socketDir, home };
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      // A uid of its own: nothing of it may survive, or the next host with it would meet it.
      const clean = ownUid ? await killUid(uid, gid).catch(() => false) : true;
      await rm(socketDir, { recursive: true, force: true }).catch(() => {});
      await rm(home, { recursive: true, force: true }).catch(() => {});
      // Kept claimed (until this router exits) if some process of it would not die.
      if (ownUid && clean) releaseUid(user, uid);
    };
    try {
      for (const [dir, mode] of [
        [socketDir, 0o700],
        [home, 0o700],
      ] as const) {
        mkdirSync(dir, { mode });
        chmodSync(dir, mode);
        lchownSync(dir, uid, gid);
      }
    } catch (err) {
      rmSync(socketDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
      if (ownUid) releaseUid(user, uid);
      throw err;
    }
    return { socketPath: path.join(socketDir, "h.sock"), marker, script: shared.script, run, release };
  }

  /** The directory of the hosts' sockets (a private temp one when <workDir>/sockets makes paths too long). */
  private socketsDir(probe: string, mode: number): string {
    if (this.socketDir === null) {
      let dir = path.join(this.workDir, "sockets");
      // Unix socket paths are limited to ~107 bytes: fall back to a short private directory.
      if (path.join(dir, probe).length > MAX_SOCKET_PATH) {
        dir = mkdtempSync(path.join(os.tmpdir(), "slipway-fn-"));
      } else {
        mkdirSync(dir, { recursive: true, mode });
      }
      chmodSync(dir, mode);
      this.socketDir = dir;
    }
    return this.socketDir;
  }

  /** Once per pool, for hosts running as another user: what they need must be reachable (and nothing else). */
  private prepareShared(): { script: string; homes: string } {
    if (this.shared) return this.shared;
    mkdirSync(this.workDir, { recursive: true, mode: 0o711 });
    chmodSync(this.workDir, 0o711);
    const unreachable = unreachableBy(this.workDir, false) ?? unreachableBy(process.execPath, true);
    if (unreachable) throw new Error(`${unreachable}; the function user cannot reach it.`);
    const script = path.join(this.workDir, "host.mjs");
    copyFileSync(HOST_PATH, script);
    chmodSync(script, 0o644);
    chownSync(script, 0, 0);
    const homes = path.join(this.workDir, "homes");
    mkdirSync(homes, { recursive: true, mode: 0o711 });
    chmodSync(homes, 0o711);
    this.shared = { script, homes };
    return this.shared;
  }
}

/**
 * Once the host listens: its socket directory becomes root's (0700), then
 * the socket must be a socket of the host's uid. Returns why not, if not.
 */
export function sealSocket(slot: Slot): string | null {
  if (!slot.run) return null;
  try {
    lchownSync(slot.run.socketDir, 0, 0);
    chmodSync(slot.run.socketDir, 0o700);
    const st = lstatSync(slot.socketPath);
    if (st.isSocket() && st.uid === slot.run.uid) return null;
  } catch {
    // missing: as bad
  }
  return "The function host's socket was not where it should be; it was killed.";
}

/** An error as one line of text, for the messages of a host's status. */
export function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").trim();
}

/** What keeps another (unprivileged) user from `target` (a directory, or an executable file), or null. */
function unreachableBy(target: string, executable: boolean): string | null {
  let p = path.resolve(target);
  try {
    const st = statSync(p);
    if (executable && (st.mode & 0o005) !== 0o005) return `${p} is not readable and executable by others`;
    if (!executable && (st.mode & 0o001) === 0) return `${p} is not searchable by others`;
    for (p = path.dirname(p); ; p = path.dirname(p)) {
      if ((statSync(p).mode & 0o001) === 0) return `${p} is not searchable by others (chmod o+x)`;
      if (p === path.dirname(p)) break;
    }
  } catch (err) {
    return `${p} cannot be checked (${errorText(err)})`;
  }
  return null;
}
