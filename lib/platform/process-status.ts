import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

// The state of the platform's processes as their supervisor writes it
// (lib/platform/supervisor.ts), read by the router's /readyz and the console.
// Kept apart from the supervisor so those read it without its spawning code.

export type ProcessState = "starting" | "running" | "restarting" | "failed" | "stopped";

export type ProcessStatus = {
  name: string;
  state: ProcessState;
  pid: number | null;
  restarts: number;
  startedAt: string | null;
  lastExit: { code: number | null; signal: string | null; at: string; line: string | null } | null;
  /** Why the supervisor stopped restarting it (a crash loop), in words. */
  gaveUp: string | null;
};

export type ProcessesFile = { supervisorPid: number; updatedAt: string; processes: ProcessStatus[] };

/** Where one `npm start` (one supervisor) writes the state of its processes. */
export const processStatusFile = (dataDir: string, pid = process.pid) => path.join(dataDir, "run", `processes.${pid}.json`);

/**
 * The processes of every supervisor running on this DATA_DIR (one `npm start`,
 * or several with --only), from their status files; files of supervisors that
 * are gone are ignored. Empty when there are none (a process started by hand).
 */
export function readProcessStatus(dataDir: string): ProcessStatus[] {
  const dir = path.join(dataDir, "run");
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^processes\.\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const all: ProcessStatus[] = [];
  for (const name of names) {
    try {
      const file = JSON.parse(readFileSync(path.join(dir, name), "utf8")) as ProcessesFile;
      if (!isAlive(file.supervisorPid)) continue;
      all.push(...file.processes);
    } catch {
      // being replaced, or not ours
    }
  }
  return all.sort((a, b) => a.name.localeCompare(b.name));
}

/** For health endpoints anyone may call: state and restarts, not pids or the processes' output. */
export function healthOfProcesses(processes: readonly ProcessStatus[]) {
  return processes.map(({ name, state, restarts, lastExit }) => ({
    name,
    state,
    restarts,
    lastExit: lastExit && { code: lastExit.code, signal: lastExit.signal, at: lastExit.at },
  }));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export function describeExit(exit: Exit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  if (exit.code === null) return "could not be started";
  return `exited with code ${exit.code}`;
}
