import type { ChildProcess } from "node:child_process";
import { killMarked } from "@/lib/build/sandbox/kill-marked";
import { formatDuration } from "@/lib/build/sandbox/run-step";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { type ControlMessage, HostProcess, readControl, readLines, spawnHost, traceOfLine } from "@/lib/router/functions/host-process";
import { errorText, sealSocket, type Slot } from "@/lib/router/functions/host-slot";
import { ping } from "@/lib/router/functions/proxy";

// The function host of one deployment, across restarts of its process:
// deploying → running → (crash → deploying)* → failed, or stopped. A crash
// restarts it after 100 ms, 200 ms, 400 ms... up to maxRestarts within
// restartWindowMs; the next one leaves it `failed`. See function-pool.ts for
// the whole picture.

export type FunctionBundle = {
  deploymentId: string;
  bundleDigest: string;
  /** Only the function files (isFunctionPath) of the manifest. */
  files: ManifestEntry[];
  /** The deployment's runtime variables, already decrypted. */
  env: Record<string, string>;
  /** Its project's number: the sandbox runs it as SANDBOX_UID_BASE + sandboxId. */
  sandboxId: number;
  /** host:ports of the project's egress setting, besides the internet. */
  egressAllow: string[];
};

/** `traceId`: the request the function was handling when it wrote the line. */
export type FunctionLogLine = { deploymentId: string; stream: "stdout" | "stderr"; text: string; traceId?: string };

export type HostState = "deploying" | "running" | "failed" | "stopped";

export type HostStatus = { state: HostState; restarts: number; lastError: string | null; pid: number | null };

/** What every host of a pool shares. */
export type HostConfig = {
  memoryMb: number;
  maxRestarts: number;
  restartWindowMs: number;
  onLog?: (line: FunctionLogLine) => void;
  /** A host process died unexpectedly (it is restarted, or left failed). */
  onCrash?: (deploymentId: string, reason: string) => void;
  materialize(bundle: FunctionBundle): Promise<string>;
  /** Where the next host process listens and what it runs; rejects if it cannot be prepared. */
  nextSlot(bundle: FunctionBundle, dir: string): Promise<Slot>;
  /** Set when functions cannot run here (no sandbox): every host fails with it. */
  unavailable: string | null;
};

export type ReadyResult = HostProcess | "failed" | "stopped" | "timeout";

export const KILL_GRACE_MS = 2_000;
/** How long a new host may take to listen before it counts as crashed. */
const START_TIMEOUT_MS = 15_000;
/** A host that does not answer a ping this fast after a timeout is blocked and gets killed. */
const PING_TIMEOUT_MS = 2_000;
/** After a host exits, how long to wait for the rest of its output (its last words). */
const EXIT_DRAIN_MS = 250;

export class Host {
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
    private readonly cfg: HostConfig,
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
    const envProblem = this.cfg.unavailable ?? checkEnv(this.bundle.env);
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
      slot = await this.cfg.nextSlot(this.bundle, dir);
    } catch (err) {
      if (gen === this.generation && !this.stopping) this.crashed(`Could not prepare the function host: ${errorText(err)}`);
      return;
    }
    if (gen !== this.generation || this.stopping) {
      void slot.release();
      return;
    }
    let child: ChildProcess;
    try {
      child = spawnHost(slot);
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

    for (const stream of ["stdout", "stderr"] as const) {
      readLines(child, stream, (line) => {
        const { text, traceId } = traceOfLine(line);
        if (stream === "stderr" && text.includes("JavaScript heap out of memory")) proc.outOfMemory = true;
        try {
          this.cfg.onLog?.({ deploymentId: this.deploymentId, stream, text, traceId });
        } catch {
          // a logger's problem is not the host's
        }
      });
    }
    readControl(child, (message) => this.onControl(proc, message));

    proc.startTimer = setTimeout(() => {
      if (proc.ready || proc.exited) return;
      proc.killReason = `The function host did not start within ${formatDuration(START_TIMEOUT_MS)}.`;
      proc.signal("SIGKILL");
    }, START_TIMEOUT_MS);
    child.once("exit", (code, signal) => this.onExit(proc, code, signal));
  }

  private onControl(proc: HostProcess, message: ControlMessage) {
    if (message.type === "ready" && !proc.ready && !proc.exited) {
      const problem = sealSocket(proc.slot);
      if (problem) {
        proc.killReason = problem;
        proc.signal("SIGKILL");
        return;
      }
      proc.ready = true;
      clearTimeout(proc.startTimer);
      if (this.proc === proc && !this.stopping) this.setState("running");
    } else if (message.type === "uncaught" && typeof message.message === "string") {
      proc.uncaught = message.message.slice(0, 500);
    }
  }

  private onExit(proc: HostProcess, code: number | null, signal: NodeJS.Signals | null) {
    proc.exited = true;
    clearTimeout(proc.startTimer);
    proc.signal("SIGKILL"); // whatever the host left in its group
    proc.agent.destroy();
    void (async () => {
      // Its last words (the uncaught error, the V8 out-of-memory line) may
      // still be in the pipes: read them before saying why it ended.
      await proc.drained(EXIT_DRAIN_MS);
      const limit = await proc.slot.run?.sandbox.limitMessage(signal).catch(() => null);
      if (this.proc === proc && !this.stopping) {
        this.crashed(
          proc.killReason ??
            (limit ? `The function host stopped: ${limit}` : null) ??
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
    this.cfg.onCrash?.(this.deploymentId, reason);
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

  /** SIGTERM, then SIGKILL of the process group after a grace; resolves once every process is gone. */
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
          let kill: NodeJS.Timeout | undefined;
          if (!proc.exited) {
            proc.signal("SIGTERM");
            kill = setTimeout(() => proc.signal("SIGKILL"), KILL_GRACE_MS);
          }
          await proc.exitDone;
          clearTimeout(kill);
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

function checkEnv(env: Record<string, string>): string | null {
  for (const [key, value] of Object.entries(env)) {
    if (key === "" || key.includes("=") || key.includes("\0")) return `Invalid environment variable name ${JSON.stringify(key.slice(0, 100))}.`;
    if (typeof value !== "string" || value.includes("\0")) return `Environment variable ${key} has an invalid value.`;
  }
  return null;
}
