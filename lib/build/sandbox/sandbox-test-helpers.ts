import { readdirSync, readFileSync } from "node:fs";

// Test-only: an independent look at /proc, so the tests do not check
// kill-marked.ts with itself. Live (non-zombie) pids whose environment holds
// exactly SLIPWAY_SANDBOX=<marker>.
export function liveMarkedPids(marker: string): number[] {
  const entry = `SLIPWAY_SANDBOX=${marker}`;
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, "latin1").split("\0");
      if (!environ.includes(entry)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, "latin1");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "Z" && state !== "X") pids.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** Polls until no live process carries the marker; returns how long that took, or throws with the survivors. */
export async function waitUntilNoneMarked(marker: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const pids = liveMarkedPids(marker);
    if (pids.length === 0) return Date.now() - start;
    if (Date.now() - start > timeoutMs) {
      const names = pids.map((p) => {
        try {
          return `${p}:${readFileSync(`/proc/${p}/cmdline`, "latin1").replaceAll("\0", " ").trim()}`;
        } catch {
          return String(p);
        }
      });
      throw new Error(`processes still marked ${marker} after ${timeoutMs} ms: ${names.join(", ")}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

let counter = 0;
export function uniqueMarker(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
