import { findPids } from "@/lib/platform/find-pids";

// Every process of a build step carries SLIPWAY_SANDBOX=<marker> in its
// environment (children inherit it). Killing the step's process group gets
// almost everything; this finds what escaped the group (setsid, double fork)
// or outlived a crashed worker, by reading /proc/<pid>/environ. Only processes
// of the same user are readable; everything else is skipped silently.
//
// /proc/<pid>/environ is the environment a process was started with. A
// process that is already dead but not yet reaped (zombie) reads as empty, so
// it is not reported: it holds no resources and cannot run any more.
export const MARKER_VAR = "SLIPWAY_SANDBOX";

const MARKER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** Throws unless the marker is safe to match exactly (non-empty, no "=", NUL or spaces). */
export function assertValidMarker(marker: string): void {
  if (typeof marker !== "string" || !MARKER_PATTERN.test(marker)) {
    throw new TypeError(`Invalid sandbox marker ${JSON.stringify(marker)}: use letters, digits, ".", "_", ":" or "-".`);
  }
}

/** Pids of the live processes (other than this one) whose environment holds SLIPWAY_SANDBOX=<marker>. */
export async function findMarked(marker: string): Promise<number[]> {
  assertValidMarker(marker);
  const needle = Buffer.from(`${MARKER_VAR}=${marker}`);
  return findPids("environ", (environ) => hasEntry(environ, needle));
}

/**
 * SIGKILL every process marked SLIPWAY_SANDBOX=<marker>, and keep scanning
 * (a process may fork while we look) until none is left or `timeoutMs`
 * passes. Returns the pids it signalled. Safe to call at any time, e.g. at
 * worker startup for the builds a crashed worker left behind. `spare`: pids
 * of live children of ours that carry the marker but run no user code (an
 * idle launcher, see launchers.ts).
 */
export async function killMarked(marker: string, timeoutMs = 2000, spare: ReadonlySet<number> = new Set()): Promise<number[]> {
  assertValidMarker(marker);
  const killed = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = (await findMarked(marker)).filter((pid) => !spare.has(pid));
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
        killed.add(pid);
      } catch {
        // exited meanwhile, or not ours to kill
      }
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return [...killed].sort((a, b) => a - b);
}

// True if `entry` is one whole NUL-separated entry of `environ`.
function hasEntry(environ: Buffer, entry: Buffer): boolean {
  let at = environ.indexOf(entry);
  while (at !== -1) {
    const end = at + entry.length;
    if ((at === 0 || environ[at - 1] === 0) && (end === environ.length || environ[end] === 0)) return true;
    at = environ.indexOf(entry, at + 1);
  }
  return false;
}
