import { NODE_BINARY } from "@/lib/platform/runtimes";
import { chmodSync, chownSync, copyFileSync, lchownSync, lstatSync, mkdirSync, mkdtempSync } from "node:fs";
import { rm, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MARKER_VAR } from "@/lib/build/sandbox/kill-marked";
import type { HostPort } from "@/lib/sandbox/egress-rules";
import { openSandbox, SANDBOX_PATH, type Sandbox } from "@/lib/sandbox/sandbox";

// Where each host process listens, what it runs and as whom: its socket, its
// SLIPWAY_SANDBOX marker and, in the sandbox (lib/sandbox/), its private
// directories and the sandbox itself.
//
// In the sandbox (the default; `sandbox` null only with SLIPWAY_SANDBOX=off):
// - The host runs as its project's sandbox uid, in namespaces of its own: it
//   sees /usr, the Node runtime, its code at /app (read-only), host.mjs at
//   /slipway/host.mjs (a root-owned copy in <workDir>), its socket directory
//   at /run/slipway, its home at /home/app and a private /tmp. No other
//   deployment's code, home or socket, no router file, no router process.
// - Socket: <workDir>/sockets/<id>/h.sock. <sockets> is 0711 root; <id> is
//   created 0700 and owned by the host's uid so it can bind there. Once the
//   host says it is ready, the directory is sealed: chowned to root, 0700,
//   and h.sock must then be a socket owned by the host's uid (not a symlink:
//   the router connects as root). From then on the host can neither replace
//   its socket nor create anything there.
// - Home: <workDir>/homes/<id>, 0700, the host's uid's; removed with the host.
// - Stopping: killing the host's process group kills bubblewrap, and with it
//   the host's PID namespace: every process the function started, escapees
//   included. The sandbox's network namespace and control group go in release().
//
// Without the sandbox, the host runs as the router's own user with its
// socket in a 0700 directory of the router's.

/** Started with this Node binary as `node host.mjs`, resolved next to this file. */
export const HOST_PATH = path.join(import.meta.dirname, "host.mjs");
const MAX_SOCKET_PATH = 100;
const INSIDE = { code: "/app", script: "/slipway/host.mjs", sockets: "/run/slipway", home: "/home/app" };

/** How hosts are sandboxed: the project uids' base and each host's limits. */
export type FunctionSandbox = { uidBase: number; memoryMb: number; pids: number; diskMb: number };

/** What a host of one deployment is started with. */
export type HostSpec = { dir: string; env: Record<string, string>; heapMb: number; sandboxId: number; allow: HostPort[] };

// What one host process is given: its socket, marker, command and, in the
// sandbox, its user and private directories.
export type Slot = {
  socketPath: string;
  marker: string;
  command: { file: string; args: string[]; env: Record<string, string>; cwd: string };
  run: { uid: number; socketDir: string; home: string; sandbox: Sandbox } | null;
  /** Undoes the slot once the process and its descendants are gone. */
  release(): Promise<void>;
};

/** Hands out the slots of one pool's host processes, under <workDir>. */
export class HostSlots {
  private socketDir: string | null = null;
  /** Set up once, for sandboxed hosts. */
  private shared: { script: string; homes: string } | null = null;
  private seq = 0;

  constructor(
    private readonly workDir: string,
    private readonly sandbox: FunctionSandbox | null,
  ) {}

  /** Where the next host process listens and what it runs; throws if it cannot be prepared. */
  async next(spec: HostSpec): Promise<Slot> {
    const id = `${process.pid.toString(36)}-${(++this.seq).toString(36)}`;
    const marker = `slipway-fn-${id}`;
    // Exactly the deployment's variables, plus what a host needs (its HOME
    // and TMPDIR in the sandbox; NODE_ENV unless the deployment sets it).
    const env = (dirs: Record<string, string>) => ({
      NODE_ENV: "production",
      ...dirs,
      ...spec.env,
      PATH: SANDBOX_PATH,
      SLIPWAY_FUNCTION_HOST: "1",
      [MARKER_VAR]: marker,
    });
    const semiSpaceMb = Math.max(1, Math.min(16, Math.floor(spec.heapMb / 32)));
    const node = (script: string, dir: string, socket: string, parent: number) => [
      NODE_BINARY,
      `--max-old-space-size=${spec.heapMb}`,
      `--max-semi-space-size=${semiSpaceMb}`,
      script,
      dir,
      socket,
      String(parent),
    ];
    if (this.sandbox === null) {
      const socketPath = path.join(this.socketsDir(`${id}-xxxx.sock`, 0o700), `${id}.sock`);
      // Through sh only to switch core dumps off (a host that runs out of
      // memory aborts); `exec` makes the host the group leader itself. dash
      // exports PWD, which is not ours to add.
      const args = ["-c", 'ulimit -c 0 2>/dev/null; unset PWD; exec "$@"', "sh", ...node(HOST_PATH, spec.dir, socketPath, process.pid)];
      return {
        socketPath,
        marker,
        command: { file: "/bin/sh", args, env: env({}), cwd: spec.dir },
        run: null,
        release: () => unlink(socketPath).catch(() => {}),
      };
    }
    const limits = this.sandbox;
    const shared = this.prepareShared();
    const socketDir = path.join(this.socketsDir(`${id}-xxxx/h.sock`, 0o711), id);
    const home = path.join(shared.homes, id);
    const uid = limits.uidBase + spec.sandboxId;
    let sandbox: Sandbox | null = null;
    const cleanup = async () => {
      await sandbox?.close();
      await rm(socketDir, { recursive: true, force: true }).catch(() => {});
      await rm(home, { recursive: true, force: true }).catch(() => {});
    };
    try {
      for (const dir of [socketDir, home]) {
        mkdirSync(dir, { mode: 0o700 });
        chmodSync(dir, 0o700);
        lchownSync(dir, uid, uid);
      }
      sandbox = await openSandbox({
        label: `f-${id}`,
        uid,
        mounts: [
          { from: spec.dir, to: INSIDE.code },
          { from: shared.script, to: INSIDE.script },
          { from: socketDir, to: INSIDE.sockets, writable: true },
          { from: home, to: INSIDE.home, writable: true },
        ],
        cwd: INSIDE.code,
        // PID 1 of the sandbox (bubblewrap) is the host's parent; the whole sandbox dies with the router.
        argv: node(INSIDE.script, INSIDE.code, `${INSIDE.sockets}/h.sock`, 1),
        env: env({ HOME: INSIDE.home, TMPDIR: "/tmp" }),
        limits: { memoryMb: limits.memoryMb, pids: limits.pids, fileSizeMb: limits.diskMb, tmpMb: Math.min(256, limits.diskMb), memorySetting: "2 × FUNCTION_MEMORY_MB + 64" },
        allow: spec.allow,
      });
    } catch (err) {
      await cleanup();
      throw err;
    }
    let released = false;
    return {
      socketPath: path.join(socketDir, "h.sock"),
      marker,
      command: { file: sandbox.file, args: sandbox.args, env: sandbox.env, cwd: "/" },
      run: { uid, socketDir, home, sandbox },
      release: async () => {
        if (released) return;
        released = true;
        await cleanup();
      },
    };
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

  /** Once per pool, for sandboxed hosts: host.mjs as a root-owned copy, and the homes' directory. */
  private prepareShared(): { script: string; homes: string } {
    if (this.shared) return this.shared;
    mkdirSync(this.workDir, { recursive: true, mode: 0o711 });
    chmodSync(this.workDir, 0o711);
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
  return sealSocketDir(slot.run.socketDir, slot.socketPath, slot.run.uid) ? null : "The function host's socket was not where it should be; it was killed.";
}

/**
 * The mechanism under sealSocket, for every sandboxed process the router
 * connects to as root (function hosts, app instances): its socket directory
 * becomes root's (0700), so the process can no longer replace its socket
 * (with a link to another socket on this machine, say), and the socket must
 * then be a socket of `uid`, not a link. Returns whether it is.
 */
export function sealSocketDir(socketDir: string, socketPath: string, uid: number): boolean {
  try {
    lchownSync(socketDir, 0, 0);
    chmodSync(socketDir, 0o700);
    const st = lstatSync(socketPath);
    return st.isSocket() && st.uid === uid;
  } catch {
    // missing: as bad
    return false;
  }
}

/** An error as one line of text, for the messages of a host's status. */
export function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").trim();
}
