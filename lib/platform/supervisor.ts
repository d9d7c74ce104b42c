import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { errorLine } from "@/lib/platform/outage-log";
import { describeExit, type Exit, type ProcessesFile, type ProcessStatus } from "@/lib/platform/process-status";

export type { Exit } from "@/lib/platform/process-status";
import path from "node:path";
import readline from "node:readline";

// Runs the platform's processes side by side and keeps them running: a process
// that exits by itself is started again after a backoff (250 ms, doubling up
// to 10 s; back to 250 ms once it has run for 30 s). One process's crash never
// stops another: the router keeps serving apps while the worker, the console
// or Postgres comes back. A process that exits 5 times within 30 s is
// crash-looping: the supervisor gives up on it with one line saying which and
// why (its exit and its last output line), and leaves the others running.
//
// Each process is a Unit: how to launch it, and what a launch gives back (its
// pid, a promise of its exit, how to stop it). Node processes (nodeUnit) and
// the embedded Postgres (scripts/start.ts) are both units.
//
// The state of every process (running, restarting, failed; restarts, last
// exit) is written to a JSON file (processStatusFile) on every change, for the
// router's /readyz and the console's /api/healthz to report.

export type Launched = {
  pid: number | null;
  exited: Promise<Exit>;
  /** Asks it to stop (SIGTERM, then SIGKILL after a grace); resolves once it has exited. */
  stop(): Promise<void>;
  /** The last line it printed, to say why it died. */
  lastLine(): string | null;
};

export type Unit = { name: string; launch(): Promise<Launched> };

export type RestartPolicy = {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Gives up on a process after `exits` exits within `withinMs`. */
  crashLoop: { exits: number; withinMs: number };
  /** A process that ran this long starts its backoff over. */
  stableAfterMs: number;
};

const DEFAULT_POLICY: RestartPolicy = {
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  crashLoop: { exits: 5, withinMs: 30_000 },
  stableAfterMs: 30_000,
};

type Managed = { unit: Unit; status: ProcessStatus; current: Launched | null; exits: number[]; timer?: NodeJS.Timeout; launchedAt: number };

export class Supervisor {
  private readonly managed = new Map<string, Managed>();
  private readonly policy: RestartPolicy;
  private stopping = false;

  constructor(
    private readonly opts: {
      log: (line: string) => void;
      statusFile?: string;
      policy?: Partial<RestartPolicy>;
      /** Called when a process changes state (after the status file is written). */
      onChange?: (status: ProcessStatus) => void;
    },
  ) {
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
  }

  /** Starts `unit` and keeps it running. Resolves once its first launch is under way (or has failed, which counts as a crash). */
  async add(unit: Unit): Promise<void> {
    if (this.managed.has(unit.name)) throw new Error(`${unit.name} is already supervised.`);
    const m: Managed = {
      unit,
      status: { name: unit.name, state: "starting", pid: null, restarts: 0, startedAt: null, lastExit: null, gaveUp: null },
      current: null,
      exits: [],
      launchedAt: 0,
    };
    this.managed.set(unit.name, m);
    await this.launch(m);
  }

  status(): ProcessStatus[] {
    return [...this.managed.values()].map((m) => ({ ...m.status }));
  }

  /** Stops every process (SIGTERM, then SIGKILL after a grace), in the reverse order of add(). */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const all = [...this.managed.values()];
    for (const m of all) clearTimeout(m.timer);
    // Everything but the last added (Postgres is added first: it stops last).
    const [first, ...rest] = all;
    await Promise.all(rest.map((m) => m.current?.stop()));
    await first?.current?.stop();
    for (const m of all) this.set(m, { state: "stopped", pid: null });
    if (this.opts.statusFile) rmSync(this.opts.statusFile, { force: true });
  }

  private async launch(m: Managed) {
    if (this.stopping) return;
    this.set(m, { state: m.status.restarts > 0 ? "restarting" : "starting" });
    m.launchedAt = Date.now();
    let launched: Launched;
    try {
      launched = await m.unit.launch();
    } catch (e) {
      this.exited(m, { code: null, signal: null }, errorLine(e));
      return;
    }
    if (this.stopping) {
      await launched.stop();
      return;
    }
    m.current = launched;
    this.set(m, { state: "running", pid: launched.pid, startedAt: new Date().toISOString() });
    void launched.exited.then((exit) => {
      if (m.current !== launched) return;
      m.current = null;
      if (!this.stopping) this.exited(m, exit, launched.lastLine());
    });
  }

  private exited(m: Managed, exit: Exit, line: string | null) {
    const now = Date.now();
    const lastExit = { code: exit.code, signal: exit.signal, at: new Date(now).toISOString(), line };
    if (now - m.launchedAt >= this.policy.stableAfterMs) m.exits = [];
    m.exits = m.exits.filter((t) => now - t < this.policy.crashLoop.withinMs);
    m.exits.push(now);
    const how = describeExit(exit);
    if (m.exits.length >= this.policy.crashLoop.exits) {
      const gaveUp =
        `${m.unit.name} exited ${m.exits.length} times within ${Math.round(this.policy.crashLoop.withinMs / 1000)} s ` +
        `(last: ${how}${line ? `: ${line}` : ""}); not restarting it. The other processes keep running; fix the cause, then restart Slipway.`;
      this.set(m, { state: "failed", pid: null, lastExit, gaveUp });
      this.opts.log(gaveUp);
      return;
    }
    const delay = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (m.exits.length - 1));
    this.set(m, { state: "restarting", pid: null, lastExit, restarts: m.status.restarts + 1 });
    this.opts.log(`${m.unit.name} ${how}${line ? ` (last output: ${line})` : ""}; restarting it in ${formatDelay(delay)}.`);
    m.timer = setTimeout(() => void this.launch(m), delay);
  }

  private set(m: Managed, change: Partial<ProcessStatus>) {
    Object.assign(m.status, change);
    this.writeStatus();
    this.opts.onChange?.({ ...m.status });
  }

  private writeStatus() {
    const file = this.opts.statusFile;
    if (!file) return;
    const body: ProcessesFile = { supervisorPid: process.pid, updatedAt: new Date().toISOString(), processes: this.status() };
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(body, null, 2), { mode: 0o600 });
      renameSync(tmp, file);
    } catch (e) {
      this.opts.log(`could not write ${file}: ${errorLine(e)}`);
    }
  }
}

export type ProcessSpec = { name: string; args: string[]; env: NodeJS.ProcessEnv };

const EXIT_WITH_PARENT = path.resolve(import.meta.dirname, "exit-with-parent.mjs");
const STOP_GRACE_MS = 8000;

/** A Node process of ours (`node --import exit-with-parent <args>`), its output printed line by line behind its name. */
export function nodeUnit(root: string, spec: ProcessSpec, print: (line: string) => void = console.log): Unit {
  return commandUnit(root, { ...spec, command: process.execPath, args: ["--import", EXIT_WITH_PARENT, ...spec.args] }, print);
}

/** A process of ours started as `command <args>` (a router on Bun), its output printed line by line behind its name. */
export function commandUnit(root: string, spec: ProcessSpec & { command: string }, print: (line: string) => void = console.log): Unit {
  return {
    name: spec.name,
    async launch() {
      const child = spawn(spec.command, spec.args, { cwd: root, env: spec.env, stdio: ["ignore", "pipe", "pipe"] });
      return childLaunched(child, spec.name, print);
    },
  };
}

/** What the supervisor needs of a spawned child: its exit, a way to stop it, its last line (printed behind `name`). */
function childLaunched(child: ChildProcess, name: string, print: (line: string) => void): Launched {
  const label = `[${name}]`.padEnd(10);
  let last: string | null = null;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on("line", (line) => {
      if (line.trim()) last = line.trim().slice(0, 300);
      print(`${label}${line}`);
    });
  }
  const exited = new Promise<Exit>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });
  return {
    pid: child.pid ?? null,
    exited,
    lastLine: () => last,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        child.kill("SIGTERM");
        await exited;
        clearTimeout(timer);
      }
    },
  };
}


const formatDelay = (ms: number) => (ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`);


/** Waits until `url` answers with a status `accept` takes (default: 2xx). */
export async function waitForHttp(url: string, timeoutMs: number, isAlive: () => boolean, accept = (status: number) => status >= 200 && status < 300): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isAlive()) {
    const ok = await fetch(url).then(
      (r) => accept(r.status),
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready in ${Math.round(timeoutMs / 1000)} s.`);
}
