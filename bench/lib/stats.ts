import { readdirSync, readFileSync } from "node:fs";

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Nearest-rank percentile (p in 0–100); NaN for no values. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const ratio = (a: number, b: number) => (b === 0 ? NaN : a / b);

// A process and all its descendants, from /proc (Linux).
export function descendantPids(rootPid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // the process ended while we looked
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parentOf.get(p) ?? 0, hops++) if (p === rootPid) return true;
    return false;
  };
  return [...parentOf.keys()].filter(inTree);
}

// Memory of a process tree as PSS (proportional set size): pages shared between
// processes, such as Postgres' shared buffers, count once in total, not once per process.
export function treeMemoryBytes(rootPid: number): number {
  let total = 0;
  for (const pid of descendantPids(rootPid)) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

// Each sample runs every fn once, in turn, so that a measurement and its
// reference see the same machine (other load comes and goes).
export async function timeInTurn(samples: number, fns: Array<() => Promise<unknown>>): Promise<number[][]> {
  for (let i = 0; i < 5; i++) for (const fn of fns) await fn(); // warm up plans and caches
  const ms: number[][] = fns.map(() => []);
  for (let i = 0; i < samples; i++) {
    for (const [k, fn] of fns.entries()) {
      const t0 = performance.now();
      await fn();
      ms[k].push(performance.now() - t0);
    }
  }
  return ms;
}
