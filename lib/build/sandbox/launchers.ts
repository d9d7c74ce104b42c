import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { MARKER_VAR } from "@/lib/build/sandbox/kill-marked";

/** Resolved next to this file, so it works wherever lib/ runs from source (tsx, vitest). */
export const LAUNCHER_PATH = path.join(import.meta.dirname, "launcher.mjs");

// Node's start-up is most of a step's fixed cost (tens of milliseconds, far
// more on a busy machine), so a build starts the launcher of its next step
// ahead: an idle launcher (launcher.mjs) only waits for its request on stdin.
// `expectSteps(marker, n)` says how many steps of that marker are still to
// come; while it is above zero one launcher is kept ready: the step that
// takes it starts the next once its own command has started (readyNext). An
// idle launcher carries the marker and watches its parent like any other, so
// it dies with the worker and is found by the marker scan.
type Ready = { child: ChildProcess; failed: boolean };
const builds = new Map<string, { left: number; ready: Ready | null }>();

/** Starts a launcher for a step marked `marker` (as the leader of a new process group), with nothing of ours in its environment but the marker. */
export function spawnLauncher(marker: string): ChildProcess {
  const env: Record<string, string> = { [MARKER_VAR]: marker };
  return spawn(process.execPath, [LAUNCHER_PATH], {
    cwd: "/",
    env: env as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["pipe", "pipe", "pipe", "pipe"],
  });
}

/** `steps` more steps marked `marker` will run: keeps a launcher ready for them, or (at 0) stops the idle one. */
export function expectSteps(marker: string, steps: number): void {
  const build = builds.get(marker) ?? { left: 0, ready: null };
  build.left = steps;
  if (steps > 0) {
    builds.set(marker, build);
    build.ready ??= prestart(marker);
    return;
  }
  builds.delete(marker);
  if (build.ready) stop(build.ready.child);
}

/** The ready launcher of `marker` if it is still alive, or null; either way one step fewer is expected. */
export function takeLauncher(marker: string): ChildProcess | null {
  const build = builds.get(marker);
  if (!build) return null;
  build.left -= 1;
  if (build.left <= 0) builds.delete(marker);
  if (!build.ready) return null;
  const { child, failed } = build.ready;
  build.ready = null;
  if (failed || child.exitCode !== null || child.signalCode !== null) {
    stop(child);
    return null;
  }
  child.ref();
  for (const s of child.stdio) (s as { ref?: () => void } | null)?.ref?.();
  return child;
}

/** Starts the launcher of the next step of `marker`, if one is expected and none is ready. */
export function readyNext(marker: string): void {
  const build = builds.get(marker);
  if (build && build.left > 0) build.ready ??= prestart(marker);
}

/** Pids of the idle launchers of `marker`: ours, not a step's, so the scan for a step's leftovers spares them. */
export function idleLaunchers(marker: string): Set<number> {
  const pid = builds.get(marker)?.ready?.child.pid;
  return new Set(pid === undefined ? [] : [pid]);
}

function prestart(marker: string): Ready | null {
  let ready: Ready;
  try {
    ready = { child: spawnLauncher(marker), failed: false };
  } catch {
    return null;
  }
  // Until a step takes it: a launcher that could not start is not used.
  ready.child.once("error", () => (ready.failed = true));
  for (const s of ready.child.stdio) s?.on("error", () => {});
  // An idle launcher never keeps the worker alive.
  ready.child.unref();
  for (const s of ready.child.stdio) (s as { unref?: () => void } | null)?.unref?.();
  return ready;
}

function stop(child: ChildProcess) {
  for (const s of child.stdio) s?.destroy();
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}
