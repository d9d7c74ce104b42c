import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, copyFileSync, chownSync, existsSync, lchownSync, mkdirSync, mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { findMarked, MARKER_VAR } from "@/lib/build/sandbox/kill-marked";
import { LineSplitter } from "@/lib/build/sandbox/line-splitter";
import { childEnv } from "@/lib/platform/child-env";
import { sealSocketDir } from "@/lib/router/functions/host-slot";
import type { HostPort } from "@/lib/sandbox/egress-rules";
import { openSandbox, SANDBOX_PATH, type Sandbox } from "@/lib/sandbox/sandbox";

// One process of a server deployment: started in the sandbox (its project's
// uid, namespaces of its own, egress to the internet only, its memory limit),
// with PORT set and its listen() on PORT turned into a Unix socket the router
// connects to (listen-on-socket.cjs). It sees its bundle read-only at /app,
// a writable home and /tmp, and nothing of the platform.

export const PRELOAD_PATH = path.join(import.meta.dirname, "listen-on-socket.cjs");
const INSIDE = { app: "/app", preload: "/slipway/listen-on-socket.cjs", sockets: "/run/slipway", home: "/home/app" };
/** The PORT every instance is told: the port is its own, inside its own network namespace. */
export const INSTANCE_PORT = 3000;
const MAX_SOCKET_PATH = 100;
const LAST_LINES = 20;

// The sandbox's first process (bubblewrap's child): it runs the start command
// ($1) and outlives it until every process of the app has ended. bubblewrap
// ends the whole sandbox as soon as its child ends; a start command's shell
// (or npm) that ends on SIGTERM before the server it started has finished its
// requests would take the server down with it. It ignores SIGTERM itself (the
// app's processes get theirs, see stop()) and exits with the start command's
// status. Its own /proc shows only the sandbox's processes: 1 is bubblewrap.
const SUPERVISE_SH = [
  '/bin/sh -c "$1" &',
  "app=$!",
  "trap '' TERM INT",
  "wait $app; code=$?",
  "while :; do n=0; for d in /proc/[0-9]*; do case ${d#/proc/} in 1|$$) ;; *) n=$((n + 1)) ;; esac; done; [ $n -eq 0 ] && break; sleep 0.1; done",
  "exit $code",
].join("\n");

export type InstanceSandbox = { uidBase: number; pids: number; diskMb: number } | null;

export type InstanceSpec = {
  id: string;
  bundleDir: string;
  start: string;
  env: Record<string, string>;
  memoryMb: number;
  sandboxId: number;
  allow: HostPort[];
  workDir: string;
  sandbox: InstanceSandbox;
  onLine?: (stream: "stdout" | "stderr", text: string) => void;
};

export type Exit = { code: number | null; signal: NodeJS.Signals | null; reason: string };

export class Instance {
  readonly socketPath: string;
  /** In the environment of every process of the instance (kill-marked.ts): how stop() finds them all. */
  readonly marker: string;
  private child: ChildProcess | null = null;
  private box: Sandbox | null = null;
  /** In the sandbox: its uid and socket directory, until seal() has run. */
  private unsealed: { uid: number; socketDir: string } | null = null;
  private readonly lines: string[] = [];
  private readonly dirs: string[] = [];
  /** Resolves once the process (and with it its whole sandbox) is gone. */
  readonly exited: Promise<Exit>;
  private resolveExit!: (exit: Exit) => void;
  private stopping = false;

  private constructor(private readonly spec: InstanceSpec, socketDir: string) {
    this.socketPath = path.join(socketDir, "app.sock");
    this.marker = `slipway-srv-${spec.id}`;
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  /** Starts it; throws if the sandbox cannot be set up or the process not spawned. */
  static async start(spec: InstanceSpec): Promise<Instance> {
    const socketDir = path.join(socketsRoot(spec.workDir), spec.id);
    const instance = new Instance(spec, socketDir);
    try {
      await instance.spawn(socketDir);
    } catch (e) {
      await instance.cleanup();
      throw e;
    }
    return instance;
  }

  /**
   * Whether its socket is there and may be connected to: in the sandbox, once
   * the app has bound it, its directory is sealed (host-slot.ts sealSocketDir)
   * before the router or a health check ever connects, as root, to it.
   * Null while the app has not bound it yet; false when what is there is not its socket.
   */
  socketReady(): boolean | null {
    if (!this.unsealed) return existsSync(this.socketPath) ? true : null;
    if (!existsSync(this.socketPath)) return null;
    const ok = sealSocketDir(this.unsealed.socketDir, this.socketPath, this.unsealed.uid);
    this.unsealed = null;
    return ok;
  }

  /** Its last lines of output, for the reason of a failure. */
  lastLines(): string[] {
    return [...this.lines];
  }

  async memoryKb(): Promise<number | null> {
    return this.box ? this.box.memoryKb() : null;
  }

  private async spawn(socketDir: string) {
    const { spec } = this;
    const home = path.join(spec.workDir, "homes", spec.id);
    const env = {
      NODE_ENV: "production",
      ...spec.env,
      [MARKER_VAR]: this.marker,
      PORT: String(INSTANCE_PORT),
      PATH: SANDBOX_PATH,
      SLIPWAY_LISTEN_SOCKET: spec.sandbox ? `${INSIDE.sockets}/app.sock` : this.socketPath,
      NODE_OPTIONS: `--require ${spec.sandbox ? INSIDE.preload : PRELOAD_PATH}${spec.env.NODE_OPTIONS ? ` ${spec.env.NODE_OPTIONS}` : ""}`,
    };
    for (const dir of [spec.workDir, path.dirname(home)]) {
      mkdirSync(dir, { recursive: true, mode: 0o711 });
      chmodSync(dir, 0o711);
    }
    for (const dir of [socketDir, home]) {
      mkdirSync(dir, { mode: 0o700 });
      chmodSync(dir, 0o700);
      this.dirs.push(dir);
    }
    let file = "/bin/sh";
    let args = ["-c", spec.start];
    let cwd = spec.bundleDir;
    let childEnvVars: Record<string, string> = { ...env, HOME: home, TMPDIR: os.tmpdir() };
    if (spec.sandbox) {
      const uid = spec.sandbox.uidBase + spec.sandboxId;
      for (const dir of [socketDir, home]) lchownSync(dir, uid, uid);
      this.unsealed = { uid, socketDir };
      this.box = await openSandbox({
        label: `s-${spec.id}`.slice(0, 60),
        uid,
        mounts: [
          { from: spec.bundleDir, to: INSIDE.app },
          { from: sharedPreload(spec.workDir), to: INSIDE.preload },
          { from: socketDir, to: INSIDE.sockets, writable: true },
          { from: home, to: INSIDE.home, writable: true },
        ],
        cwd: INSIDE.app,
        argv: ["/bin/sh", "-c", SUPERVISE_SH, "slipway-instance", spec.start],
        env: { ...env, HOME: INSIDE.home, TMPDIR: "/tmp" },
        limits: { memoryMb: spec.memoryMb, pids: spec.sandbox.pids, fileSizeMb: spec.sandbox.diskMb, tmpMb: Math.min(256, spec.sandbox.diskMb), memorySetting: "memoryMb in slipway.json" },
        allow: spec.allow,
      });
      file = this.box.file;
      args = this.box.args;
      cwd = "/";
      childEnvVars = this.box.env;
    }
    const child = spawn(file, args, { cwd, env: childEnv(childEnvVars), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    for (const stream of ["stdout", "stderr"] as const) {
      const splitter = new LineSplitter((text) => {
        this.lines.push(text);
        if (this.lines.length > LAST_LINES) this.lines.shift();
        spec.onLine?.(stream, text);
      });
      child[stream]!.on("data", (chunk: Buffer) => splitter.push(chunk));
      child[stream]!.on("end", () => splitter.end());
    }
    child.on("error", (e) => this.finish({ code: null, signal: null, reason: `it could not be started: ${e.message}` }));
    child.on("exit", (code, signal) => {
      // Its last words first (the pipes close just after).
      setTimeout(() => void this.describeExit(code, signal).then((reason) => this.finish({ code, signal, reason })), 100);
    });
  }

  private async describeExit(code: number | null, signal: NodeJS.Signals | null): Promise<string> {
    const limit = await this.box?.limitMessage(signal).catch(() => null);
    if (limit) return `It stopped: ${limit}`;
    if (this.stopping) return "It was stopped.";
    return signal ? `It was killed by ${signal}.` : `It exited with code ${code}.`;
  }

  private finish(exit: Exit) {
    void this.cleanup().then(() => this.resolveExit(exit));
  }

  private async cleanup() {
    await this.box?.close().catch(() => undefined);
    for (const dir of this.dirs) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  private signal(sig: NodeJS.Signals) {
    if (!this.child?.pid) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // already gone
    }
  }

  /**
   * SIGTERM to every process of the app, then SIGKILL to all of it after
   * `graceMs`; resolves once it is gone. The app's processes are found by
   * their marker: in the sandbox they run in a session of their own under
   * bubblewrap, and bubblewrap itself (the process we started) takes every
   * one of them down with SIGKILL as it exits, so it is spared the SIGTERM.
   */
  async stop(graceMs: number): Promise<Exit> {
    this.stopping = true;
    const spare = this.child?.pid;
    const pids = await findMarked(this.marker).catch(() => []);
    for (const pid of pids) {
      if (pid === spare) continue;
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // gone meanwhile
      }
    }
    if (pids.length === 0) this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** One health check: the status it answered, or why there was none. */
export function probe(socketPath: string, pathname: string, timeoutMs: number): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath, path: pathname, method: "GET", agent: false, headers: { host: "localhost", "user-agent": "slipway-health-check" } });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on("response", (res) => {
      clearTimeout(timer);
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error: e.code === "ENOENT" || e.code === "ECONNREFUSED" ? "it is not listening on PORT" : e.message });
    });
    req.end();
  });
}

/** Whether a health check's answer means ready: 2xx/3xx on a configured path, below 500 on "/". */
export function healthy(status: number, configured: boolean): boolean {
  return configured ? status >= 200 && status < 400 : status > 0 && status < 500;
}

let socketsDir: string | null = null;
function socketsRoot(workDir: string): string {
  if (socketsDir) return socketsDir;
  let dir = path.join(workDir, "sockets");
  // Unix socket paths are limited to ~107 bytes: a short private directory when needed.
  if (path.join(dir, "x".repeat(40), "app.sock").length > MAX_SOCKET_PATH) dir = mkdtempSync(path.join(os.tmpdir(), "slipway-rt-"));
  else mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o711);
  socketsDir = dir;
  return dir;
}

let preloadCopy: string | null = null;
/** listen-on-socket.cjs as a root-owned copy, bound read-only into every sandbox. */
function sharedPreload(workDir: string): string {
  if (preloadCopy) return preloadCopy;
  mkdirSync(workDir, { recursive: true, mode: 0o711 });
  const file = path.join(workDir, "listen-on-socket.cjs");
  copyFileSync(PRELOAD_PATH, file);
  chmodSync(file, 0o644);
  chownSync(file, 0, 0);
  preloadCopy = file;
  return file;
}
