import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { Readable } from "node:stream";
import { LineSplitter } from "@/lib/build/sandbox/line-splitter";
import { readJsonLines } from "@/lib/platform/read-json-lines";
import { childEnv } from "@/lib/platform/child-env";
import type { Slot } from "@/lib/router/functions/host-slot";

// One process of host.mjs: how it is started (environment, flags, user,
// process group), what it says (output lines, control messages on fd 3) and
// what the router knows of it. Its lifecycle (restarts, stopping) is
// function-host.ts's.

/** A message of host.mjs on its control channel (fd 3), one JSON object a line. */
export type ControlMessage = { type?: unknown; message?: unknown };

// One running (or starting) host process.
export class HostProcess {
  readonly agent = new http.Agent({ keepAlive: true });
  ready = false;
  exited = false;
  /** Why we killed it, if we did. */
  killReason: string | null = null;
  /** What the host reported as the uncaught error that ends it. */
  uncaught: string | null = null;
  outOfMemory = false;
  pinging = false;
  /** Function files this process has answered once (loaded): their requests are past warm-up. */
  readonly warmFiles = new Set<string>();
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

  /** Its resident size (the sandbox's memory; VmRSS without one), or null if it cannot be read. */
  async residentKb(): Promise<number | null> {
    if (this.slot.run) return this.slot.run.sandbox.memoryKb();
    try {
      const status = await readFile(`/proc/${this.pid}/status`, "utf8");
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }

  /** Resolves once the child's output and control pipes are closed, or after `ms`. */
  drained(ms: number): Promise<void> {
    const child = this.child;
    const streams = [child.stdout, child.stderr, child.stdio[3] as Readable | null].filter((s): s is Readable => s !== null);
    const closed = (s: Readable) => new Promise<void>((resolve) => (s.closed || s.destroyed ? resolve() : s.once("close", () => resolve())));
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([Promise.all(streams.map(closed)).then(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() =>
      clearTimeout(timer),
    );
  }
}

/** Spawns the host of `slot` (host-slot.ts) as the leader of its own process group. Throws if it cannot be spawned. */
export function spawnHost(slot: Slot): ChildProcess {
  const { file, args, env, cwd } = slot.command;
  return spawn(file, args, { cwd, env: childEnv(env), detached: true, stdio: ["ignore", "pipe", "pipe", "pipe"] });
}

// A line written while a request was handled begins with "\x1e<trace id>\x1f" (host.mjs).
const TRACED_LINE = /^\x1e([0-9a-f]{32})\x1f/;

/** A host's output line without its request's trace mark, and that trace (if it has one). */
export function traceOfLine(line: string): { text: string; traceId?: string } {
  const mark = TRACED_LINE.exec(line);
  return mark ? { text: line.slice(mark[0].length), traceId: mark[1] } : { text: line };
}

/** Calls `onLine` with each line the child writes to `stream`. */
export function readLines(child: ChildProcess, stream: "stdout" | "stderr", onLine: (text: string) => void) {
  const splitter = new LineSplitter(onLine);
  const s = child[stream]!;
  s.on("data", (chunk: Buffer) => splitter.push(chunk));
  s.on("end", () => splitter.end());
  s.on("error", () => {});
}

/** Calls `onMessage` with each message on the child's control channel (fd 3). */
export function readControl(child: ChildProcess, onMessage: (message: ControlMessage) => void) {
  readJsonLines(child.stdio[3] as Readable, onMessage);
}
