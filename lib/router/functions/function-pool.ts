import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, copyFileSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { readFile, rm, unlink } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream";
import { killMarked, MARKER_VAR } from "@/lib/build/sandbox/kill-marked";
import { LineSplitter } from "@/lib/build/sandbox/line-splitter";
import { formatBytes, formatDuration } from "@/lib/build/sandbox/run-step";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { childEnv } from "@/lib/platform/child-env";
import { isFunctionPath } from "@/lib/router/functions/function-paths";
import { claimUid, type FunctionUser, killUid, releaseUid, resolveFunctionUser } from "@/lib/router/functions/function-user";
import { materializeFunctions } from "@/lib/router/functions/materialize";
import type { FileSource } from "@/lib/router/static/blob-source";

// Runs the server functions of deployments, one child process ("host", see
// host.mjs) per deployment, never in the router process:
//
// - Environment: exactly the deployment's runtime variables plus NODE_ENV
//   (production unless the deployment sets it), PATH, SLIPWAY_FUNCTION_HOST=1
//   and SLIPWAY_SANDBOX=<marker>; nothing of the router's own environment.
// - Process group: the host leads its own group (detached); stopping it
//   SIGTERMs the group, SIGKILLs it after a grace, and SIGKILLs whatever
//   escaped the group by its marker (kill-marked.ts). A watchdog thread in
//   the host kills the group if the router dies.
// - User (function-user.ts): when the router runs as root, every host runs as
//   an unprivileged user, by default a uid of its own; see "Running as
//   another user" below. Otherwise as the router's user.
// - Transport: HTTP over a Unix socket (one per host process, mode 0600),
//   through a keep-alive agent. The function file to run goes in the
//   x-slipway-fn-file header (percent-encoded); clients' x-slipway-fn-*
//   headers are dropped.
// - Time limit (timeoutMs, enforced here: a handler stuck in a sync loop
//   blocks the host's event loop): the request gets 504, then the host is
//   pinged; if it does not answer within PING_TIMEOUT_MS its event loop is
//   blocked, and it is killed and restarted (counted as a crash). A handler
//   that merely never resolves costs its request a 504, not the host.
// - Memory: --max-old-space-size=memoryMb (heap exhaustion kills the host),
//   plus a resident-size check every TICK_MS against maxRssMb (Buffers and
//   other off-heap memory are not bounded by the heap limit).
// - Crashes (exit, uncaught error, OOM, killed for a timeout): the request in
//   flight gets 502 (504 for the timed-out one) and the host restarts, after
//   100 ms, 200 ms, 400 ms... up to maxRestarts within restartWindowMs; the
//   next crash leaves it `failed` (503 for every request) until reset() or a
//   router restart. A handler that throws is not a crash: that request gets 500.
// - Lifecycle: deploying → running → (crash → deploying)* → failed; stopped
//   once retain() no longer lists the deployment and it has been idle for
//   idleStopMs, on reset(), or on close(). A request for a stopped deployment
//   starts a fresh host.
// - A deployment whose bundle or variables change gets a new host; the old
//   one stops once its requests are done.
//
// Nothing here logs request bodies or variable values; the functions' own
// output goes to onLog (dropped by default).
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
export type FunctionBundle = {
  deploymentId: string;
  bundleDigest: string;
  /** Only the function files (isFunctionPath) of the manifest. */
  files: ManifestEntry[];
  /** The deployment's runtime variables, already decrypted. */
  env: Record<string, string>;
};

export type FunctionLogLine = { deploymentId: string; stream: "stdout" | "stderr"; text: string };

export type FunctionPoolOptions = {
  /** Where blob bytes come from. */
  source: FileSource;
  /** Function files are materialized under <workDir>/bundles/<bundleDigest>; sockets under <workDir>/sockets. */
  workDir: string;
  /** Per request, from the end of the request body to the end of the response; default 10 s → 504. */
  timeoutMs?: number;
  /** V8 heap limit of a host (--max-old-space-size), default 256. */
  memoryMb?: number;
  /** Resident-size limit of a host (checked twice a second), default 2 × memoryMb + 64. */
  maxRssMb?: number;
  /** Restarts allowed within restartWindowMs before the host is `failed`; default 3. */
  maxRestarts?: number;
  /** Default 60 s. */
  restartWindowMs?: number;
  /** Hosts of deployments retain() no longer lists stop after this idle time; default 60 s. */
  idleStopMs?: number;
  /** Request body limit, default 4.5 MB → 413. */
  maxBodyBytes?: number;
  /** The functions' own stdout/stderr, line by line (not called by default). */
  onLog?: (line: FunctionLogLine) => void;
  /**
   * Which user hosts run as; null: the router's own. Default
   * resolveFunctionUser() (FUNCTION_UID / FUNCTION_GID / FUNCTION_UID_RANGE,
   * only when the router is root).
   */
  user?: FunctionUser | null;
};

export type HostState = "deploying" | "running" | "failed" | "stopped";

export type HostStatus = { state: HostState; restarts: number; lastError: string | null; pid: number | null };

/** Started with this Node binary as `node host.mjs`, resolved next to this file. */
export const HOST_PATH = path.join(import.meta.dirname, "host.mjs");
export const FILE_HEADER = "x-slipway-fn-file";
export const PING_HEADER = "x-slipway-fn-ping";
const INTERNAL_PREFIX = "x-slipway-fn-";

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MEMORY_MB = 256;
export const DEFAULT_MAX_RESTARTS = 3;
export const DEFAULT_RESTART_WINDOW_MS = 60_000;
export const DEFAULT_IDLE_STOP_MS = 60_000;
export const DEFAULT_MAX_BODY_BYTES = Math.floor(4.5 * 1024 * 1024);
/** How long a new host may take to listen before it counts as crashed. */
const START_TIMEOUT_MS = 15_000;
/** A host that does not answer a ping this fast after a timeout is blocked and gets killed. */
const PING_TIMEOUT_MS = 2_000;
const KILL_GRACE_MS = 2_000;
/** After a host exits, how long to wait for the rest of its output (its last words). */
const EXIT_DRAIN_MS = 250;
const TICK_MS = 500;
const MAX_SOCKET_PATH = 100;

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "http2-settings",
]);

type ReadyResult = HostProcess | "failed" | "stopped" | "timeout";

// One running (or starting) host process.
class HostProcess {
  readonly agent = new http.Agent({ keepAlive: true });
  ready = false;
  exited = false;
  /** Why we killed it, if we did. */
  killReason: string | null = null;
  /** What the host reported as the uncaught error that ends it. */
  uncaught: string | null = null;
  outOfMemory = false;
  pinging = false;
  startTimer?: NodeJS.Timeout;
  readonly exitDone: Promise<void>;
  resolveExitDone!: () => void;

  constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    readonly slot: Slot,
  ) {
    this.exitDone = new Promise((resolve) => (this.resolveExitDone = resolve));
  }

  get socketPath() {
    return this.slot.socketPath;
  }

  get marker() {
    return this.slot.marker;
  }

  signal(sig: NodeJS.Signals) {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // the group is empty
    }
  }
}

type PoolConfig = {
  timeoutMs: number;
  memoryMb: number;
  maxRestarts: number;
  restartWindowMs: number;
  onLog?: (line: FunctionLogLine) => void;
  materialize(bundle: FunctionBundle): Promise<string>;
  /** Where the next host process listens and what it runs as; throws if it cannot be prepared. */
  nextSlot(): Slot;
};

// What one host process is given: its socket, marker and, when it runs as
// another user, that user and its private directories.
type Slot = {
  socketPath: string;
  marker: string;
  /** host.mjs, or the copy of it in <workDir>. */
  script: string;
  run: { uid: number; gid: number; ownUid: boolean; socketDir: string; home: string } | null;
  /** Undoes the slot once the process and its descendants are gone. */
  release(): Promise<void>;
};

// The host of one deployment, across restarts.
class Host {
  state: HostState = "deploying";
  restarts = 0;
  lastError: string | null = null;
  inflight = 0;
  lastActive = Date.now();
  proc: HostProcess | null = null;
  private readonly live = new Set<HostProcess>();
  private crashTimes: number[] = [];
  private generation = 0;
  private stopping = false;
  private retiring = false;
  private stopPromise: Promise<void> | null = null;
  private restartTimer?: NodeJS.Timeout;
  private retireTimer?: NodeJS.Timeout;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly cfg: PoolConfig,
    readonly bundle: FunctionBundle,
    readonly fingerprint: string,
  ) {}

  get deploymentId() {
    return this.bundle.deploymentId;
  }

  start() {
    void this.launch();
  }

  private setState(state: HostState) {
    this.state = state;
    for (const listener of [...this.listeners]) listener();
  }

  private async launch() {
    const gen = ++this.generation;
    this.setState("deploying");
    const envProblem = checkEnv(this.bundle.env);
    if (envProblem) {
      this.lastError = envProblem;
      this.setState("failed");
      return;
    }
    let dir: string;
    try {
      dir = await this.cfg.materialize(this.bundle);
    } catch (err) {
      if (gen === this.generation && !this.stopping) this.crashed(`Could not prepare the function files: ${errorText(err)}`);
      return;
    }
    if (gen !== this.generation || this.stopping) return;

    let slot: Slot;
    try {
      slot = this.cfg.nextSlot();
    } catch (err) {
      this.crashed(`Could not prepare the function host: ${errorText(err)}`);
      return;
    }
    const { socketPath, marker, run } = slot;
    const env = {
      NODE_ENV: "production",
      ...(run ? { HOME: run.home, TMPDIR: run.home } : {}),
      ...this.bundle.env,
      PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      SLIPWAY_FUNCTION_HOST: "1",
      [MARKER_VAR]: marker,
    };
    const semiSpaceMb = Math.max(1, Math.min(16, Math.floor(this.cfg.memoryMb / 32)));
    const nodeArgs = [`--max-old-space-size=${this.cfg.memoryMb}`, `--max-semi-space-size=${semiSpaceMb}`, slot.script, dir, socketPath, String(process.pid)];
    let child: ChildProcess;
    try {
      // Through sh only to switch core dumps off (a host that runs out of
      // memory aborts); `exec` makes the host the group leader itself. dash
      // exports PWD, which is not ours to add.
      child = spawn("/bin/sh", ["-c", 'ulimit -c 0 2>/dev/null; unset PWD; exec "$@"', "sh", process.execPath, ...nodeArgs], {
        cwd: dir,
        env: childEnv(env),
        detached: true,
        stdio: ["ignore", "pipe", "pipe", "pipe"],
        // setgroups(0), setgid, setuid in the child before exec.
        ...(run ? { uid: run.uid, gid: run.gid } : {}),
      });
    } catch (err) {
      void slot.release();
      this.crashed(`Could not start the function host: ${errorText(err)}`);
      return;
    }
    if (child.pid === undefined) {
      child.once("error", (err) => {
        void slot.release();
        if (gen === this.generation && !this.stopping) this.crashed(`Could not start the function host: ${errorText(err)}`);
      });
      return;
    }
    const proc = new HostProcess(child, child.pid, slot);
    this.proc = proc;
    this.live.add(proc);
    child.on("error", () => {});

    const output = (stream: "stdout" | "stderr") => {
      const splitter = new LineSplitter((text) => {
        if (stream === "stderr" && text.includes("JavaScript heap out of memory")) proc.outOfMemory = true;
        try {
          this.cfg.onLog?.({ deploymentId: this.deploymentId, stream, text });
        } catch {
          // a logger's problem is not the host's
        }
      });
      const s = child[stream]!;
      s.on("data", (chunk: Buffer) => splitter.push(chunk));
      s.on("end", () => splitter.end());
      s.on("error", () => {});
    };
    output("stdout");
    output("stderr");

    const controlStream = child.stdio[3] as Readable;
    controlStream.on("error", () => {});
    controlStream.setEncoding("utf8");
    let pending = "";
    controlStream.on("data", (text: string) => {
      if (pending.length > 64 * 1024) return;
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf("\n")) !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        let message: { type?: unknown; message?: unknown };
        try {
          message = JSON.parse(line);
        } catch {
          continue;
        }
        if (message.type === "ready" && !proc.ready && !proc.exited) {
          const problem = sealSocket(slot);
          if (problem) {
            proc.killReason = problem;
            proc.signal("SIGKILL");
            continue;
          }
          proc.ready = true;
          clearTimeout(proc.startTimer);
          if (this.proc === proc && !this.stopping) this.setState("running");
        } else if (message.type === "uncaught" && typeof message.message === "string") {
          proc.uncaught = message.message.slice(0, 500);
        }
      }
    });

    proc.startTimer = setTimeout(() => {
      if (proc.ready || proc.exited) return;
      proc.killReason = `The function host did not start within ${formatDuration(START_TIMEOUT_MS)}.`;
      proc.signal("SIGKILL");
    }, START_TIMEOUT_MS);
    child.once("exit", (code, signal) => this.onExit(proc, code, signal));
  }

  private onExit(proc: HostProcess, code: number | null, signal: NodeJS.Signals | null) {
    proc.exited = true;
    clearTimeout(proc.startTimer);
    proc.signal("SIGKILL"); // whatever the host left in its group
    proc.agent.destroy();
    void (async () => {
      // Its last words (the uncaught error, the V8 out-of-memory line) may
      // still be in the pipes: read them before saying why it ended.
      await drained(proc.child, EXIT_DRAIN_MS);
      if (this.proc === proc && !this.stopping) {
        this.crashed(
          proc.killReason ??
            (proc.outOfMemory
              ? `The function host ran out of memory (limit ${this.cfg.memoryMb} MB).`
              : proc.uncaught
                ? `The function host crashed: ${proc.uncaught}`
                : `The function host ${signal ? `was killed by ${signal}` : `exited with code ${code ?? "unknown"}`}.`),
        );
      }
      if (this.proc === proc) this.proc = null;
      // Processes that left the group (setsid, double fork) still carry the marker.
      await killMarked(proc.marker, 500).catch(() => {});
      await proc.slot.release().catch(() => {});
      this.live.delete(proc);
      proc.resolveExitDone();
      if (this.stopping && this.live.size === 0) this.setState("stopped");
    })();
  }

  private crashed(reason: string) {
    this.lastError = reason;
    this.proc = null;
    const now = Date.now();
    this.crashTimes = this.crashTimes.filter((t) => now - t < this.cfg.restartWindowMs);
    if (this.crashTimes.length >= this.cfg.maxRestarts) {
      this.setState("failed");
      return;
    }
    this.crashTimes.push(now);
    this.restarts++;
    this.setState("deploying");
    const delay = Math.min(1000, 100 * 2 ** (this.crashTimes.length - 1));
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping) void this.launch();
    }, delay);
    this.restartTimer.unref();
  }

  /** Resolves with the running process, or why there is none. */
  waitReady(timeoutMs: number): Promise<ReadyResult> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (result: ReadyResult) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(result);
      };
      const check = () => {
        if (this.stopping || this.state === "stopped") done("stopped");
        else if (this.state === "failed") done("failed");
        else if (this.state === "running" && this.proc?.ready && !this.proc.exited) done(this.proc);
      };
      this.listeners.add(check);
      check();
      if (this.listeners.has(check)) timer = setTimeout(() => done("timeout"), Math.max(0, timeoutMs));
    });
  }

  /** After a timeout: kill the host unless its event loop still answers. */
  checkResponsive(proc: HostProcess, reason: string) {
    if (proc.exited || proc.pinging) return;
    proc.pinging = true;
    void ping(proc.socketPath, PING_TIMEOUT_MS).then((ok) => {
      proc.pinging = false;
      if (ok || proc.exited) return;
      proc.killReason = reason;
      proc.signal("SIGKILL");
    });
  }

  /** Kills the process for `reason` (counted as a crash). */
  kill(proc: HostProcess, reason: string) {
    if (proc.exited) return;
    proc.killReason ??= reason;
    proc.signal("SIGKILL");
  }

  requestDone() {
    this.inflight--;
    this.lastActive = Date.now();
    if (this.retiring && this.inflight === 0) void this.stop();
  }

  /** Stop once the requests in flight are done (at most after maxWaitMs). */
  retire(maxWaitMs: number) {
    this.retiring = true;
    if (this.inflight === 0) {
      void this.stop();
      return;
    }
    this.retireTimer = setTimeout(() => void this.stop(), maxWaitMs);
    this.retireTimer.unref();
  }

  get isStopping() {
    return this.stopping;
  }

  stop(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.stopping = true;
    this.generation++;
    clearTimeout(this.restartTimer);
    clearTimeout(this.retireTimer);
    this.proc = null;
    for (const listener of [...this.listeners]) listener();
    const procs = [...this.live];
    this.stopPromise = (async () => {
      await Promise.all(
        procs.map(async (proc) => {
          if (!proc.exited) {
            proc.signal("SIGTERM");
            const kill = setTimeout(() => proc.signal("SIGKILL"), KILL_GRACE_MS);
            await proc.exitDone;
            clearTimeout(kill);
          }
          await proc.exitDone;
        }),
      );
      this.setState("stopped");
    })();
    return this.stopPromise;
  }

  status(): HostStatus {
    const pid = this.proc && !this.proc.exited ? this.proc.pid : null;
    return { state: this.state, restarts: this.restarts, lastError: this.lastError, pid };
  }

  liveProcesses(): HostProcess[] {
    return [...this.live].filter((p) => !p.exited);
  }
}

export class FunctionPool {
  private readonly source: FileSource;
  private readonly workDir: string;
  private readonly timeoutMs: number;
  private readonly memoryMb: number;
  private readonly maxRssKb: number;
  private readonly maxBodyBytes: number;
  private readonly idleStopMs: number;
  private readonly cfg: PoolConfig;
  private readonly hosts = new Map<string, Host>();
  /** Every host with processes, including replaced ones still finishing requests. */
  private readonly all = new Set<Host>();
  private readonly materializing = new Map<string, Promise<string>>();
  private routable: ReadonlySet<string> | null = null;
  private tick?: NodeJS.Timeout;
  private ticking = false;
  private closed = false;
  private socketDir: string | null = null;
  private readonly user: FunctionUser | null;
  /** Set up once, for hosts running as another user. */
  private shared: { script: string; homes: string } | null = null;
  private seq = 0;

  constructor(opts: FunctionPoolOptions) {
    this.source = opts.source;
    this.workDir = path.resolve(opts.workDir);
    this.timeoutMs = positive(opts.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs");
    this.memoryMb = Math.floor(positive(opts.memoryMb, DEFAULT_MEMORY_MB, "memoryMb"));
    this.maxRssKb = positive(opts.maxRssMb, this.memoryMb * 2 + 64, "maxRssMb") * 1024;
    this.maxBodyBytes = nonNegative(opts.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, "maxBodyBytes");
    this.idleStopMs = nonNegative(opts.idleStopMs, DEFAULT_IDLE_STOP_MS, "idleStopMs");
    this.user = opts.user === undefined ? resolveFunctionUser() : opts.user;
    this.cfg = {
      timeoutMs: this.timeoutMs,
      memoryMb: this.memoryMb,
      maxRestarts: Math.floor(nonNegative(opts.maxRestarts, DEFAULT_MAX_RESTARTS, "maxRestarts")),
      restartWindowMs: nonNegative(opts.restartWindowMs, DEFAULT_RESTART_WINDOW_MS, "restartWindowMs"),
      onLog: opts.onLog,
      materialize: (bundle) => this.materialize(bundle),
      nextSlot: () => this.nextSlot(),
    };
  }

  /**
   * Serves one request with `entry` (a function file of `bundle`), starting
   * the deployment's host if needed. `headers` go on every response. Never
   * rejects; always ends `res`.
   */
  async handle(bundle: FunctionBundle, entry: ManifestEntry, req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>): Promise<void> {
    try {
      await this.serve(bundle, entry, req, res, headers);
    } catch {
      sendError(res, 502, "502: the function could not be run.", headers);
    }
  }

  status(deploymentId: string): HostStatus | undefined {
    return this.hosts.get(deploymentId)?.status();
  }

  /** Deployments not in `routable` stop once idle for idleStopMs (checked now and on a timer). */
  retain(routable: ReadonlySet<string>): void {
    this.routable = new Set(routable);
    this.sweep();
  }

  /** Forgets a deployment's host (e.g. a failed one): it stops, and the next request starts a fresh one. */
  async reset(deploymentId: string): Promise<void> {
    const host = this.hosts.get(deploymentId);
    if (!host) return;
    this.hosts.delete(deploymentId);
    await host.stop();
    this.all.delete(host);
  }

  /** Stops every host: SIGTERM, then SIGKILL of the process group after a grace. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.tick);
    this.tick = undefined;
    await Promise.all([...this.all].map((host) => host.stop()));
  }

  private async serve(bundle: FunctionBundle, entry: ManifestEntry, req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>) {
    if (this.closed) return sendError(res, 503, "503: server functions are shutting down.", headers);
    if (!isFunctionPath(entry.path) || !bundle.files.some((f) => f.path === entry.path && f.sha256 === entry.sha256)) {
      return sendError(res, 404, "404: no such function.", headers);
    }
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) return this.tooLarge(res, headers);

    const host = this.hostFor(bundle);
    if (host.state === "failed") return sendError(res, 503, FAILED_MESSAGE, headers);
    host.inflight++;
    host.lastActive = Date.now();
    try {
      const body = await readBody(req, this.maxBodyBytes);
      if (body === "too_large") return this.tooLarge(res, headers);
      if (body === "aborted") {
        res.destroy();
        return;
      }
      const deadline = Date.now() + this.timeoutMs;
      const ready = await host.waitReady(this.timeoutMs);
      if (ready === "timeout") return sendError(res, 504, `504: the function did not start within ${formatDuration(this.timeoutMs)}.`, headers);
      if (ready === "failed") return sendError(res, 503, FAILED_MESSAGE, headers);
      if (ready === "stopped") return sendError(res, 503, "503: server functions of this deployment were stopped.", headers);
      if (res.destroyed) return; // the client left while the host started
      await this.proxy(host, ready, entry, req, res, headers, body, deadline);
    } finally {
      host.requestDone();
    }
  }

  private tooLarge(res: http.ServerResponse, headers: Record<string, string>) {
    sendError(res, 413, `413: the request body is larger than ${formatBytes(this.maxBodyBytes)}.`, headers, { connection: "close" });
  }

  private proxy(
    host: Host,
    proc: HostProcess,
    entry: ManifestEntry,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    headers: Record<string, string>,
    body: Buffer,
    deadline: number,
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      let settled = false;
      let timedOut = false;
      // Events arrive asynchronously, so `timer` (below) is set before finish() can run.
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        res.off("close", onClientClose);
        resolve();
      };
      const upstream = http.request({
        socketPath: proc.socketPath,
        agent: proc.agent,
        method: req.method ?? "GET",
        path: targetPath(req.url),
        headers: forwardHeaders(req, entry.path, body.length),
      });
      const onClientClose = () => {
        if (res.writableFinished) return;
        upstream.destroy();
        finish();
      };
      res.on("close", onClientClose);
      const timer = setTimeout(() => {
        timedOut = true;
        upstream.destroy();
        sendError(res, 504, `504: the function did not respond within ${formatDuration(this.timeoutMs)}.`, headers);
        host.checkResponsive(proc, `A request to ${entry.path} ran past the ${formatDuration(this.timeoutMs)} limit and the host stopped responding; it was killed.`);
        finish();
      }, Math.max(0, deadline - Date.now()));
      upstream.on("response", (up) => {
        if (timedOut || settled || res.destroyed) {
          up.destroy();
          return;
        }
        try {
          res.writeHead(up.statusCode ?? 502, up.statusMessage || undefined, responseHeaders(up.rawHeaders, headers));
        } catch {
          up.destroy();
          sendError(res, 502, "502: the function sent an invalid response.", headers);
          finish();
          return;
        }
        pipeline(up, res, () => finish());
      });
      upstream.on("error", () => {
        if (timedOut || settled) return;
        sendError(res, 502, "502: the function crashed while handling this request.", headers);
        finish();
      });
      upstream.end(body.length > 0 ? body : undefined);
    });
  }

  private hostFor(bundle: FunctionBundle): Host {
    const fingerprint = fingerprintOf(bundle);
    let host = this.hosts.get(bundle.deploymentId);
    if (host && host.fingerprint !== fingerprint) {
      host.retire(this.timeoutMs + KILL_GRACE_MS);
      host = undefined;
    }
    if (!host || host.state === "stopped" || host.isStopping) {
      host = new Host(this.cfg, { ...bundle, files: [...bundle.files], env: { ...bundle.env } }, fingerprint);
      this.hosts.set(bundle.deploymentId, host);
      this.all.add(host);
      this.startTicking();
      host.start();
    }
    return host;
  }

  private materialize(bundle: FunctionBundle): Promise<string> {
    const key = bundle.bundleDigest;
    let promise = this.materializing.get(key);
    if (!promise) {
      promise = materializeFunctions(this.source, this.workDir, bundle.bundleDigest, bundle.files);
      this.materializing.set(key, promise);
      // Remember successes only: a failed attempt (store down) is retried next time.
      promise.catch(() => this.materializing.delete(key));
    }
    return promise;
  }

  private nextSlot(): Slot {
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

  private startTicking() {
    if (this.tick || this.closed) return;
    this.tick = setInterval(() => void this.onTick(), Math.max(20, Math.min(TICK_MS, this.idleStopMs / 2)));
    this.tick.unref();
  }

  private async onTick() {
    this.sweep();
    if (this.ticking) return;
    this.ticking = true;
    try {
      await Promise.all(
        [...this.all].flatMap((host) =>
          host.liveProcesses().map(async (proc) => {
            const rssKb = await residentKb(proc.pid);
            if (rssKb !== null && rssKb > this.maxRssKb && !proc.exited) {
              host.kill(proc, `The function host used more than ${formatBytes(this.maxRssKb * 1024)} of memory; it was killed.`);
            }
          }),
        ),
      );
    } finally {
      this.ticking = false;
    }
  }

  private sweep() {
    const now = Date.now();
    for (const host of this.all) {
      if (host.state === "stopped" && host.liveProcesses().length === 0 && this.hosts.get(host.deploymentId) !== host) {
        this.all.delete(host);
        continue;
      }
      if (host.state === "stopped" || host.isStopping) continue;
      if (this.routable === null || this.routable.has(host.deploymentId)) continue;
      if (host.inflight === 0 && now - host.lastActive >= this.idleStopMs) void host.stop();
    }
  }
}

const FAILED_MESSAGE =
  "503: the server functions of this deployment crashed repeatedly and were stopped. Redeploy, or restart the router, to try again.";

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number.`);
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a non-negative number.`);
  return value;
}

function checkEnv(env: Record<string, string>): string | null {
  for (const [key, value] of Object.entries(env)) {
    if (key === "" || key.includes("=") || key.includes("\0")) return `Invalid environment variable name ${JSON.stringify(key.slice(0, 100))}.`;
    if (typeof value !== "string" || value.includes("\0")) return `Environment variable ${key} has an invalid value.`;
  }
  return null;
}

function fingerprintOf(bundle: FunctionBundle): string {
  const files = bundle.files.map((f) => `${f.path}\0${f.sha256}`).sort();
  const env = Object.entries(bundle.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256").update(JSON.stringify([bundle.bundleDigest, files, env])).digest("hex");
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").trim();
}

function sendError(res: http.ServerResponse, status: number, text: string, headers: Record<string, string>, extra: Record<string, string> = {}) {
  if (res.headersSent || res.destroyed || res.writableEnded) {
    if (!res.writableFinished) res.destroy();
    return;
  }
  const body = `${text}\n`;
  try {
    res.writeHead(status, {
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(Buffer.byteLength(body)),
      "cache-control": "no-store",
      ...extra,
      ...headers,
    });
    res.end(body);
  } catch {
    res.destroy();
  }
}

/** The request body, up to `limit` bytes. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | "too_large" | "aborted"> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: Buffer | "too_large" | "aborted") => {
      if (done) return;
      done = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAborted);
      req.off("close", onClose);
      if (result === "too_large") req.resume(); // discard the rest
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish("too_large");
      else chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onAborted = () => finish("aborted");
    const onClose = () => {
      if (!req.complete) finish("aborted");
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAborted);
    req.on("close", onClose);
  });
}

function targetPath(url: string | undefined): string {
  if (!url) return "/";
  if (url.startsWith("/")) return url;
  try {
    const parsed = new URL(url); // absolute-form request target
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return "/";
  }
}

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(",") : (value ?? "");
  return new Set(
    text
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

function addHeader(out: Record<string, string | string[]>, name: string, value: string) {
  const prev = out[name];
  out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
}

function forwardHeaders(req: http.IncomingMessage, file: string, bodyLength: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = connectionTokens(req.headers.connection);
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || listed.has(name) || name === "content-length" || name.startsWith(INTERNAL_PREFIX)) continue;
    addHeader(out, name, raw[i + 1]);
  }
  out["content-length"] = String(bodyLength);
  out[FILE_HEADER] = encodeURIComponent(file);
  return out;
}

function responseHeaders(raw: string[], ours: Record<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() === "connection") for (const t of connectionTokens(raw[i + 1])) listed.add(t);
  }
  const overridden = new Set(Object.keys(ours).map((k) => k.toLowerCase()));
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || listed.has(name) || overridden.has(name)) continue;
    addHeader(out, name, raw[i + 1]);
  }
  for (const [name, value] of Object.entries(ours)) out[name.toLowerCase()] = value;
  return out;
}

/** Resolves once the child's output and control pipes are closed, or after `ms`. */
function drained(child: ChildProcess, ms: number): Promise<void> {
  const streams = [child.stdout, child.stderr, child.stdio[3] as Readable | null].filter((s): s is Readable => s !== null);
  const closed = (s: Readable) => new Promise<void>((resolve) => (s.closed || s.destroyed ? resolve() : s.once("close", () => resolve())));
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([Promise.all(streams.map(closed)).then(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

function ping(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.destroy();
      resolve(ok);
    };
    const request = http.request({ socketPath, method: "GET", path: "/", agent: false, headers: { [PING_HEADER]: "1" } });
    const timer = setTimeout(() => finish(false), timeoutMs);
    request.on("response", (r) => {
      r.resume();
      finish(r.statusCode === 204);
    });
    request.on("error", () => finish(false));
    request.end();
  });
}

async function residentKb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
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

/**
 * Once the host listens: its socket directory becomes root's (0700), then
 * the socket must be a socket of the host's uid. Returns why not, if not.
 */
function sealSocket(slot: Slot): string | null {
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
